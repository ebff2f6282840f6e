/**
 * One OCPP-J RPC channel over a `ws` WebSocket: CALL / CALLRESULT / CALLERROR framing
 * (OCPP-J 1.6 §4), inbound calls answered by one handler, outbound calls one at a time with a
 * timeout (§4.1.1: no new CALL before the previous one was answered or timed out). The protocol
 * is symmetric, so the same channel serves the gateway's end (gateway/ocpp/server.ts) and the
 * simulated charger's (simulator/charger.ts); the tests' chargers use ocpp-rpc's RPCClient, an
 * implementation that is not ours.
 *
 * Why not ocpp-rpc's RPCServerClient: it costs ~13 KiB of heap per connection (call queue,
 * abort controllers, backoff strategy, event emitters, the upgrade request it keeps), four times
 * what `ws` itself costs (bench/memory.ts --bare / --bare-ws, docs/benchmarks.md). A gateway
 * holds tens of thousands of these; everything here is plain fields, created lazily, and the
 * upgrade request is not kept. The wire behaviour (error codes, the 1.6 spellings) is ocpp-rpc's,
 * whose error classes this reuses so handlers and callers see the same errors.
 */
import { randomUUID } from 'node:crypto';
import ocppRpc from 'ocpp-rpc';
import type WebSocket from 'ws';
import { callPayloadText } from './payload-text.ts';

// ocpp-rpc spreads its error classes into module.exports (invisible to ESM named imports).
const { createRPCError, TimeoutError } = ocppRpc as unknown as {
  createRPCError: (code: string, message?: string, details?: unknown) => RpcError;
  TimeoutError: new (message: string) => Error;
};

export type RpcError = Error & { rpcErrorCode: string; details?: unknown };

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export interface InboundCall {
  method: string;
  params: unknown;
  messageId: string;
  /** The payload's JSON text as the peer sent it (payload-text.ts); absent for a malformed CALL. */
  payloadText?: string | undefined;
}
export type CallHandler = (call: InboundCall) => Promise<unknown>;

