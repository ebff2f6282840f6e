/**
 * Telemetry to the time-series backend, in batches, from one of two sources:
 *
 * - the telemetry journal (the all-in-one process, common/journal/): records are read from disk
 *   at the pace the backend takes them, and a batch's journal position is checkpointed once the
 *   batch is stored (in the backend or in the spool), so a crash replays at most what was not;
 * - MQTT (`+/attrs` or `+/+/attrs`, QoS 1), when the history role runs against an external broker.
 *
 * When the backend fails, batches go to the durable spool and a drain loop writes them back in
 * order with exponential backoff; meanwhile new batches queue behind them. Replays are harmless:
 * points are idempotent (the same series and time replace each other).
 *
 * Batches: up to the backend's `batchPoints` (5,000 points for InfluxDB, 25,000 for the embedded
 * store: its rows are samples) or 1 s, whichever comes first.
 *
 * Bounds: at most `maxBacklog` points wait in memory (by default three batches, at least 50,000). The journal reader waits while the backlog
 * is full (the journal keeps the rest on disk); from MQTT, a full backlog with a failing spool
 * drops the newest points with an error log and a counter (the broker has already handed them
 * over).
 */
import { Burst } from '../common/burst.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import type { Journal } from '../common/journal/journal.ts';

/** What the persister needs of the journal: the writer itself, or its view from another thread (common/journal/remote.ts). */
export type JournalSource = Pick<Journal, 'committed' | 'checkpointed' | 'file' | 'onCommit' | 'checkpoint' | 'backlogBytes'>;
import { JournalReader } from '../common/journal/reader.ts';
import { attrsToPoints } from './points.ts';
import type { Topics } from '../contracts/topics.ts';
import { Spool } from './spool.ts';
import type { HistoryBackend, Point } from './types.ts';

export interface PersisterStats {
  received: number;
  written: number;
  rejected: number;
  /** Points dropped because the in-memory backlog was full and the spool refused them. */
  dropped: number;
  /** Points read or received but not yet stored. */
  backlog: number;
  spooledBatches: number;
  spoolBytes: number;
  backendUp: boolean;
  lastError: string | null;
}

export interface PersisterDeps {
  backend: HistoryBackend;
  /** The topic layout (MQTT_TOPIC_LAYOUT) the attrs topics are in. */
  topics: Topics;
  spoolDir: string;
  log: Logger;
  /** Follow the telemetry journal (all-in-one); otherwise `bus`. */
  journal?: JournalSource | undefined;
  bus?: Bus | undefined;
  batch?: { maxPoints?: number; maxAgeMs?: number };
  retry?: { minMs?: number; maxMs?: number };
  maxBacklog?: number;
}

interface Batch {
  points: Point[];
  /** Journal position after the last record in the batch. */
  end: number | undefined;
}

