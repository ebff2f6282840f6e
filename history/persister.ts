/**
 * Telemetry from MQTT (`+/attrs`, QoS 1) to the time-series backend, in batches. When the
 * backend fails, batches go to the durable spool and a drain loop writes them back in order
 * with exponential backoff; meanwhile new batches queue behind them. A point is durable within
 * one batch age (maxAgeMs) of its arrival. Replays are harmless: points are idempotent.
 */
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import { attrsToPoints } from './points.ts';
import { Spool } from './spool.ts';
import type { HistoryBackend, Point } from './types.ts';

export interface PersisterStats {
  received: number;
  written: number;
  rejected: number;
  spooledBatches: number;
  spoolBytes: number;
  backendUp: boolean;
  lastError: string | null;
}

export function createPersister(deps: { bus: Bus; backend: HistoryBackend; spoolDir: string; log: Logger; batch?: { maxPoints?: number; maxAgeMs?: number }; retry?: { minMs?: number; maxMs?: number } }) {
  const { backend, log } = deps;
  const maxPoints = deps.batch?.maxPoints ?? 5000;
  const maxAgeMs = deps.batch?.maxAgeMs ?? 1000;
  const minMs = deps.retry?.minMs ?? 200;
  const maxMs = deps.retry?.maxMs ?? 10_000;
  const spool = new Spool(deps.spoolDir);
  const stats: PersisterStats = { received: 0, written: 0, rejected: 0, spooledBatches: 0, spoolBytes: 0, backendUp: true, lastError: null };
  let pending: Point[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let draining: Promise<void> | null = null;
  let stopped = false;

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
          await new Promise((r) => setTimeout(r, wait));
          wait = Math.min(maxMs, wait * 2);
        }
      }
      stats.spooledBatches = spool.length;
      stats.spoolBytes = spool.bytes;
      draining = null;
    })();
    return draining;
  }

  async function deliver(batch: Point[]): Promise<void> {
    if (spool.length === 0) {
      try {
        await write(batch);
        return;
      } catch (err) {
        stats.lastError = (err as Error).message;
        if (stats.backendUp) log.warn({ err }, 'history backend failing: spooling to disk');
        stats.backendUp = false;
      }
    }
    try {
      spool.append(batch);
    } catch (err) {
      // Full spool: say so loudly; the batch is kept in memory by retrying later.
      log.error({ err, spoolBytes: spool.bytes }, 'history spool full: backpressure');
      await new Promise((r) => setTimeout(r, maxMs));
      return deliver(batch);
    }
    stats.spooledBatches = spool.length;
    stats.spoolBytes = spool.bytes;
    void drain();
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    chain = chain.then(() => deliver(batch)).catch((err: unknown) => log.error({ err }, 'history batch failed'));
  }

  function onMessage(topic: string, payload: Buffer): void {
    const r = attrsToPoints(topic, payload);
    if (r.error) return void log.warn({ topic, error: r.error }, 'telemetry not stored');
    stats.received += r.points.length;
    pending.push(...r.points);
    if (pending.length >= maxPoints) flush();
    else timer ??= setTimeout(flush, maxAgeMs);
  }

  return {
    async start() {
      if (spool.length) {
        log.info({ batches: spool.length }, 'history spool from a previous run: draining');
        void drain();
      }
      await deps.bus.subscribe('+/attrs', onMessage, { qos: 1 });
    },
    async stop() {
      flush();
      await chain;
      // One last attempt; what the backend does not take stays in the spool for the next start.
      stopped = true;
      await draining;
    },
    stats: () => ({ ...stats }),
  };
}
