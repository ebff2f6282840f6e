/**
 * One OCPP-J RPC channel over a `ws` WebSocket: CALL / CALLRESULT / CALLERROR framing
 * (OCPP-J 1.6 §4), inbound calls answered by one handler, outbound calls one at a time with a
 * timeout (§4.1.1: no new CALL before the previous one was answered or timed out). The protocol
 * is symmetric, so the same channel serves the gateway's end (gateway/charger-connection.ts) and
 * the simulated charger's (simulator/charger.ts, simulator/v201/station.ts); the tests' chargers
 * use ocpp-rpc's RPCClient, an implementation that is not ours. Its owner's hooks are
 * constructor options (ConnectionOptions), fixed for its life; it keeps the peer's liveness
 * clock (`lastHeardMs`), which the gateway's one sweep reads for keepalive and presence
 * (gateway/liveness.ts).
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
import { OCPP16_ERROR_CODES, OCPP201_ERROR_CODES, wireCode } from './error-codes.ts';

// ocpp-rpc spreads its error classes into module.exports (invisible to ESM named imports).
const { createRPCError, TimeoutError } = ocppRpc as unknown as {
  createRPCError: (code: string, message?: string, details?: unknown) => RpcError;
  TimeoutError: new (message: string) => Error;
};

export type RpcError = Error & { rpcErrorCode: string; details?: unknown };

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;
/** OCPP-J 2.1 only: an error about a CALLRESULT received, and an unanswered message. */
const CALLRESULTERROR = 5;
const SEND = 6;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export interface InboundCall {
  method: string;
  params: unknown;
  messageId: string;
  /** The payload's JSON text as the peer sent it (payload-text.ts); absent for a malformed CALL. */
  payloadText?: string | undefined;
  /** An OCPP-J 2.1 SEND (message type 6): handled like a CALL, never answered. */
  send?: boolean | undefined;
}
export type CallHandler = (call: InboundCall) => Promise<unknown>;

