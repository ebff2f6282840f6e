/**
 * The message log's write side, wherever it runs: events in (topic and payload text, a batch per
 * event-loop turn), rows out to the store in one transaction per batch. Pure bookkeeping around
 * the store; the thread it runs on is chosen by index.ts.
 */
import type { Topics } from '../contracts/topics.ts';
import { toRow, type LogRow } from './rows.ts';
import type { MessageLogStore } from './types.ts';

/** [topic, payload, topic, payload, ...]: one flat array crosses threads cheaply. */
export type EventBatch = string[];

export interface WriterStats {
  /** Events stored. */
  written: number;
  /** Messages on an events topic that are not an event (not JSON, no type or ts): logged, not stored. */
  skipped: number;
  /** Events older than the retention when they arrived. */
  expired: number;
  /** Events of batches whose write failed (each batch logged): lost. */
  failed: number;
}

/**
 * `onError` is called when writes start failing (a full disk, a database down), `onRecover` when
 * one succeeds again: one log line each per episode, never one per batch.
 */
export function createLogWriter(deps: { store: MessageLogStore; topics: Topics; onError: (err: unknown, events: number) => void; onRecover?: (failed: number) => void; onSkip?: (reason: string, topic: string) => void }) {
  const stats: WriterStats = { written: 0, skipped: 0, expired: 0, failed: 0 };
  let failing = false;
  let failedSince = 0;
  return {
    stats,
    /** Stores a batch; returns how many events it held (stored or not), for the backlog count. */
    async write(batch: EventBatch): Promise<number> {
      const rows: LogRow[] = [];
      for (let i = 0; i < batch.length; i += 2) {
        const r = toRow(deps.topics, batch[i]!, batch[i + 1]!);
        if ('skip' in r) {
          stats.skipped++;
          deps.onSkip?.(r.skip, batch[i]!);
        } else rows.push(r);
      }
      if (rows.length) {
        try {
          const r = await deps.store.write(rows);
          stats.written += r.written;
          stats.expired += r.expired;
          if (failing) {
            failing = false;
            deps.onRecover?.(stats.failed - failedSince);
          }
        } catch (err) {
          if (!failing) {
            failing = true;
            failedSince = stats.failed;
            deps.onError(err, rows.length);
          }
          stats.failed += rows.length;
        }
      }
      return batch.length / 2;
    },
  };
}
