/**
 * The Bus across threads: the OCPP gateway runs on a worker thread of the all-in-one process
 * (issue 14) and publishes through the embedded broker on the main thread. Publishes of one
 * event-loop turn travel as one message (strings: a structured clone is a copy, no encoding);
 * the main thread publishes them to aedes in order and acknowledges the batch once aedes has
 * taken every one, which is what `flush`, `pending` (backpressure) and `publishAsync` (the
 * telemetry sink without journal) count on. Subscriptions are made by the main thread on the
 * worker's behalf; what they match comes back batched the same way.
 *
 * Bounds: the worker side holds at most what it published and the main thread has not
 * acknowledged (`pending`, bounded by the gateway's backpressure, GATEWAY_MAX_PENDING_PUBLISHES).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Bus, MessageHandler, PublishOptions } from './bus.ts';

/**
 * A batch is one flat array, [topic, payload, flags, topic, payload, flags, ...] (flags: QoS in
 * bit 0, retain in bit 1): structured cloning walks one array of strings and small integers,
 * not an array per publish.
 */
type Flat = Array<string | number>;

export type ToMain =
  | { type: 'publish'; batch: number; items: Flat }
  | { type: 'subscribe'; id: number; filter: string; qos: 0 | 1 }
  | { type: 'unsubscribe'; id: number };

export type ToWorker = { type: 'ack'; batch: number; failed?: string } | { type: 'messages'; id: number; items: Array<[topic: string, payload: Uint8Array]> } | { type: 'subscribed'; id: number };

/** The worker's end. */
export function createPortBus(port: MessagePort): Bus & { receive(m: ToWorker): boolean } {
  let batch = 0;
  let items: Flat = [];
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
    if (!items.length) return;
    const id = ++batch;
    inflight.set(id, { count: items.length / 3, waiters });
    port.postMessage({ type: 'publish', batch: id, items } satisfies ToMain);
    items = [];
    waiters = [];
  };

  function enqueue(topic: string, payload: string | Buffer, opts: PublishOptions): void {
    items.push(topic, typeof payload === 'string' ? payload : payload.toString('utf8'), opts.qos | (opts.retain ? 2 : 0));
    pending++;
    if (!scheduled) {
      scheduled = true;
      setImmediate(send);
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
  return {
    receive(m) {
      if (m.type === 'publish') {
        const done: Array<Promise<void>> = [];
        const it = m.items;
        for (let i = 0; i < it.length; i += 3) {
          const flags = it[i + 2] as number;
          done.push(bus.publishAsync(it[i] as string, it[i + 1] as string, { qos: (flags & 1) as 0 | 1, retain: (flags & 2) !== 0 }));
        }
        Promise.all(done).then(
          () => !closed && port.postMessage({ type: 'ack', batch: m.batch } satisfies ToWorker),
          (err: unknown) => {
            onError(err);
            if (!closed) port.postMessage({ type: 'ack', batch: m.batch, failed: (err as Error).message } satisfies ToWorker);
          },
        );
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
