import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from './coalesce.ts';

describe('coalesceWrites', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  async function pair() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    const [peer] = await accepted;
    cleanup.push(() => { client.destroy(); peer.destroy(); server.close(); });
    return { client, peer };
  }

  it('holds the writes of one event-loop turn and sends them in order after it', async () => {
    const { client, peer } = await pair();
    coalesceWrites(peer);
    const got: Buffer[] = [];
    client.on('data', (b) => got.push(b));
    for (let i = 0; i < 100; i++) peer.write(`m${i};`);
    expect(peer.writableCorked).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(peer.writableCorked).toBe(0);
    const expected = Array.from({ length: 100 }, (_, i) => `m${i};`).join('');
    while (Buffer.concat(got).length < expected.length) await once(client, 'data');
    expect(Buffer.concat(got).toString()).toBe(expected);
  });

  it('keeps the write callback and return value', async () => {
    const { peer } = await pair();
    coalesceWrites(peer);
    const done = new Promise<void>((resolve, reject) => { expect(peer.write('x', (err) => (err ? reject(err) : resolve()))).toBe(true); });
    await done;
    expect(peer.writableCorked).toBe(0);
  });

  it('nests with the cork mqtt-packet takes for one packet', async () => {
    const { client, peer } = await pair();
    coalesceWrites(peer);
    peer.cork();
    peer.write('a');
    process.nextTick(() => peer.uncork());
    await new Promise((r) => process.nextTick(r));
    expect(peer.writableCorked).toBe(1); // still ours until the turn ends
    const data = once(client, 'data');
    await new Promise((r) => setImmediate(r));
    expect(String((await data)[0])).toBe('a');
  });
});
