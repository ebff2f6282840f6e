/**
 * The all-in-one process's side of the history writer thread (history/worker.ts): starts it,
 * tells it how far the journal is committed (at most once per event-loop turn), applies its
 * checkpoints to the journal, keeps its latest counters for /metrics, and stops it within the
 * shutdown deadline. A writer thread that dies is started again after a pause: the journal keeps
 * everything it has not stored, and it reads on from the checkpoint.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { JournalHandle } from '../common/journal/handle.ts';
import { spawnWorker } from '../common/threads/spawn.ts';
import type { PersisterStats } from './persister.ts';
import type { HistoryWorkerData, HostMessage, WorkerMessage } from './worker.ts';

const EMPTY: PersisterStats = { received: 0, written: 0, rejected: 0, dropped: 0, backlog: 0, spooledBatches: 0, spoolBytes: 0, backendUp: true, lastError: null };
const RESTART_MS = 1000;

export interface HistoryWriterThread {
  start(): Promise<void>;
  stop(deadlineMs: number): Promise<void>;
  stats(): PersisterStats;
  /** The writer thread's prom-client metrics as JSON (common/metrics/thread.ts), at most a second old. */
  metrics(): MetricObjectWithValues<MetricValue<string>>[] | null;
  /** The writer thread's id, once started (not the thread that answers chargers). */
  readonly threadId: number | null;
}

export function createHistoryWriterThread(deps: { config: Config; journal: JournalHandle; log: Logger }): HistoryWriterThread {
  const { config, journal } = deps;
  const log = deps.log.child({ component: 'history' });
  let worker: Worker | undefined;
  let last = EMPTY;
  let lastMetrics: MetricObjectWithValues<MetricValue<string>>[] | null = null;
  let writerThread: number | null = null;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  let posted = -1;
  let scheduled = false;

  const post = (m: HostMessage) => worker?.postMessage(m);
  // Commits come every few ms under load: one message per event-loop turn is enough.
  journal.onCommit(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const position = journal.committed;
      if (position !== posted) {
        posted = position;
        post({ type: 'committed', position });
      }
    });
  });

  function launch(): Promise<void> {
    const data: HistoryWorkerData = { config, journalDir: journal.dir, committed: journal.committed, checkpointed: journal.checkpointed, backlogBytes: journal.backlogBytes };
    const w = spawnWorker(new URL('./worker.ts', import.meta.url), { workerData: data, name: 'history' });
    worker = w;
    posted = journal.committed;
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'checkpoint') journal.checkpoint(m.position);
        else if (m.type === 'stats') {
          last = m.stats;
          if (m.metrics) lastMetrics = m.metrics;
        }
        else if (m.type === 'ready') {
          writerThread = m.threadId;
          resolve();
        } else if (m.type === 'failed') reject(new Error(`history writer did not start: ${m.message}`));
      });
      w.on('error', (err) => log.error({ err }, 'history writer thread failed'));
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        if (stopping) return;
        log.error({ code, restartInMs: RESTART_MS }, 'history writer thread exited: starting it again (the journal keeps what it had not stored)');
        reject(new Error(`history writer exited with ${code}`));
        restart = setTimeout(() => void launch().catch((err: unknown) => log.error({ err }, 'history writer restart failed')), RESTART_MS);
      });
    });
  }

  return {
    start: launch,
    async stop(deadlineMs) {
      stopping = true;
      clearTimeout(restart);
      const w = worker;
      if (!w) return;
      const stopped = new Promise<void>((resolve) => {
        w.on('message', (m: WorkerMessage) => m.type === 'stopped' && resolve());
        w.once('exit', () => resolve());
      });
      w.postMessage({ type: 'stop', deadlineMs } satisfies HostMessage);
      let t: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (t = setTimeout(r, deadlineMs + 1000)))]);
      clearTimeout(t);
      await w.terminate();
    },
    stats: () => last,
    metrics: () => lastMetrics,
    get threadId() {
      return writerThread;
    },
  };
}
