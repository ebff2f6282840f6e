/**
 * The OCPP-J connection layer against real WebSockets (ws clients over loopback): handshake,
 * framing and its CALLERRORs, outbound calls one at a time, timeouts, close. Keepalive and
 * presence are gateway/liveness.test.ts's (fake timers, no sockets).
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import ocppRpc from 'ocpp-rpc';
import { OcppConnection, type CallHandler, type ConnectionHooks } from '../../common/ocpp-j/connection.ts';
import { createOcppServer, type Admission, type Handshake, type OcppServer } from './server.ts';

const { createRPCError, TimeoutError } = ocppRpc as unknown as { createRPCError: (c: string, m?: string) => Error; TimeoutError: new () => Error };

interface Harness {
  url: string;
  server: OcppServer;
  conns: OcppConnection[];
  handshakes: Handshake[];
  nextConn(): Promise<OcppConnection>;
}

let http: Server | undefined;
let srv: OcppServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  srv?.close();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
  http = undefined;
});

const handler: CallHandler = async ({ method, params }) => {
  if (method === 'Heartbeat') return { currentTime: '2026-01-01T00:00:00.000Z' };
  if (method === 'Slow') return new Promise((r) => setTimeout(() => r({ slow: true }), 60));
  if (method === 'Fail') throw createRPCError('OccurenceConstraintViolation', 'missing idTag');
  if (method === 'Crash') throw new Error('boom');
  return { echo: params };
};

async function start(opts: { admit?: (h: Handshake) => Promise<Admission<string>>; callTimeoutMs?: number; maxPayload?: number; hooks?: ConnectionHooks } = {}): Promise<Harness> {
  const conns: OcppConnection[] = [];
  const handshakes: Handshake[] = [];
  const waiters: Array<(c: OcppConnection) => void> = [];
  const server = createOcppServer<string>({
    maxPayload: opts.maxPayload ?? 1024 * 1024,
    admit: async (h) => {
      handshakes.push(h);
      return opts.admit ? opts.admit(h) : { ok: true, value: h.identity, protocol: h.protocols.has('ocpp1.6') ? 'ocpp1.6' : false };
    },
    onAdmitError: () => undefined,
    accept(ws, { protocol, remoteAddress }) {
      const conn = new OcppConnection(ws, { protocol, remoteAddress, defaultTimeoutMs: opts.callTimeoutMs ?? 5000, handler, ...opts.hooks });
      conns.push(conn);
      waiters.shift()?.(conn);
    },
  });
  srv = server;
  http = createServer();
  http.on('upgrade', server.handleUpgrade);
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}/ocpp`, server, conns, handshakes, nextConn: () => new Promise((r) => waiters.push(r)) };
}

/** A raw charger: sends frames as text and collects what comes back. */
async function rawClient(url: string, opts: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {}) {
  const ws = new WebSocket(url, opts.protocols ?? ['ocpp1.6'], { headers: opts.headers, autoPong: opts.autoPong ?? true });
  sockets.push(ws);
  const inbox: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    inbox.push(JSON.parse(String(d)) as unknown[]);
    waiters.splice(0).forEach((w) => w());
  });
  await once(ws, 'open');
  return {
    ws,
    inbox,
    async next(pred: (m: unknown[]) => boolean = () => true): Promise<unknown[]> {
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    send(frame: unknown) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
  };
}

async function refused(url: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url, opts.protocols ?? ['ocpp1.6'], { headers: opts.headers });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', () => undefined);
  });
}

