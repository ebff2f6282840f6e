/**
 * OCPP-J 2.1's two new message types on a real WebSocket: SEND (6) is handled like a CALL and
 * never answered, CALLRESULTERROR (5) is reported and never answered; on 1.6 and 2.0.1
 * connections both are unknown message types (MessageTypeNotSupported, 1.6: NotSupported).
 * "Never answered" is proven with a barrier: a CALL sent after it, whose CALLRESULT is the next
 * frame the peer gets.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { OcppConnection, type CallHandler, type InboundCall, type RpcError } from './connection.ts';

let wss: WebSocketServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  wss = undefined;
});

async function pair(protocol: string, handler?: CallHandler) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => protocol });
  wss = server;
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/CP`, [protocol]);
  sockets.push(ws);
  const frames: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)) as unknown[]);
    waiters.splice(0).forEach((w) => w());
  });
  const [serverWs] = await accepted;
  await once(ws, 'open');
  const handled: InboundCall[] = [];
  const resultErrors: Array<{ id: string; error: RpcError }> = [];
  const bad: RpcError[] = [];
  const conn = new OcppConnection(serverWs, {
    protocol,
    remoteAddress: '127.0.0.1',
    defaultTimeoutMs: 10_000,
    handler:
      handler ??
      (async (call) => {
        handled.push(call);
        return { ok: true };
      }),
    onResultError: (id, error) => resultErrors.push({ id, error }),
    onBadMessage: (_f, e) => bad.push(e),
  });
  const peer = {
    send: (f: unknown[]) => ws.send(JSON.stringify(f)),
    async nth(n: number) {
      while (frames.length <= n) await new Promise<void>((r) => waiters.push(r));
      return frames[n]!;
    },
    frames,
  };
  return { conn, peer, handled, resultErrors, bad, ws };
}

describe('OCPP-J 2.1 message types', () => {
  it('a SEND is handled and never answered', async () => {
    const { peer, handled } = await pair('ocpp2.1');
    peer.send([6, 's1', 'NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: '2026-01-01T00:00:00Z', data: [{ t: 0, v: '1' }] }]);
    peer.send([2, 'barrier', 'Heartbeat', {}]);
    expect(await peer.nth(0)).toEqual([3, 'barrier', { ok: true }]);
    expect(handled.map((c) => [c.messageId, c.method, c.send ?? false])).toEqual([
      ['s1', 'NotifyPeriodicEventStream', true],
      ['barrier', 'Heartbeat', false],
    ]);
    expect(peer.frames).toHaveLength(1);
  });

  it('a SEND the handler fails is not answered either', async () => {
    const { peer } = await pair('ocpp2.1', async (call) => {
      if (call.send) throw new Error('boom');
      return {};
    });
    peer.send([6, 's1', 'NotifyPeriodicEventStream', {}]);
    peer.send([2, 'barrier', 'Heartbeat', {}]);
    expect(await peer.nth(0)).toEqual([3, 'barrier', {}]);
    expect(peer.frames).toHaveLength(1);
  });

  it('a CALLRESULTERROR is reported with its code and never answered', async () => {
    const { peer, resultErrors } = await pair('ocpp2.1');
    peer.send([5, 'r1', 'FormatViolation', 'your CALLRESULT was not valid', { field: 'x' }]);
    peer.send([2, 'barrier', 'Heartbeat', {}]);
    expect(await peer.nth(0)).toEqual([3, 'barrier', { ok: true }]);
    expect(resultErrors.map((r) => [r.id, r.error.rpcErrorCode])).toEqual([['r1', 'FormatViolation']]);
    expect(peer.frames).toHaveLength(1);
  });

  it('our own SEND goes out as message type 6, on 2.1 only', async () => {
    const a = await pair('ocpp2.1');
    expect(a.conn.sendUnconfirmed('NotifyPeriodicEventStream', { id: 1 })).toBe(true);
    const f = await a.peer.nth(0);
    expect([f[0], f[2], f[3]]).toEqual([6, 'NotifyPeriodicEventStream', { id: 1 }]);
    expect(typeof f[1]).toBe('string');
  });

  it.each([
    ['ocpp2.0.1', 'MessageTypeNotSupported'],
    ['ocpp1.6', 'NotSupported'],
  ])('on %s, types 5 and 6 are unknown message types (%s) and nothing is handled', async (protocol, code) => {
    const { peer, handled, conn } = await pair(protocol);
    expect(conn.sendUnconfirmed('X', {})).toBe(false);
    peer.send([6, 's1', 'NotifyPeriodicEventStream', {}]);
    peer.send([5, 'r1', 'FormatViolation', '', {}]);
    expect((await peer.nth(0)).slice(0, 3)).toEqual([4, 's1', code]);
    expect((await peer.nth(1)).slice(0, 3)).toEqual([4, 'r1', code]);
    expect(handled).toEqual([]);
  });
});