interface OutboundCall {
  method: string;
  params: unknown;
  /** The caller's whole budget, waiting in the queue included. */
  timeoutMs: number;
  /** Date.now() at which the caller is answered `timeout`, sent or not; Infinity for none. */
  deadline: number;
  id: string;
  timer: NodeJS.Timeout | undefined;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** Longest message id answered as is (OCPP-J 1.6 §4.1.4 allows 36; some chargers send longer ones). */
export const MAX_MESSAGE_ID_LENGTH = 128;
/** ErrorDescription is string[255] in OCPP-J 2.0.1 part 4 §4.2.3; 1.6 sets no bound, we keep the same. */
const MAX_ERROR_DESCRIPTION = 255;
/** errorDetails larger than this (as JSON) are replaced by {}: a CALLERROR never echoes a payload back. */
const MAX_ERROR_DETAILS = 1024;

/**
 * How an outbound call that got no answer ended: `sent` says whether its CALL went out (the
 * peer may have acted on it) or never will (it was still queued, or refused).
 */
export type CallFailure = Error & { sent: boolean };

function failure<E extends Error>(e: E, sent: boolean): E & { sent: boolean } {
  return Object.assign(e, { sent });
}

/** Calls that may wait behind the one on the wire unless the caller says otherwise. */
export const MAX_QUEUED_CALLS = 100;

/** call() refused at once: `maxQueued` calls already wait behind the one on the wire. */
export class CallQueueFullError extends Error {
  readonly sent = false;
  readonly maxQueued: number;
  constructor(maxQueued: number) {
    super(`${maxQueued} calls already waiting for this connection`);
    this.maxQueued = maxQueued;
    this.name = 'CallQueueFullError';
  }
}

/**
 * A queued call is sent only with at least this much of its budget left: sent with a few ms to
 * go, the peer cannot answer in time and the caller learns only "sent, outcome unknown" where
 * "not sent" was still true. A tenth of the budget, at most a second.
 */
export function minTimeLeftToSend(timeoutMs: number): number {
  return Math.min(1000, timeoutMs / 10);
}


export interface CloseOptions {
  code?: number;
  reason?: string;
  /** Answer the calls in progress (both directions) before closing. */
  awaitPending?: boolean;
}

/**
 * What the owner of a connection hears from it, given once at construction and fixed for the
 * connection's life (gateway/charger-connection.ts wires a charger's session through these).
 */
export interface ConnectionHooks {
  /** Answers the peer's CALLs (and 2.1 SENDs); without one, every CALL is NotImplemented. */
  handler?: CallHandler | undefined;
  /**
   * Called with Date.now() for everything the peer sends: any frame (CALL, CALLRESULT,
   * CALLERROR, even a bad one), a ping or a pong: the moment `lastHeardMs` records. Presence
   * rests on it (gateway/liveness.ts): a charger that only answers our pings and commands is
   * there all the same.
   */
  onHeard?: ((now: number) => void) | undefined;
  onBadMessage?: ((frame: Buffer, error: RpcError) => void) | undefined;
  onClose?: ((code: number, reason: string) => void) | undefined;
  /**
   * OCPP-J 2.1 CALLRESULTERROR (message type 5): the peer could not use a CALLRESULT we sent
   * (its message id, code and description). Never answered.
   */
  onResultError?: ((messageId: string, error: RpcError) => void) | undefined;
}

export interface ConnectionOptions extends ConnectionHooks {
  /** The negotiated subprotocol (`ocpp1.6`, `ocpp2.0.1`, `ocpp2.1`): framing and error spellings. */
  protocol: string;
  /** The peer's address as the owner wants it logged (default ''). */
  remoteAddress?: string | undefined;
  /** Timeout of an outbound call whose caller gives none; 0 for none. */
  defaultTimeoutMs: number;
  /** CALLs from the peer handled at once (OCPP-J 1.6 §4.1.1: one, the default); past it, reading pauses. */
  maxInbound?: number | undefined;
}

export class OcppConnection {
  /**
   * The liveness clock: Date.now() of the last frame, ping or pong from the peer, and nothing
   * else (our own pings do not move it). Keepalive and presence both read it (gateway/liveness.ts).
   */
  get lastHeardMs(): number {
    return this.heardMs;
  }
  /** Date.now() of the keepalive ping still unanswered; undefined when none is. */
  get pingSentMs(): number | undefined {
    return this.pingMs;
  }
  private heardMs = Date.now();
  private pingMs: number | undefined;
  private readonly hooks: ConnectionHooks;

  private state = OPEN;
  /** Inbound calls being handled, by message id; created on first use. */
  private inbound: Map<string, Promise<void>> | undefined;
  private current: OutboundCall | undefined;
  private queue: OutboundCall[] | undefined;
  // Made on demand: a promise and its resolver per idle connection add up at 18,000 chargers.
  private closeResult: { code: number; reason: string } | undefined;
  private closeWaiters: Array<(r: { code: number; reason: string }) => void> | undefined;

  /**
   * CALLs that arrived while `maxInbound` were in handling, in order, with the socket paused
   * (made on demand). What the peer sends beyond stays in its own TCP send buffer: a charger that
   * pipelines CALLs (against OCPP-J 1.6 §4.1.1) throttles itself, and costs us only what `ws` had
   * read before the pause.
   */
  private held: InboundCall[] | undefined;

  readonly ws: WebSocket;
  readonly protocol: string;
  readonly remoteAddress: string;
  /** Message types 5 and 6 exist from OCPP-J 2.1 on; on 1.6 and 2.0.1 they are unknown types. */
  private readonly v21: boolean;
  private readonly defaultTimeoutMs: number;
  /** CALLs from the peer handled at once (OCPP-J 1.6 §4.1.1: one at a time); past it, reading pauses. */
  private readonly maxInbound: number;

