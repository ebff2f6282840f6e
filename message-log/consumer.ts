/**
 * The message log's consumer of the `events` topic: a subscriber of the bus (the embedded broker
 * in the all-in-one process; an external broker's persistent QoS 1 session for the history
 * role's own process), so it sees every gateway's events. It never does storage work: it batches
 * what one event-loop turn brought and hands the batch to a sink (the writer thread, or the
 * writer on this thread).
 *
 * Batches: what arrived within BATCH_MS (50 ms), or MAX_BATCH_EVENTS events if sooner, not what
 * one event-loop turn brought: each batch costs a postMessage on this thread (measured at 2,000
 * MeterValues/s: per-turn batches were a tenth of the broker thread's work). The writer gathers
 * these into transactions of 1 s or 5,000 events (gather.ts), where the size of a transaction
 * decides what a row costs; the events do not wait that second here, on the thread that
 * delivers every MQTT message, where they would survive its young-generation collections.
 *
 * Bound: at most `maxBacklog` events received and not yet stored. Past it new events are not
 * logged (counted in `dropped`, logged once per episode): the gateway and the broker never wait
 * for the log.
 */
import type { Bus } from '../broker/bus.ts';
import type { Logger } from '../common/logger.ts';
import type { Topics } from '../contracts/topics.ts';
import type { EventBatch } from './writer.ts';

export interface LogSink {
  /** Takes a batch; calls `done(n)` once its n events are stored (or given up on). */
  submit(batch: EventBatch, done: (events: number) => void): void;
  /** Write what was submitted now, without waiting for the sink's own gathering (shutdown). */
  flush?(): void;
}

export interface ConsumerStats {
  received: number;
  dropped: number;
  backlog: number;
}

/** How long events gather here before they go to the writer as one batch. */
export const BATCH_MS = 50;
/** A batch goes at once when it holds this many events. */
export const MAX_BATCH_EVENTS = 5000;

export function createLogConsumer(deps: { bus: Bus; topics: Topics; sink: LogSink; maxBacklog: number; log: Logger; maxBatchEvents?: number | undefined }) {
  const maxEvents = deps.maxBatchEvents ?? MAX_BATCH_EVENTS;
  const stats: ConsumerStats = { received: 0, dropped: 0, backlog: 0 };
  let batch: EventBatch = [];
  let timer: NodeJS.Timeout | undefined;
  let dropping = false;
  let idle: Array<() => void> = [];
  let closed = false;

  const done = (n: number) => {
    stats.backlog -= n;
    if (dropping && stats.backlog < deps.maxBacklog / 2) {
      dropping = false;
      deps.log.warn({ dropped: stats.dropped }, 'message log caught up: logging events again');
    }
    if (stats.backlog === 0) for (const w of idle.splice(0)) w();
  };
  const send = () => {
    clearTimeout(timer);
    timer = undefined;
    const b = batch;
    batch = [];
    if (b.length) deps.sink.submit(b, done);
  };

  return {
    stats,
    async start() {
      await deps.bus.subscribe(
        deps.topics.every('events'),
        (topic, payload) => {
          if (closed) return;
          stats.received++;
          if (stats.backlog >= deps.maxBacklog) {
            stats.dropped++;
            if (!dropping) {
              dropping = true;
              deps.log.error({ backlog: stats.backlog }, 'message log behind by MESSAGE_LOG_MAX_BACKLOG events: new events are not logged until it catches up');
            }
            return;
          }
          stats.backlog++;
          batch.push(topic, payload.toString('utf8'));
          if (batch.length >= maxEvents * 2) send();
          else timer ??= setTimeout(send, BATCH_MS);
        },
        { qos: 1 },
      );
    },
    /** Takes nothing more (shutdown), then resolves once what it took is stored (or `deadlineMs` passed). */
    async drain(deadlineMs: number) {
      closed = true;
      send();
      deps.sink.flush?.();
      if (stats.backlog === 0) return;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => idle.push(r)), new Promise<void>((r) => (t = setTimeout(r, deadlineMs)))]);
      clearTimeout(t);
    },
  };
}
