/**
 * Per-connection flow control (issue 14) over real WebSockets: at most `maxInbound` CALLs of one
 * peer in handling, the rest answered in order, and the socket not read meanwhile, so a peer that
 * pipelines CALLs (against OCPP-J 1.6 §4.1.1) is held back by TCP and costs us only what `ws` had
 * already read. Asserts counts and order, never times.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { OcppConnection, type CallHandler } from './connection.ts';

let wss: WebSocketServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  wss = undefined;
});

async function pair(maxInbound: number) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss = server;
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const peer = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/CP`, ['ocpp1.6']);
  sockets.push(peer);
  const answers: Array<[number, string, unknown]> = [];
  const waiters: Array<() => void> = [];
  peer.on('message', (d) => {
    answers.push(JSON.parse(String(d)) as [number, string, unknown]);
    waiters.splice(0).forEach((w) => w());
  });
  const [serverWs] = await accepted;
  await once(peer, 'open');
  // The handler answers when the test says so; it records how many run at once.
  const release: Array<() => void> = [];
  const stats = { running: 0, maxRunning: 0, started: [] as string[] };
  const handler: CallHandler = ({ messageId }) => {
    stats.started.push(messageId);
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    return new Promise((resolve) =>
      release.push(() => {
        stats.running--;
        resolve({ id: messageId });
      }),
    );
  };
  const conn = new OcppConnection(serverWs, { protocol: 'ocpp1.6', remoteAddress: '127.0.0.1', defaultTimeoutMs: 10_000, maxInbound, handler });
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 5)));
  };
  return { conn, peer, answers, release, stats, until };
}

const call = (i: number) => JSON.stringify([2, `m${i}`, 'MeterValues', { connectorId: 1, meterValue: [] }]);

describe('flow control of inbound CALLs', () => {
  it('handles one CALL at a time by default, answers pipelined CALLs in order, and pauses reading meanwhile', async () => {
    const { conn, peer, answers, release, stats, until } = await pair(1);
    for (let i = 0; i < 5; i++) peer.send(call(i));
    await until(() => stats.started.length === 1 && conn.heldCalls === 4);
    expect(conn.readingPaused).toBe(true);
    for (let i = 0; i < 5; i++) {
      await until(() => release.length > 0);
      release.shift()!();
      await until(() => answers.length === i + 1);
    }
    expect(answers.map((a) => a[1])).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(stats.maxRunning).toBe(1);
    expect(conn.heldCalls).toBe(0);
    expect(conn.readingPaused).toBe(false);
  });

  it('a peer that pipelines thousands of CALLs is held back by TCP, not buffered by us', async () => {
    const { conn, peer, answers, release, stats, until } = await pair(1);
    // 8 MB, more than loopback's socket buffers hold, in frames large enough that draining them
    // costs few round trips (20,000 frames of 400 bytes took a second; these, a tenth of it).
    const N = 2_000;
    const payload = 'x'.repeat(4_000);
    for (let i = 0; i < N; i++) peer.send(JSON.stringify([2, `f${i}`, 'DataTransfer', { vendorId: 'v', data: payload }]));
    await until(() => stats.started.length === 1 && conn.readingPaused);
    // Let the peer push what it can: the kernel's buffers fill, then its own.
    await until(() => peer.bufferedAmount > 0);
    const heldWhilePaused = conn.heldCalls;
    expect(heldWhilePaused).toBeLessThan(N / 4);
    expect(peer.bufferedAmount).toBeGreaterThan(0);
    // Draining it answers every one, in order, one at a time.
    const drain = (async () => {
      while (answers.length < N) {
        await until(() => release.length > 0 || answers.length >= N);
        release.shift()?.();
      }
    })();
    await drain;
    expect(answers.map((a) => a[1])).toEqual(Array.from({ length: N }, (_, i) => `f${i}`));
    expect(stats.maxRunning).toBe(1);
  }, 60_000);

  it('with maxInbound 3, three at a time', async () => {
    const { peer, answers, release, stats, until } = await pair(3);
    for (let i = 0; i < 9; i++) peer.send(call(i));
    await until(() => stats.started.length === 3);
    expect(stats.running).toBe(3);
    while (answers.length < 9) {
      await until(() => release.length > 0 || answers.length >= 9);
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(stats.maxRunning).toBe(3);
    expect(new Set(answers.map((a) => a[1])).size).toBe(9);
  });

  it('still reads the answers to our own CALLs once its CALL is answered', async () => {
    const { conn, peer, release, stats, until } = await pair(1);
    peer.on('message', (d) => {
      const f = JSON.parse(String(d)) as [number, string];
      if (f[0] === 2) peer.send(JSON.stringify([3, f[1], { status: 'Accepted' }]));
    });
    peer.send(call(0));
    await until(() => stats.started.length === 1);
    const ours = conn.call('Reset', { type: 'Soft' });
    peer.send(call(1)); // held: the socket pauses
    await until(() => conn.readingPaused);
    release.shift()!();
    expect(await ours).toEqual({ status: 'Accepted' });
    await until(() => release.length > 0);
    release.shift()!();
  });
});