export function createPersister(deps: PersisterDeps) {
  const { backend, log, journal } = deps;
  const maxPoints = deps.batch?.maxPoints ?? backend.batchPoints ?? 5000;
  const maxAgeMs = deps.batch?.maxAgeMs ?? 1000;
  const minMs = deps.retry?.minMs ?? 200;
  const maxMs = deps.retry?.maxMs ?? 10_000;
  // Room for a batch being written, one gathering and one more: never less than 50,000 points.
  const maxBacklog = deps.maxBacklog ?? Math.max(50_000, 3 * maxPoints);
  const badLogs = new Burst(5, 10_000);
  const dropLogs = new Burst(1, 10_000);
  const spool = new Spool(deps.spoolDir);
  const stats: PersisterStats = { received: 0, written: 0, rejected: 0, dropped: 0, backlog: 0, spooledBatches: 0, spoolBytes: 0, backendUp: true, lastError: null };
  let pending: Point[] = [];
  let pendingEnd: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let draining: Promise<void> | null = null;
  let stopped = false;
  const roomWaiters: Array<() => void> = [];
  let reader: JournalReader | undefined;

  // A stop ends every wait at once.
  const stopWaiters = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const wake = () => {
        clearTimeout(t);
        stopWaiters.delete(wake);
        r();
      };
      const t = setTimeout(wake, ms);
      stopWaiters.add(wake);
    });

  function settled(n: number): void {
    stats.backlog -= n;
    if (stats.backlog < maxBacklog && roomWaiters.length) for (const w of roomWaiters.splice(0)) w();
  }

  async function write(points: Point[]): Promise<void> {
    const r = await backend.write(points);
    stats.written += r.written;
    stats.rejected += r.rejected.length;
    for (const x of r.rejected) log.warn({ tenant: x.point.tags.tenant, device: x.point.tags.device, reason: x.reason }, 'history point refused');
  }

  function drain(): Promise<void> {
    draining ??= (async () => {
      let wait = minMs;
      for (let b = spool.peek(); b && !stopped; b = spool.peek()) {
        try {
          await write(b.points);
          spool.ack(b.seq);
          wait = minMs;
          if (!stats.backendUp) log.info({ backlogBatches: spool.length }, 'history backend back: draining spool');
          stats.backendUp = true;
        } catch (err) {
          stats.lastError = (err as Error).message;
          await sleep(wait);
          wait = Math.min(maxMs, wait * 2);
        }
      }
      stats.spooledBatches = spool.length;
      stats.spoolBytes = spool.bytes;
      draining = null;
    })();
    return draining;
  }

  /** Resolves once the batch is stored (backend or spool); never rejects; gives up at stop. */
  async function deliver(batch: Batch): Promise<void> {
    let wait = minMs;
    for (;;) {
      if (stopped) return; // the journal (or the broker's redelivery) keeps what was not stored
      if (batch.points.length === 0) break;
      if (spool.length === 0) {
        try {
          await write(batch.points);
          break;
        } catch (err) {
          stats.lastError = (err as Error).message;
          if (stats.backendUp) log.warn({ err }, 'history backend failing: spooling to disk');
          stats.backendUp = false;
        }
      }
      try {
        spool.append(batch.points);
        stats.spooledBatches = spool.length;
        stats.spoolBytes = spool.bytes;
        void drain();
        break;
      } catch (err) {
        // Neither the backend nor the disk takes it: hold the batch (the backlog bound stops
        // the reading) and try again.
        stats.lastError = (err as Error).message;
        log.error({ err, spoolBytes: spool.bytes }, 'history spool cannot take a batch: holding it');
        await sleep(wait);
        wait = Math.min(maxMs, wait * 2);
      }
    }
    if (batch.end !== undefined && journal) journal.checkpoint(batch.end);
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!pending.length && pendingEnd === undefined) return;
    const batch: Batch = { points: pending, end: pendingEnd };
    pending = [];
    pendingEnd = undefined;
    chain = chain.then(() => deliver(batch)).finally(() => settled(batch.points.length));
  }

  function ingest(topic: string, payload: Buffer, end?: number): void {
    const r = attrsToPoints(deps.topics, topic, payload);
    if (end !== undefined) pendingEnd = end;
    if (r.error) {
      // Any publisher to the attrs topics can send these, as fast as it likes: a few lines per
      // window, with what was left out counted in the next one (common/burst.ts).
      const b = badLogs.take(Date.now());
      if (b.ok) log.warn({ topic, error: r.error, ...(b.suppressed ? { suppressedBefore: b.suppressed } : {}) }, 'telemetry not stored');
    } else {
      stats.received += r.points.length;
      if (journal === undefined && stats.backlog >= maxBacklog) {
        stats.dropped += r.points.length;
        // Once a window while it lasts, not once a message (5,000 lines a second at full rate);
        // every dropped point is counted in /metrics (chargebridge_history_points_dropped_total).
        const b = dropLogs.take(Date.now());
        if (b.ok) log.error({ backlog: stats.backlog, limit: maxBacklog, dropped: stats.dropped }, 'history backlog full: telemetry points dropped until the backend catches up');
        return;
      }
      stats.backlog += r.points.length;
      for (const p of r.points) pending.push(p);
    }
    if (pending.length >= maxPoints) flush();
    else timer ??= setTimeout(flush, maxAgeMs);
  }

  return {
    async start() {
      if (spool.length) {
        log.info({ batches: spool.length }, 'history spool from a previous run: draining');
        void drain();
      }
      if (journal) {
        if (journal.backlogBytes > 0) log.info({ bytes: journal.backlogBytes }, 'telemetry journal from a previous run: storing it');
        reader = new JournalReader(
          journal,
          {
            record: (topic, payload, end) => ingest(topic, payload, end),
            ready: () => (stats.backlog < maxBacklog ? undefined : new Promise<void>((r) => roomWaiters.push(r))),
          },
          log,
        );
        reader.start();
      } else {
        await deps.bus!.subscribe(deps.topics.every('attrs'), (t, p) => ingest(t, p), { qos: 1 });
      }
    },
    /**
     * Stores what it can within `deadlineMs`; what is left stays in the journal (or the spool)
     * for the next start. Never waits for a backend or disk that does not answer past it.
     */
    async stop(deadlineMs = 10_000) {
      await reader?.stop();
      flush();
      let timeout: NodeJS.Timeout | undefined;
      const late = new Promise<void>((r) => (timeout = setTimeout(r, deadlineMs)));
      await Promise.race([chain, late]);
      clearTimeout(timeout);
      // One last attempt at the spool within the deadline, then everything waiting gives up.
      stopped = true;
      for (const w of [...stopWaiters]) w();
      for (const w of roomWaiters.splice(0)) w();
      await Promise.race([Promise.all([chain, draining]), new Promise((r) => setTimeout(r, 1000).unref())]);
    },
    stats: (): PersisterStats => ({ ...stats, spooledBatches: spool.length, spoolBytes: spool.bytes }),
  };
}
