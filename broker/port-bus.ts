/**
 * The Bus across threads: the OCPP gateway runs on a worker thread of the all-in-one process
 * (issue 14) and publishes through the embedded broker on the main thread. Publishes travel in
 * batches, one postMessage each: the main thread publishes them to aedes in order and
 * acknowledges the batch once aedes has taken every one, which is what `flush`, `pending`
 * (backpressure) and `publishAsync` (the telemetry sink without journal) count on.
 * Subscriptions are made by the main thread on the worker's behalf; what they match comes back
 * batched per event-loop turn.
 *
 * What a batch costs is mostly the postMessage itself, not its bytes: each one serializes, takes
 * the port's lock and wakes the other thread (a profile at 2,000 MeterValues/s put the gateway
 * thread's posts at 11 % of its work, one per event-loop turn, and the main thread's answers
 * beside them). So a batch is sent on the next turn when the last one left at least
 * SEND_INTERVAL_MS ago, and otherwise when that interval is up: no delay while the load is light,
 * at most 1000 / SEND_INTERVAL_MS posts a second under load, at most that much added to a
 * publish's way to the subscribers. The payloads go as one transferred ArrayBuffer of their
 * UTF-8 bytes (no structured clone of strings, and the bytes aedes needs are already encoded);
 * the main thread copies each out into a Buffer of its own, so a message that aedes keeps (a QoS 1
 * message queued for a session) never pins a whole batch.
 *
 * Bounds: the worker side holds at most what it published and the main thread has not
 * acknowledged (`pending`, bounded by the gateway's backpressure, GATEWAY_MAX_PENDING_PUBLISHES).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Bus, MessageHandler, PublishOptions } from './bus.ts';

/** The shortest time between two batches under load (see above). */
export const SEND_INTERVAL_MS = 2;

/**
 * One batch: the topics, and for publish i its payload's end in `bytes` at index[2i] and its
 * flags at index[2i + 1] (QoS in bit 0, retain in bit 1). `bytes` and index's buffer are
 * transferred, not copied.
 */
export interface PublishBatch {
  type: 'publish';
  batch: number;
  topics: string[];
  index: Uint32Array;
  bytes: ArrayBuffer;
}

export type ToMain = PublishBatch | { type: 'subscribe'; id: number; filter: string; qos: 0 | 1 } | { type: 'unsubscribe'; id: number };

export type ToWorker = { type: 'ack'; batch: number; failed?: string } | { type: 'messages'; id: number; items: Array<[topic: string, payload: Uint8Array]> } | { type: 'subscribed'; id: number };

/** The publishes of one batch as the wire form above. */
export function packBatch(batch: number, topics: string[], payloads: Array<string | Buffer>, flags: number[]): PublishBatch {
  let total = 0;
  for (const p of payloads) total += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const bytes = new ArrayBuffer(total);
  const buf = Buffer.from(bytes);
  const index = new Uint32Array(payloads.length * 2);
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i]!;
    at += typeof p === 'string' ? buf.write(p, at) : p.copy(buf, at);
    index[2 * i] = at;
    index[2 * i + 1] = flags[i]!;
  }
  return { type: 'publish', batch, topics, index, bytes };
}

