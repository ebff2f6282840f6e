/**
 * The history role: a persister that follows telemetry on MQTT (so it serves an external broker
 * and several gateways alike) and writes it to the configured time-series backend, and the
 * query side behind the history API.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import { openHistoryBackend } from './backends/open.ts';
import { createHistoryWriterThread, type HistoryWriterThread } from './worker-host.ts';
import { createPersister, type PersisterStats } from './persister.ts';
import { topicsFor } from '../contracts/topics.ts';
import type { HistoryBackend } from './types.ts';
import type { Journal } from '../common/journal/journal.ts';
import type { JournalHandle } from '../common/journal/handle.ts';

export { openHistoryBackend };

export interface History {
  backend: HistoryBackend;
  /** Persister counters and backlog: the backpressure gauges of GET /metrics. */
  stats(): PersisterStats;
  start(): Promise<void>;
  /** Stores what it can within `deadlineMs`; the journal or spool keeps the rest. */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Two shapes of the role. With the telemetry journal (the all-in-one process) the writer runs on
 * a thread of its own (history/worker.ts) and this thread keeps only a read connection for the
 * history API. Without it (the role in its own process against an external broker) the persister
 * follows MQTT on this thread: nothing else shares it there.
 */
export function createHistory(deps: { config: Config; bus: Bus; log: Logger; backend?: HistoryBackend; journal?: Journal | undefined; journalHandle?: JournalHandle | undefined }): History {
  const handle = deps.journalHandle ?? (deps.backend ? undefined : deps.journal);
  if (handle) return historyOnItsThread(deps.config, handle, deps.log);
  const backend = deps.backend ?? openHistoryBackend(deps.config);
  const log = deps.log.child({ component: 'history', backend: backend.name });
  const persister = createPersister({ bus: deps.bus, journal: deps.journal, backend, topics: topicsFor(deps.config.MQTT_TOPIC_LAYOUT), spoolDir: path.join(deps.config.DATA_DIR, 'history-spool'), log });
  return {
    backend,
    stats: () => persister.stats(),
    async start() {
      // A backend that is down at start is not fatal: points wait in the spool.
      await backend.init().catch((err: unknown) => log.warn({ err }, 'history backend not ready; buffering'));
      await persister.start();
      log.info('history persister started');
    },
    async stop(deadlineMs) {
      await persister.stop(deadlineMs);
      await backend.close();
    },
  };
}

function historyOnItsThread(config: Config, journal: JournalHandle, log: Logger): History & { readonly writerThreadId: number | null; threadMetrics(): ReturnType<HistoryWriterThread['metrics']> } {
  const writer = createHistoryWriterThread({ config, journal, log });
  // Queries on their own connection: they never wait for the writer's transactions beyond
  // SQLite's WAL locking, and the writer never waits for them.
  const reader = openHistoryBackend(config, { readOnly: true });
  return {
    backend: reader,
    stats: () => writer.stats(),
    threadMetrics: () => writer.metrics(),
    async start() {
      await reader.init();
      await writer.start();
    },
    async stop(deadlineMs = 10_000) {
      await writer.stop(deadlineMs);
      await reader.close();
    },
    get writerThreadId() {
      return writer.threadId;
    },
  };
}