describe('handshake', () => {
  it('takes the identity from the last path segment, the offered subprotocols and the Basic password as bytes', async () => {
    const h = await start();
    const auth = `Basic ${Buffer.concat([Buffer.from('CP:7:'), Buffer.from([0, 255, 1])]).toString('base64')}`;
    const c = await rawClient(`${h.url}/CP%3A7`, { protocols: ['ocpp2.0.1', 'ocpp1.6'], headers: { authorization: auth } });
    expect(c.ws.protocol).toBe('ocpp1.6');
    const hs = h.handshakes[0]!;
    expect(hs.identity).toBe('CP:7');
    expect([...hs.protocols]).toEqual(['ocpp2.0.1', 'ocpp1.6']);
    expect([...hs.password!]).toEqual([0, 255, 1]);
    expect(hs.remoteAddress).toBe('127.0.0.1');
  });

  it('ignores a Basic user name that is not the identity', async () => {
    const h = await start();
    await rawClient(`${h.url}/CP-1`, { headers: { authorization: `Basic ${Buffer.from('OTHER:pw').toString('base64')}` } });
    expect(h.handshakes[0]!.password).toBeUndefined();
  });

  it('refuses before the upgrade with the status and message admission gives', async () => {
    const h = await start({ admit: async () => ({ ok: false, status: 401, message: 'Unauthorized' }) });
    const r = await refused(`${h.url}/CP-1`);
    expect(r).toEqual({ status: 401, body: 'Unauthorized' });
  });

  it('answers 400 to an identity that is not valid percent-encoding, 503 when admission throws', async () => {
    const h = await start({
      admit: async () => {
        throw new Error('database down');
      },
    });
    expect((await refused(`${h.url}/%E0%A4%A`)).status).toBe(400);
    expect(await refused(`${h.url}/CP-1`)).toEqual({ status: 503, body: 'Service unavailable' });
  });

  it('refuses new chargers once closed', async () => {
    const h = await start();
    h.server.close();
    expect((await refused(`${h.url}/CP-1`)).status).toBe(503);
  });
});

describe('framing (OCPP-J 1.6 §4)', () => {
  it('answers CALLs with CALLRESULT, and CALLERROR with the 1.6 wire spellings (OCPP-J 1.6 §4.2.3, errata §5)', async () => {
    const h = await start();
    const c = await rawClient(`${h.url}/CP-1`);
    c.send([2, 'a', 'Heartbeat', {}]);
    expect(await c.next()).toEqual([3, 'a', { currentTime: '2026-01-01T00:00:00.000Z' }]);
    c.send([2, 'b', 'Fail', {}]);
    // The errata keeps 1.6's misspelling on the wire ("do not fix ... might break implementations").
    expect(await c.next()).toEqual([4, 'b', 'OccurenceConstraintViolation', 'missing idTag', {}]);
    c.send([2, 'c', 'Crash', {}]);
    // An error without an OCPP code is ours: InternalError, and its message stays in our log.
    expect(await c.next()).toEqual([4, 'c', 'InternalError', 'internal error', {}]);
  });

  it('answers malformed frames with a CALLERROR, reports them, and keeps the connection', async () => {
    const bad: string[] = [];
    const h = await start({ hooks: { onBadMessage: (_f, e) => bad.push(e.rpcErrorCode) } });
    const c = await rawClient(`${h.url}/CP-1`);
    // Only the ten codes of OCPP-J 1.6 §4.2.3 Table 7 go on a 1.6 wire: a frame that is not an
    // OCPP-J message "does not conform the PDU structure" (FormationViolation).
    c.send('{"not json');
    expect((await c.next()).slice(0, 3)).toEqual([4, '-1', 'FormationViolation']);
    c.send({ an: 'object' });
    expect((await c.next()).slice(0, 3)).toEqual([4, '-1', 'FormationViolation']);
    c.send([7, 'x', 'Hello', {}]);
    expect((await c.next()).slice(0, 3)).toEqual([4, 'x', 'NotSupported']);
    c.send([2, 42, 'Heartbeat', {}]);
    expect((await c.next()).slice(0, 3)).toEqual([4, '-1', 'FormationViolation']);
    c.send([2, 'm', 17, {}]);
    expect((await c.next()).slice(0, 3)).toEqual([4, 'm', 'FormationViolation']);
    // A CALLRESULT nobody asked for is reported but never answered (§4.1.3).
    c.send([3, 'nobody-asked', {}]);
    // Empty frames are some vendors' keepalive: ignored.
    c.send('');
    c.send([2, 'ok', 'Heartbeat', {}]);
    expect(await c.next()).toEqual([3, 'ok', { currentTime: '2026-01-01T00:00:00.000Z' }]);
    expect(c.inbox).toEqual([]);
    expect(bad).toEqual(['RpcFrameworkError', 'RpcFrameworkError', 'MessageTypeNotSupported', 'RpcFrameworkError', 'RpcFrameworkError', 'RpcFrameworkError']);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers a CALL once when its id arrives again while it is being handled', async () => {
    const bad: string[] = [];
    const h = await start({ hooks: { onBadMessage: (_f, e) => bad.push(e.message) } });
    const c = await rawClient(`${h.url}/CP-1`);
    c.send([2, 'same', 'Slow', {}]);
    c.send([2, 'same', 'Slow', {}]);
    c.send([2, 'after', 'Slow', {}]);
    expect(await c.next()).toEqual([3, 'same', { slow: true }]);
    // Barrier: the next call's answer comes after any second answer to 'same' would have.
    expect(await c.next()).toEqual([3, 'after', { slow: true }]);
    expect(c.inbox).toEqual([]);
    expect(bad).toEqual(['Already processing a call with message ID: same']);
  });

  it('closes a frame over the size limit with 1009', async () => {
    const h = await start({ maxPayload: 2048 });
    const c = await rawClient(`${h.url}/CP-1`);
    c.send([2, 'big', 'DataTransfer', { data: 'x'.repeat(4096) }]);
    const [code] = (await once(c.ws, 'close')) as [number];
    expect(code).toBe(1009);
  });
});