  constructor(ws: WebSocket, options: ConnectionOptions) {
    this.ws = ws;
    this.protocol = options.protocol;
    this.v21 = options.protocol === 'ocpp2.1';
    this.remoteAddress = options.remoteAddress ?? '';
    this.defaultTimeoutMs = options.defaultTimeoutMs;
    this.maxInbound = options.maxInbound ?? 1;
    // A copy: the hooks are fixed at construction, whatever the caller does with its object.
    this.hooks = Object.freeze({ handler: options.handler, onHeard: options.onHeard, onBadMessage: options.onBadMessage, onClose: options.onClose, onResultError: options.onResultError });
    ws.once('close', (code: number, reason: Buffer) => {
      this.state = CLOSED;
      const r = { code, reason: reason.toString('utf8') };
      this.closeResult = r;
      this.failOutbound('Client disconnected');
      try {
        this.hooks.onClose?.(code, r.reason);
      } catch {
        // The close waiters are answered all the same.
      }
      this.closeWaiters?.splice(0).forEach((w) => w(r));
    });
    ws.on('message', (data: Buffer) => this.receive(data));
    // A ping from the peer proves it alive as much as a pong does.
    const alive = () => this.heard(Date.now());
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

  /**
   * Sends a CALL and resolves with the charger's CALLRESULT payload. The timeout counts from
   * this call, time spent waiting behind earlier calls included: the caller is answered by its
   * deadline whatever the queue holds, and a call still queued then is dropped, never sent
   * (TimeoutError with `sent: false`; on the wire: `sent: true`). At most `maxQueued` calls
   * wait (default MAX_QUEUED_CALLS); past that a call is refused at once (CallQueueFullError).
   */
  call(method: string, params: unknown, options: { callTimeoutMs?: number; maxQueued?: number } = {}): Promise<unknown> {
    if (this.state !== OPEN) return Promise.reject(failure(new Error('Cannot make call while socket not open'), false));
    const queue = (this.queue ??= []);
    const maxQueued = options.maxQueued ?? MAX_QUEUED_CALLS;
    // The call on the wire is not waiting: with none, this one goes out at once.
    if (this.current && queue.length >= maxQueued) return Promise.reject(new CallQueueFullError(maxQueued));
    const timeoutMs = options.callTimeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const c: OutboundCall = { method, params, timeoutMs, deadline: Infinity, id: '', timer: undefined, resolve, reject };
      if (timeoutMs > 0 && timeoutMs < 2_147_483_647) {
        c.deadline = Date.now() + timeoutMs;
        c.timer = setTimeout(() => this.expire(c), timeoutMs);
      }
      queue.push(c);
      this.sendNext();
    });
  }

  /**
   * OCPP-J 2.1 SEND (message type 6): a message the peer never answers, so it is neither
   * queued nor timed; false when it could not go out (not 2.1, or the socket is not open).
   */
  sendUnconfirmed(method: string, params: unknown): boolean {
    if (!this.v21 || this.state !== OPEN || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify([SEND, randomUUID(), method, params]));
    return true;
  }