interface OutboundCall {
  method: string;
  params: unknown;
  timeoutMs: number;
  id: string;
  timer: NodeJS.Timeout | undefined;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * OCPP-J 1.6 errata §5: the 1.6 text misspells two codes; chargers expect the errata's wire
 * spellings (the same rewrite ocpp-rpc applies for ocpp1.6).
 */
export const WIRE_CODE_16: Readonly<Record<string, string>> = {
  FormatViolation: 'FormationViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

export interface CloseOptions {
  code?: number;
  reason?: string;
  /** Answer the calls in progress (both directions) before closing. */
  awaitPending?: boolean;
}

export class OcppConnection {
  /** Date.now() of the last frame, ping or pong from the charger; read by the keepalive sweep. */
  lastActivityMs = Date.now();
  /** A ping went out and no pong came back yet. */
  awaitingPong = false;
  handler: CallHandler | undefined;
  onBadMessage: ((frame: Buffer, error: RpcError) => void) | undefined;
  onClose: ((code: number, reason: string) => void) | undefined;

  private state = OPEN;
  /** Inbound calls being handled, by message id; created on first use. */
  private inbound: Map<string, Promise<void>> | undefined;
  private current: OutboundCall | undefined;
  private queue: OutboundCall[] | undefined;
  // Made on demand: a promise and its resolver per idle connection add up at 18,000 chargers.
  private closeResult: { code: number; reason: string } | undefined;
  private closeWaiters: Array<(r: { code: number; reason: string }) => void> | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly protocol: string,
    readonly remoteAddress: string,
    private readonly defaultTimeoutMs: number,
  ) {
    ws.once('close', (code: number, reason: Buffer) => {
      this.state = CLOSED;
      const r = { code, reason: reason.toString('utf8') };
      this.closeResult = r;
      this.failOutbound('Client disconnected');
      this.onClose?.(code, r.reason);
      this.closeWaiters?.splice(0).forEach((w) => w(r));
    });
    ws.on('message', (data: Buffer) => this.receive(data));
    // A ping from the peer proves it alive as much as a pong does.
    const alive = () => {
      this.awaitingPong = false;
      this.lastActivityMs = Date.now();
    };
    ws.on('pong', alive);
    ws.on('ping', alive);
    // A socket error is followed by 'close'; without a listener it would be thrown.
    ws.on('error', () => undefined);
  }

  private whenClosed(): Promise<{ code: number; reason: string }> {
    const r = this.closeResult;
    return r ? Promise.resolve(r) : new Promise((resolve) => (this.closeWaiters ??= []).push(resolve));
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Sends a CALL and resolves with the charger's CALLRESULT payload. */
  call(method: string, params: unknown, options: { callTimeoutMs?: number } = {}): Promise<unknown> {
    if (this.state !== OPEN) return Promise.reject(new Error('Cannot make call while socket not open'));
    return new Promise((resolve, reject) => {
      (this.queue ??= []).push({ method, params, timeoutMs: options.callTimeoutMs ?? this.defaultTimeoutMs, id: '', timer: undefined, resolve, reject });
      this.sendNext();
    });
  }

  async close(opts: CloseOptions = {}): Promise<{ code: number; reason: string }> {
    if (this.state !== OPEN) return this.whenClosed();
    this.state = CLOSING;
    if (opts.awaitPending) {
      const pending: Promise<unknown>[] = [...(this.inbound?.values() ?? [])];
      if (this.current) pending.push(new Promise<void>((r) => this.whenSettled(r)));
      await Promise.allSettled(pending);
    } else {
      this.failOutbound('Client going away');
    }
    const code = opts.code !== undefined && validCloseCode(opts.code) ? opts.code : 1000;
    this.ws.close(code, opts.reason);
    return this.whenClosed();
  }

  /** Drops the socket without a closing handshake (a dead peer does not answer one). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Keepalive: a WebSocket ping (RFC 6455 §5.5.2); the pong clears `awaitingPong`. */
  ping(now: number): void {
    this.awaitingPong = true;
    this.lastActivityMs = now;
    this.ws.ping();
  }

  private receive(data: Buffer): void {
    // Any frame proves the charger alive, pong or not.
    this.awaitingPong = false;
    this.lastActivityMs = Date.now();
    const text = data.toString('utf8');
    // Some chargers send empty frames as keepalives (ocpp-rpc ignores them too).
    if (text.length === 0) return;
    let messageType: unknown;
    let messageId = '-1';
    try {
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        throw createRPCError('RpcFrameworkError', 'Message must be a JSON structure', {});
      }
      if (!Array.isArray(frame)) throw createRPCError('RpcFrameworkError', 'Message must be an array', {});
      messageType = frame[0];
      // Echo the id whenever there is one, so the charger can match the CALLERROR.
      if (typeof frame[1] === 'string') messageId = frame[1];
      if (typeof messageType !== 'number') throw createRPCError('RpcFrameworkError', 'Message type must be a number', {});
      // OCPP-J 2.0.1 §4.4 (extension fallback): an unknown message type gets a CALLERROR.
      if (messageType !== CALL && messageType !== CALLRESULT && messageType !== CALLERROR) {
        throw createRPCError('MessageTypeNotSupported', 'Unrecognised message type', {});
      }
      if (typeof frame[1] !== 'string') throw createRPCError('RpcFrameworkError', 'Message ID must be a string', {});
      if (messageType === CALL) {
        if (typeof frame[2] !== 'string') throw createRPCError('RpcFrameworkError', 'Method must be a string', {});
        this.answer(messageId, frame[2], frame[3], frame.length === 4 ? callPayloadText(text) : undefined);
      } else {
        const c = this.current;
        if (!c || c.id !== messageId) {
          throw createRPCError('RpcFrameworkError', `Received ${messageType === CALLRESULT ? 'CALLRESULT' : 'CALLERROR'} for unrecognised message ID: ${messageId}`, {});
        }
        if (messageType === CALLRESULT) this.settle(c, undefined, frame[2]);
        else this.settle(c, createRPCError(String(frame[2]), typeof frame[3] === 'string' ? frame[3] : '', frame[4]));
      }
    } catch (err) {
      const e = err as RpcError;
      this.onBadMessage?.(data, e);
      // Never answer a CALLRESULT or CALLERROR (OCPP-J §4.1.3): only a CALL or unknown type.
      if (messageType !== CALLRESULT && messageType !== CALLERROR) {
        this.send([CALLERROR, messageId, e.rpcErrorCode ?? 'GenericError', e.message, e.details ?? {}]);
      }
    }
  }

  private answer(messageId: string, method: string, params: unknown, payloadText?: string): void {
    const inbound = (this.inbound ??= new Map());
    if (inbound.has(messageId)) {
      const e = createRPCError('RpcFrameworkError', `Already processing a call with message ID: ${messageId}`, {});
      this.onBadMessage?.(Buffer.from(JSON.stringify([CALL, messageId, method, params])), e);
      this.send([CALLERROR, messageId, e.rpcErrorCode, e.message, {}]);
      return;
    }
    const handler = this.handler;
    const done = (handler ? handler({ method, params, messageId, payloadText }) : Promise.reject(createRPCError('NotImplemented', `Unable to handle '${method}' calls`, {}))).then(
      (result) => {
        inbound.delete(messageId);
        this.send([CALLRESULT, messageId, result ?? {}]);
      },
      (err: unknown) => {
        inbound.delete(messageId);
        const e = err as Partial<RpcError> & Error;
        let code = e.rpcErrorCode ?? 'GenericError';
        if (this.protocol === 'ocpp1.6') code = WIRE_CODE_16[code] ?? code;
        this.send([CALLERROR, messageId, code, e.message ?? '', e.details ?? {}]);
      },
    );
    inbound.set(messageId, done);
  }

  private send(frame: unknown[]): void {
    // A reply to a charger that already left has nowhere to go; the exchange was published.
    if (this.state === CLOSED || this.ws.readyState !== OPEN) return;
    this.ws.send(JSON.stringify(frame));
  }

  private sendNext(): void {
    if (this.current || !this.queue?.length) return;
    const c = this.queue.shift()!;
    if (this.state !== OPEN) {
      c.reject(new Error('Cannot make call while socket not open'));
      return this.sendNext();
    }
    c.id = randomUUID();
    this.current = c;
    if (c.timeoutMs > 0 && c.timeoutMs < 2_147_483_647) {
      c.timer = setTimeout(() => this.settle(c, new TimeoutError('Call timeout')), c.timeoutMs);
    }
    this.ws.send(JSON.stringify([CALL, c.id, c.method, c.params]));
  }

  private settle(c: OutboundCall, err: Error | undefined, result?: unknown): void {
    if (this.current !== c) return;
    clearTimeout(c.timer);
    this.current = undefined;
    if (err) c.reject(err);
    else c.resolve(result);
    this.settledWaiters?.splice(0).forEach((w) => w());
    this.sendNext();
  }

  private settledWaiters: Array<() => void> | undefined;
  private whenSettled(w: () => void): void {
    (this.settledWaiters ??= []).push(w);
  }

  private failOutbound(reason: string): void {
    const queued = this.queue?.splice(0) ?? [];
    if (this.current) this.settle(this.current, new Error(reason));
    for (const c of queued) c.reject(new Error(reason));
  }
}

/** RFC 6455 §7.4: the close codes an endpoint may send. */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
