/**
 * The outbound queue of an OCPP-J connection over real WebSockets (loopback): one CALL at a
 * time (OCPP-J 1.6 §4.1.1), a deadline per call counted from call() so time in the queue
 * counts, a bound on the calls waiting, and what close does to them. The peer is a raw `ws`
 * client that records every frame; "never sent" is proven with a barrier: a later call that
 * arrives as the next frame, after which the dropped one can no longer come (FIFO, one at a time).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import ocppRpc from 'ocpp-rpc';
import { CallQueueFullError, minTimeLeftToSend, OcppConnection, type ConnectionHooks } from './connection.ts';

const { TimeoutError } = ocppRpc as unknown as { TimeoutError: new () => Error };

let wss: WebSocketServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const s of sockets.splice(0)) s.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  wss = undefined;
});

/** Our end (the gateway's OcppConnection) and a raw peer recording the CALLs it gets. */
async function pair(defaultTimeoutMs = 10_000, hooks: ConnectionHooks = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss = server;
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/CP`, ['ocpp1.6']);
  sockets.push(ws);
  const calls: Array<{ id: string; method: string; params: unknown }> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as [number, string, string, unknown];
    if (f[0] === 2) calls.push({ id: f[1], method: f[2], params: f[3] });
    waiters.splice(0).forEach((w) => w());
  });
  const [serverWs] = await accepted;
  await once(ws, 'open');
  const conn = new OcppConnection(serverWs, { protocol: 'ocpp1.6', remoteAddress: '127.0.0.1', defaultTimeoutMs, ...hooks });
  const peer = {
    ws,
    calls,
    /** The n-th CALL received (0-based), waiting for it. */
    async nth(n: number) {
      while (calls.length <= n) await new Promise<void>((r) => waiters.push(r));
      return calls[n]!;
    },
    answer(id: string, payload: unknown = {}) {
      ws.send(JSON.stringify([3, id, payload]));
    },
  };
  return { conn, peer };
}

/** Settles a promise into a value to assert on, without unhandled rejections meanwhile. */
function outcome(p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: Error & { sent?: boolean } }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error & { sent?: boolean }) => ({ ok: false as const, error }),
  );
}

describe('deadlines (the timeout covers the time in the queue)', () => {
  it('a call still queued at its deadline is answered timeout, sent: false, and never sent', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}));
    const b = outcome(conn.call('B', {}, { callTimeoutMs: 200 }));
    const first = await peer.nth(0);
    // B times out behind A, which the peer holds unanswered.
    const rb = await b;
    expect(rb.ok).toBe(false);
    if (!rb.ok) {
      expect(rb.error).toBeInstanceOf(TimeoutError);
      expect(rb.error.sent).toBe(false);
    }
    peer.answer(first.id, { a: 1 });
    expect(await a).toEqual({ ok: true, value: { a: 1 } });
    // Barrier: the next call goes out next; had B still been queued, it would have gone first.
    const c = outcome(conn.call('C', {}));
    expect((await peer.nth(1)).method).toBe('C');
    peer.answer(peer.calls[1]!.id);
    expect((await c).ok).toBe(true);
    expect(peer.calls.map((x) => x.method)).toEqual(['A', 'C']);
  });

  it('a call on the wire at its deadline is answered timeout, sent: true, and the next one goes (§4.1.1)', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}, { callTimeoutMs: 200 }));
    await peer.nth(0);
    const ra = await a;
    expect(ra.ok).toBe(false);
    if (!ra.ok) {
      expect(ra.error).toBeInstanceOf(TimeoutError);
      expect(ra.error.sent).toBe(true);
    }
    const b = outcome(conn.call('B', {}));
    const fb = await peer.nth(1);
    expect(fb.method).toBe('B');
    // A late answer to A is not taken for B.
    peer.answer(peer.calls[0]!.id, { late: true });
    peer.answer(fb.id, { b: 1 });
    expect(await b).toEqual({ ok: true, value: { b: 1 } });
  });

  it('a queued call with too little of its time left when its turn comes is not sent', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}));
    const b = outcome(conn.call('B', {}, { callTimeoutMs: 1000 }));
    const first = await peer.nth(0);
    // B's deadline has not passed, but what is left is below minTimeLeftToSend(1000).
    vi.advanceTimersByTime(1000 - minTimeLeftToSend(1000) / 2);
    peer.answer(first.id);
    expect((await a).ok).toBe(true);
    const rb = await b;
    expect(rb.ok).toBe(false);
    if (!rb.ok) expect(rb.error.sent).toBe(false);
    const c = outcome(conn.call('C', {}));
    expect((await peer.nth(1)).method).toBe('C');
    peer.answer(peer.calls[1]!.id);
    await c;
    expect(peer.calls.map((x) => x.method)).toEqual(['A', 'C']);
  });

  it.each([
    [100, 10],
    [2000, 200],
    [10_000, 1000],
    [300_000, 1000],
  ])('minTimeLeftToSend(%i) = %i', (budget, min) => {
    expect(minTimeLeftToSend(budget)).toBe(min);
  });
});

describe('the bound on queued calls', () => {
  it('past maxQueued waiting calls a call is refused at once, never sent; the others go in order', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}, { maxQueued: 2 }));
    const b = outcome(conn.call('B', {}, { maxQueued: 2 }));
    const c = outcome(conn.call('C', {}, { maxQueued: 2 }));
    const rd = await outcome(conn.call('D', {}, { maxQueued: 2 }));
    expect(rd.ok).toBe(false);
    if (!rd.ok) {
      expect(rd.error).toBeInstanceOf(CallQueueFullError);
      expect(rd.error.sent).toBe(false);
    }
    for (let i = 0; i < 3; i++) peer.answer((await peer.nth(i)).id, { n: i });
    expect(await Promise.all([a, b, c])).toEqual([0, 1, 2].map((n) => ({ ok: true, value: { n } })));
    // Barrier: E comes right after C; D never does.
    const e = outcome(conn.call('E', {}, { maxQueued: 2 }));
    expect((await peer.nth(3)).method).toBe('E');
    peer.answer(peer.calls[3]!.id);
    await e;
    expect(peer.calls.map((x) => x.method)).toEqual(['A', 'B', 'C', 'E']);
  });

  it('maxQueued 0: a call goes out when none is on the wire, and is refused while one is', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}, { maxQueued: 0 }));
    await expect(conn.call('B', {}, { maxQueued: 0 })).rejects.toBeInstanceOf(CallQueueFullError);
    peer.answer((await peer.nth(0)).id);
    expect((await a).ok).toBe(true);
  });
});

describe('close', () => {
  it('close rejects the queued calls as not sent and the one on the wire as sent; nothing goes out after', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}));
    const b = outcome(conn.call('B', {}));
    await peer.nth(0);
    const peerClosed = once(peer.ws, 'close');
    await conn.close();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toMatchObject({ ok: false, error: { sent: true } });
    expect(rb).toMatchObject({ ok: false, error: { sent: false } });
    await peerClosed;
    // The socket is closed: nothing can follow what the peer got.
    expect(peer.calls.map((x) => x.method)).toEqual(['A']);
    const late = await outcome(conn.call('C', {}));
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.error.sent).toBe(false);
  });

  it('close with awaitPending rejects the queued calls at once and lets the one on the wire be answered', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}));
    const b = outcome(conn.call('B', {}));
    const first = await peer.nth(0);
    const closed = conn.close({ awaitPending: true });
    // B is answered while A is still waiting for the peer.
    const rb = await b;
    expect(rb.ok).toBe(false);
    if (!rb.ok) expect(rb.error.sent).toBe(false);
    peer.answer(first.id, { a: 1 });
    expect(await a).toEqual({ ok: true, value: { a: 1 } });
    await closed;
    expect(peer.calls.map((x) => x.method)).toEqual(['A']);
  });

  it('a peer that goes away: the call on the wire fails as sent, the queued ones as not sent', async () => {
    const { conn, peer } = await pair();
    const a = outcome(conn.call('A', {}));
    const b = outcome(conn.call('B', {}));
    await peer.nth(0);
    peer.ws.terminate();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toMatchObject({ ok: false, error: { sent: true } });
    expect(rb).toMatchObject({ ok: false, error: { sent: false } });
    expect(peer.calls.map((x) => x.method)).toEqual(['A']);
  });
});

describe('onHeard: everything the peer sends proves it there (issue 16)', () => {
  it('fires for its answer to our CALL, its CALLERROR, its pong and its ping, never for our own ping', async () => {
    const heard: string[] = [];
    let what = '';
    const { conn, peer } = await pair(10_000, { onHeard: () => heard.push(what) });
    what = 'pong';
    // The connection's own 'pong' listener was registered first, so it has run by then.
    const ponged = new Promise<void>((r) => conn.ws.once('pong', () => r()));
    conn.ping(Date.now()); // ours: not heard (heard[0] is the pong)
    await ponged;
    what = 'callresult';
    const a = conn.call('GetConfiguration', {});
    peer.answer((await peer.nth(0)).id, { configurationKey: [] });
    await a;
    what = 'callerror';
    const b = outcome(conn.call('Reset', { type: 'Soft' }));
    peer.ws.send(JSON.stringify([4, (await peer.nth(1)).id, 'NotSupported', 'no', {}]));
    expect((await b).ok).toBe(false);
    what = 'ping';
    const pinged = new Promise<void>((r) => conn.ws.once('ping', () => setImmediate(r)));
    peer.ws.ping();
    await pinged;
    expect(heard).toEqual(['pong', 'callresult', 'callerror', 'ping']);
  });

  it('a listener that throws costs nothing: the answer still settles the call', async () => {
    const { conn, peer } = await pair(10_000, {
      onHeard: () => {
        throw new Error('listener bug');
      },
    });
    const a = conn.call('ClearCache', {});
    peer.answer((await peer.nth(0)).id, { status: 'Accepted' });
    expect(await a).toEqual({ status: 'Accepted' });
  });
});