  async close(opts: CloseOptions = {}): Promise<{ code: number; reason: string }> {
    if (this.state !== OPEN) return this.whenClosed();
    this.state = CLOSING;
    if (opts.awaitPending) {
      // Only the call on the wire is waited for: a queued one would never go out now.
      this.failQueued('Client going away');
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

  /**
   * Keepalive: a WebSocket ping (RFC 6455 §5.5.2), unanswered (`pingSentMs`) until the peer
   * sends anything. The clock (`lastHeardMs`) stays where the peer left it.
   */
  ping(now: number): void {
    this.pingMs = now;
    this.ws.ping();
  }

  /** The peer sent something: the clock moves, and any ping counts as answered. */
  private heard(now: number): void {
    this.heardMs = now;
    this.pingMs = undefined;
    try {
      this.hooks.onHeard?.(now);
    } catch {
      // A listener's failure must not cost the frame that proved the peer alive.
    }
  }

  private receive(data: Buffer): void {
    // Any frame proves the charger alive, pong or not.
    this.heard(Date.now());
    // Everything from here to the reply is caught: a frame can fail its own exchange, never the
    // process (issue 13). ws has already bounded the size (maxPayload) and, for text frames,
    // rejected invalid UTF-8 (RFC 6455 §8.1, close 1007); a binary frame is read as UTF-8 text.
    let messageType: unknown;
    let messageId = '-1';
    try {
      const text = data.toString('utf8');
      // Some chargers send empty frames as keepalives (ocpp-rpc ignores them too).
      if (text.length === 0) return;
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        throw createRPCError('RpcFrameworkError', 'Message must be a JSON structure', {});
      }
      if (!Array.isArray(frame)) throw createRPCError('RpcFrameworkError', 'Message must be an array', {});
      messageType = frame[0];
      // Echo the id whenever there is one, so the charger can match the CALLERROR.
      if (typeof frame[1] === 'string') messageId = frame[1].length <= MAX_MESSAGE_ID_LENGTH ? frame[1] : frame[1].slice(0, MAX_MESSAGE_ID_LENGTH);
      if (typeof messageType !== 'number') throw createRPCError('RpcFrameworkError', 'Message type must be a number', {});
      // OCPP-J 1.6 §4.1.3 / 2.0.1 part 4 §4.1.3: the payload of an unknown message type is
      // ignored; the CALLERROR tells the charger (2.0.1 names it MessageTypeNotSupported).
      const known = messageType === CALL || messageType === CALLRESULT || messageType === CALLERROR || (this.v21 && (messageType === SEND || messageType === CALLRESULTERROR));
      if (!known) throw createRPCError('MessageTypeNotSupported', 'Unrecognised message type', {});
      if (typeof frame[1] !== 'string') throw createRPCError('RpcFrameworkError', 'Message ID must be a string', {});
      if (frame[1].length > MAX_MESSAGE_ID_LENGTH) throw createRPCError('RpcFrameworkError', `Message ID longer than ${MAX_MESSAGE_ID_LENGTH} characters`, {});
      if (messageType === CALLRESULTERROR) {
        // About an answer of ours: nothing to settle and nothing to reply.
        this.reportResultError(messageId, peerError(frame[2], frame[3], frame[4]));
      } else if (messageType === CALL || messageType === SEND) {
        if (typeof frame[2] !== 'string') throw createRPCError('RpcFrameworkError', 'Method must be a string', {});
        const call: InboundCall = { messageId, method: frame[2], params: frame[3], payloadText: frame.length === 4 ? callPayloadText(text) : undefined };
        if (messageType === SEND) call.send = true;
        if (this.inbound?.has(messageId) || this.held?.some((h) => h.messageId === messageId)) this.duplicate(messageId, call.method);
        else if (this.held?.length || (this.inbound?.size ?? 0) >= this.maxInbound) this.hold(call);
        else this.answer(call);
      } else {
        const c = this.current;
        if (!c || c.id !== messageId) {
          throw createRPCError('RpcFrameworkError', `Received ${messageType === CALLRESULT ? 'CALLRESULT' : 'CALLERROR'} for unrecognised message ID: ${messageId}`, {});
        }
        if (messageType === CALLRESULT) {
          // OCPP-J 1.6 §4.2.2: a CALLRESULT has a payload (an object, possibly empty).
          if (frame.length < 3 || typeof frame[2] !== 'object' || frame[2] === null || Array.isArray(frame[2])) {
            this.settle(c, createRPCError('FormatViolation', 'CALLRESULT without a payload object', {}));
          } else this.settle(c, undefined, frame[2]);
        } else this.settle(c, peerError(frame[2], frame[3], frame[4]));
      }
    } catch (err) {
      const e = asRpcError(err);
      this.reportBad(data, e);
      // Never answer a CALLRESULT or CALLERROR (OCPP-J 1.6 §4.1.3): only a CALL or unknown type;
      // nor, on 2.1, a SEND or a CALLRESULTERROR, which are never answered.
      const unanswered = messageType === CALLRESULT || messageType === CALLERROR || (this.v21 && (messageType === SEND || messageType === CALLRESULTERROR));
      if (!unanswered) this.sendError(messageId, e);
    }
  }

  private reportBad(data: Buffer, e: RpcError): void {
    try {
      this.hooks.onBadMessage?.(data, e);
    } catch {
      // A listener's failure must not turn one bad frame into a lost connection.
    }
  }

  private reportResultError(messageId: string, e: RpcError): void {
    try {
      this.hooks.onResultError?.(messageId, e);
    } catch {
      // As for reportBad.
    }
  }

  /** Handles a CALL (answered) or a 2.1 SEND (never answered), counted alike by flow control. */
  private answer(call: InboundCall): void {
    const { messageId, method } = call;
    const inbound = (this.inbound ??= new Map());
    if (inbound.has(messageId)) return this.duplicate(messageId, method);
    const handler = this.hooks.handler;
    let pending: Promise<unknown>;
    try {
      pending = handler ? handler(call) : Promise.reject(createRPCError('NotImplemented', `Unable to handle '${method.slice(0, 64)}' calls`, {}));
    } catch (err) {
      // A handler that throws instead of rejecting.
      pending = Promise.reject(err);
    }
    const done = pending.then(
      (result) => {
        inbound.delete(messageId);
        if (!call.send) this.sendResult(messageId, result);
        this.next();
      },
      (err: unknown) => {
        inbound.delete(messageId);
        if (!call.send) this.sendError(messageId, asRpcError(err));
        this.next();
      },
    );
    inbound.set(messageId, done);
  }

  /**
   * A second CALL with the id of one still in handling or waiting: answering it would give the
   * charger two replies for one id, which it cannot tell apart (OCPP-J 1.6 §4.1.4 makes ids
   * unique per CALL). The first gets its one reply; this copy is reported and dropped.
   */
  private duplicate(messageId: string, method: string): void {
    this.reportBad(Buffer.from(`[2,${JSON.stringify(messageId)},${JSON.stringify(method.slice(0, 64))},…]`), createRPCError('RpcFrameworkError', `Already processing a call with message ID: ${messageId}`, {}));
  }

  /** A CALL beyond `maxInbound`: kept in order, and the socket stops being read. */
  private hold(call: InboundCall): void {
    (this.held ??= []).push(call);
    if (!this.ws.isPaused) this.ws.pause();
  }

  /** After an answer: the next held CALL, or reading again when none is left. */
  private next(): void {
    const held = this.held;
    // Closing: what is held is not answered (the peer resends it after reconnecting).
    while (held?.length && (this.inbound?.size ?? 0) < this.maxInbound && this.state === OPEN) {
      this.answer(held.shift()!);
    }
    if (!held?.length && this.ws.isPaused && this.state !== CLOSED) {
      // We were not reading (keepalive skips a paused connection): a pong may be among what we
      // did not read, so a ping sent before counts as answered; the clock is not moved, as we
      // heard nothing.
      this.pingMs = undefined;
      this.ws.resume();
    }
  }

  /** True while reading is paused because `maxInbound` CALLs are in handling. */
  get readingPaused(): boolean {
    return this.ws.isPaused;
  }

  /** CALLs read but waiting for their turn. */
  get heldCalls(): number {
    return this.held?.length ?? 0;
  }

  private sendResult(messageId: string, result: unknown): void {
    let text: string;
    try {
      text = JSON.stringify([CALLRESULT, messageId, result ?? {}]);
    } catch {
      // Our own result did not serialize: fail this exchange, not the connection.
      return this.sendError(messageId, createRPCError('InternalError', 'response could not be serialized', {}));
    }
    this.sendText(text);
  }

  /** A CALLERROR with this connection's wire code, a bounded description and bounded details. */
  private sendError(messageId: string, e: Partial<RpcError> & { message?: string }): void {
    const description = typeof e.message === 'string' ? e.message.slice(0, MAX_ERROR_DESCRIPTION) : '';
    this.sendText(JSON.stringify([CALLERROR, messageId, wireCode(this.protocol, e.rpcErrorCode), description, boundedDetails(e.details)]));
  }

  private sendText(text: string): void {
    // A reply to a charger that already left has nowhere to go; the exchange was published.
    if (this.state === CLOSED || this.ws.readyState !== OPEN) return;
    this.ws.send(text);
  }

  private sendNext(): void {
    while (!this.current && this.queue?.length) {
      const c = this.queue.shift()!;
      // The socket may be closing before our 'close' event: a CALL written now goes nowhere.
      if (this.state !== OPEN || this.ws.readyState !== OPEN) {
        clearTimeout(c.timer);
        c.reject(failure(new Error('Cannot make call while socket not open'), false));
        continue;
      }
      if (c.deadline - Date.now() < minTimeLeftToSend(c.timeoutMs)) {
        clearTimeout(c.timer);
        c.reject(failure(new TimeoutError('Call timeout while queued'), false));
        continue;
      }
      c.id = randomUUID();
      this.current = c;
      // §4.1.1: this CALL times out (and the next may go) at the caller's deadline.
      this.ws.send(JSON.stringify([CALL, c.id, c.method, c.params]));
    }
  }

  /** The caller's deadline: answered now, whether its CALL went out or not. */
  private expire(c: OutboundCall): void {
    if (this.current === c) return this.settle(c, failure(new TimeoutError('Call timeout'), true));
    const i = this.queue?.indexOf(c) ?? -1;
    if (i < 0) return;
    this.queue!.splice(i, 1);
    c.reject(failure(new TimeoutError('Call timeout while queued'), false));
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
    this.failQueued(reason);
    if (this.current) this.settle(this.current, failure(new Error(reason), true));
  }

  private failQueued(reason: string): void {
    for (const c of this.queue?.splice(0) ?? []) {
      clearTimeout(c.timer);
      c.reject(failure(new Error(reason), false));
    }
  }
}

/**
 * The peer's CALLERROR as an error carrying the peer's own code (a string of at most 64
 * characters; anything else is GenericError). ocpp-rpc's createRPCError picks the error class
 * from a plain object by that code, where `__proto__` or `constructor` would find the wrong
 * thing: unknown codes get the generic class, with the peer's code kept.
 */
function peerError(code: unknown, description: unknown, details: unknown): RpcError {
  const c = typeof code === 'string' && code.length > 0 ? code.slice(0, 64) : 'GenericError';
  const known = (OCPP16_ERROR_CODES as readonly string[]).includes(c) || (OCPP201_ERROR_CODES as readonly string[]).includes(c);
  const e = createRPCError(known ? c : 'GenericError', typeof description === 'string' ? description.slice(0, MAX_ERROR_DESCRIPTION) : '', boundedDetails(details));
  e.rpcErrorCode = c;
  return e;
}

/** Whatever was thrown, as an RpcError; an error without an OCPP code is an InternalError. */
function asRpcError(err: unknown): RpcError {
  if (err instanceof Error && typeof (err as Partial<RpcError>).rpcErrorCode === 'string') return err as RpcError;
  return createRPCError('InternalError', 'internal error', {});
}

/** errorDetails as a plain object small enough to send back; {} for anything else. */
function boundedDetails(details: unknown): object {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return {};
  try {
    const text = JSON.stringify(details);
    return text.length <= MAX_ERROR_DETAILS ? details : {};
  } catch {
    return {};
  }
}

/** RFC 6455 §7.4: the close codes an endpoint may send. */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