describe('outbound calls', () => {
  it('sends one CALL at a time (§4.1.1) and resolves each with its CALLRESULT', async () => {
    const h = await start();
    const next = h.nextConn();
    const c = await rawClient(`${h.url}/CP-1`);
    const conn = await next;
    const p1 = conn.call('Reset', { type: 'Soft' });
    const p2 = conn.call('UnlockConnector', { connectorId: 1 });
    const f1 = await c.next();
    expect(f1.slice(0, 1).concat(f1.slice(2))).toEqual([2, 'Reset', { type: 'Soft' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.inbox).toEqual([]); // the second waits for the first answer
    c.send([3, f1[1], { status: 'Accepted' }]);
    expect(await p1).toEqual({ status: 'Accepted' });
    const f2 = await c.next();
    expect(f2[2]).toBe('UnlockConnector');
    c.send([4, f2[1], 'NotSupported', 'no lock', {}]);
    await expect(p2).rejects.toMatchObject({ rpcErrorCode: 'NotSupported', message: 'no lock' });
  });

  it('times out a call with no answer and goes on with the next', async () => {
    const h = await start({ callTimeoutMs: 100 });
    const next = h.nextConn();
    const c = await rawClient(`${h.url}/CP-1`);
    const conn = await next;
    const p1 = conn.call('Reset', { type: 'Hard' });
    const p2 = conn.call('Reset', { type: 'Soft' }, { callTimeoutMs: 5000 });
    await expect(p1).rejects.toBeInstanceOf(TimeoutError);
    await c.next(); // the first, unanswered
    const f2 = await c.next();
    // A late answer to the timed-out call is not taken for the current one.
    c.send([3, 'late-id', { status: 'Rejected' }]);
    c.send([3, f2[1], { status: 'Accepted' }]);
    expect(await p2).toEqual({ status: 'Accepted' });
  });

  it('rejects calls in flight when the charger goes away', async () => {
    const h = await start();
    const next = h.nextConn();
    const c = await rawClient(`${h.url}/CP-1`);
    const conn = await next;
    const p = conn.call('Reset', { type: 'Soft' });
    await c.next();
    c.ws.terminate();
    await expect(p).rejects.toThrow('Client disconnected');
    await expect(conn.call('Reset', {})).rejects.toThrow('not open');
  });
});

describe('close', () => {
  it('close with awaitPending answers the call in progress first', async () => {
    let closeCode = 0;
    const h = await start({ hooks: { onClose: (code) => (closeCode = code) } });
    const next = h.nextConn();
    const c = await rawClient(`${h.url}/CP-1`);
    const conn = await next;
    c.send([2, 's', 'Slow', {}]);
    await new Promise((r) => setTimeout(r, 20));
    const closed = conn.close({ code: 1001, reason: 'Gateway shutting down', awaitPending: true });
    expect(await c.next()).toEqual([3, 's', { slow: true }]);
    expect(await closed).toEqual({ code: 1001, reason: 'Gateway shutting down' });
    expect(closeCode).toBe(1001);
  });
});
