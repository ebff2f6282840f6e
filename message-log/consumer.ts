/**
 * The message log's consumer of the `events` topic: a subscriber of the bus (the embedded broker
 * in the all-in-one process; an external broker's persistent QoS 1 session for the history
 * role's own process), so it sees every gateway's events. It never does storage work: it batches
 * what one event-loop turn brought and hands the batch to a sink (the writer thread, or the
 * writer on this thread).
 *
 * Batches: what arrived within BATCH_MS (1 s), or MAX_BATCH_EVENTS events if sooner, not what one
 * event-loop turn brought. Each batch costs a postMessage on the broker's thread and a SQLite
 * transaction on the writer's, and a transaction writes every page it touched to the WAL: the
 * index on (tenant, device, time) takes one leaf page per device, so a batch of 50 ms at 5,000
 * events/s from 1,000 chargers wrote a 4 KiB page for almost every event (12.8 KiB written and
 * 33 µs of the writer per event, against 4.5 KiB and 16 µs at batches of 1 s; docs/benchmarks.md,
 * "The writers' page writes"). Nobody waits for the log (events are not acknowledged), so an event
 * can be queried a second later, like a history point (the history writer's batch age is 1 s too).
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
}

export interface ConsumerStats {
  received: number;
  dropped: number;
  backlog: number;
}

/** How long events gather before they go to the writer as one batch. */
export const BATCH_MS = 1000;
/** A batch goes at once when it holds this many events (5,000/s: one batch a second). */
export const MAX_BATCH_EVENTS = 5000;

export function createLogConsumer(deps: { bus: Bus; topics: Topics; sink: LogSink; maxBacklog: number; log: Logger; batch?: { ms?: number; maxEvents?: number } }) {
  const batchMs = deps.batch?.ms ?? BATCH_MS;
  const maxEvents = deps.batch?.maxEvents ?? MAX_BATCH_EVENTS;
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
          else timer ??= setTimeout(send, batchMs);
        },
        { qos: 1 },
      );
    },
    /** Takes nothing more (shutdown), then resolves once what it took is stored (or `deadlineMs` passed). */
    async drain(deadlineMs: number) {
      closed = true;
      send();
      if (stats.backlog === 0) return;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => idle.push(r)), new Promise<void>((r) => (t = setTimeout(r, deadlineMs)))]);
      clearTimeout(t);
    },
  };
}