/** The worker's end. */
export function createPortBus(port: MessagePort, opts: { sendIntervalMs?: number } = {}): Bus & { receive(m: ToWorker): boolean } {
  const interval = opts.sendIntervalMs ?? SEND_INTERVAL_MS;
  let batch = 0;
  let topics: string[] = [];
  let payloads: Array<string | Buffer> = [];
  let flags: number[] = [];
  let lastSent = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  const inflight = new Map<number, { count: number; waiters: Array<{ resolve(): void; reject(e: Error): void }> }>();
  let pending = 0;
  let scheduled = false;
  const handlers = new Map<number, MessageHandler>();
  const subscribed = new Map<number, () => void>();
  let subId = 0;
  let drainWaiters: Array<() => void> = [];

  const send = () => {
    scheduled = false;
    clearTimeout(timer);
    timer = undefined;
    if (!topics.length) return;
    const id = ++batch;
    inflight.set(id, { count: topics.length, waiters });
    const m = packBatch(id, topics, payloads, flags);
    port.postMessage(m satisfies ToMain, [m.bytes, m.index.buffer as ArrayBuffer]);
    lastSent = performance.now();
    topics = [];
    payloads = [];
    flags = [];
    waiters = [];
  };

  function enqueue(topic: string, payload: string | Buffer, opts: PublishOptions): void {
    topics.push(topic);
    payloads.push(payload);
    flags.push(opts.qos | (opts.retain ? 2 : 0));
    pending++;
    if (!scheduled) {
      scheduled = true;
      const wait = lastSent + interval - performance.now();
      if (wait <= 0) setImmediate(send);
      else timer = setTimeout(send, wait);
    }
  }

  return {
    publish(topic, payload, opts) {
      enqueue(topic, payload, opts);
    },
    publishAsync(topic, payload, opts) {
      enqueue(topic, payload, opts);
      // One promise per batch would do for all of its publishes; callers that need one each
      // are the telemetry sink's, one per attrs message.
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    async subscribe(filter, handler, opts) {
      const id = ++subId;
      handlers.set(id, handler);
      await new Promise<void>((resolve) => {
        subscribed.set(id, resolve);
        port.postMessage({ type: 'subscribe', id, filter, qos: opts?.qos ?? 1 } satisfies ToMain);
      });
    },
    flush() {
      send();
      return pending === 0 ? Promise.resolve() : new Promise((r) => drainWaiters.push(r));
    },
    async close() {
      send();
      if (pending > 0) await new Promise<void>((r) => drainWaiters.push(r));
      for (const id of handlers.keys()) port.postMessage({ type: 'unsubscribe', id } satisfies ToMain);
      handlers.clear();
    },
    get pending() {
      return pending;
    },
    receive(m) {
      if (m.type === 'ack') {
        const b = inflight.get(m.batch);
        if (!b) return true;
        inflight.delete(m.batch);
        pending -= b.count;
        const err = m.failed ? new Error(m.failed) : undefined;
        for (const w of b.waiters) err ? w.reject(err) : w.resolve();
        if (pending === 0) for (const w of drainWaiters.splice(0)) w();
        return true;
      }
      if (m.type === 'messages') {
        const h = handlers.get(m.id);
        if (h) for (const [topic, payload] of m.items) h(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
        return true;
      }
      if (m.type === 'subscribed') {
        subscribed.get(m.id)?.();
        subscribed.delete(m.id);
        return true;
      }
      return false;
    },
  };
}

/**
 * The main thread's end: publishes each batch to the bus in order and acknowledges it; makes the
 * worker's subscriptions and forwards what they match, batched per event-loop turn.
 */
export function bridgePortBus(port: MessagePort, bus: Bus, onError: (err: unknown) => void): { receive(m: ToMain): boolean; close(): void } {
  const out = new Map<number, Array<[string, Uint8Array]>>();
  let scheduled = false;
  let closed = false;
  const flushOut = () => {
    scheduled = false;
    for (const [id, items] of out) port.postMessage({ type: 'messages', id, items } satisfies ToWorker);
    out.clear();
  };
  const active = new Set<number>();
  // The bus's callback form where it has one (the embedded bus), else its promise as a callback.
  const publish: NonNullable<Bus['publishWithCallback']> = bus.publishWithCallback
    ? bus.publishWithCallback.bind(bus)
    : (topic, payload, opts, cb) => void bus.publishAsync(topic, payload, opts).then(() => cb(), cb);
  return {
    receive(m) {
      if (m.type === 'publish') {
        const bytes = Buffer.from(m.bytes);
        const { topics, index } = m;
        const answer = (err: unknown) => {
          if (err !== undefined) onError(err);
          if (!closed) port.postMessage((err === undefined ? { type: 'ack', batch: m.batch } : { type: 'ack', batch: m.batch, failed: (err as Error).message }) satisfies ToWorker);
        };
        // Acknowledged once aedes has taken every publish of the batch (or failed if one was
        // not), counted by callback: no promise per publish (send() never sends an empty batch).
        let left = topics.length;
        let failure: unknown;
        const one = (err?: Error) => {
          if (err && failure === undefined) failure = err;
          if (--left === 0) answer(failure);
        };
        let start = 0;
        for (let i = 0; i < topics.length; i++) {
          const end = index[2 * i]!;
          const flags = index[2 * i + 1]!;
          // A copy of its own (see above): aedes may keep it.
          publish(topics[i]!, Buffer.from(bytes.subarray(start, end)), { qos: (flags & 1) as 0 | 1, retain: (flags & 2) !== 0 }, one);
          start = end;
        }
        return true;
      }
      if (m.type === 'subscribe') {
        active.add(m.id);
        bus
          .subscribe(
            m.filter,
            (topic, payload) => {
              if (closed || !active.has(m.id)) return;
              let items = out.get(m.id);
              if (!items) out.set(m.id, (items = []));
              // A copy of its own: the worker gets the bytes, the broker keeps its buffer.
              items.push([topic, new Uint8Array(payload)]);
              if (!scheduled) {
                scheduled = true;
                setImmediate(flushOut);
              }
            },
            { qos: m.qos },
          )
          .then(
            () => port.postMessage({ type: 'subscribed', id: m.id } satisfies ToWorker),
            (err: unknown) => onError(err),
          );
        return true;
      }
      if (m.type === 'unsubscribe') {
        active.delete(m.id);
        return true;
      }
      return false;
    },
    close() {
      closed = true;
    },
  };
}
