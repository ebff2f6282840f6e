/**
 * The history writer's thread (issue 14: storage never on the OCPP event loop). In the all-in-one
 * process this worker reads the telemetry journal from its checkpoint and writes the points to
 * the backend (the embedded SQLite store, or InfluxDB): its synchronous SQLite transactions, its
 * retention prunes and its spool never take the thread that answers chargers.
 *
 * Messages: from the host `committed` (how far the journal is synced), `stop` (with a deadline);
 * to the host `ready`, `checkpoint`, `stats` (four times a second), `stopped`.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { threadMetricsJson, threadRegistry } from '../common/metrics/thread.ts';
import path from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { Config } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { installProcessGuard } from '../common/process-guard.ts';
import { setThreadNice } from '../common/threads/priority.ts';
import { RemoteJournal, type JournalMessage } from '../common/journal/remote.ts';
import { openHistoryBackend } from './backends/open.ts';
import { createPersister } from './persister.ts';
import { topicsFor } from '../contracts/topics.ts';

export interface HistoryWorkerData {
  config: Config;
  journalDir: string;
  committed: number;
  checkpointed: number;
  backlogBytes: number;
}

export type HostMessage = JournalMessage | { type: 'stop'; deadlineMs: number };
export type WorkerMessage = JournalMessage | { type: 'ready'; threadId: number } | { type: 'stats'; stats: ReturnType<ReturnType<typeof createPersister>['stats']>; metrics?: MetricObjectWithValues<MetricValue<string>>[] } | { type: 'stopped' } | { type: 'failed'; message: string };

const port = parentPort!;
const data = (workerData as { data: HistoryWorkerData }).data;
const { config } = data;
const log = createLogger(config.LOG_LEVEL).child({ thread: 'history' });
const guard = installProcessGuard(log);
// Throughput work: the gateway's and the broker's threads go first (common/threads/priority.ts).
const niceTid = setThreadNice(config.WRITER_THREAD_NICE);
const journal = new RemoteJournal(data.journalDir, port as never, data.committed, data.checkpointed, data.backlogBytes);
const backend = openHistoryBackend(config);
const blog = log.child({ component: 'history', backend: backend.name });
const persister = createPersister({ journal, backend, topics: topicsFor(config.MQTT_TOPIC_LAYOUT), spoolDir: path.join(config.DATA_DIR, 'history-spool'), log: blog });

port.on('message', (m: HostMessage) => {
  if (m.type === 'committed') journal.receive(m);
  else if (m.type === 'stop') {
    void (async () => {
      clearInterval(stats);
      await persister.stop(m.deadlineMs);
      await backend.close().catch((err: unknown) => blog.warn({ err }, 'history backend close failed'));
      send();
      port.postMessage({ type: 'stopped' } satisfies WorkerMessage);
      guard.uninstall();
      port.close();
    })();
  }
});

threadRegistry('history');
let ticks = 0;
// The thread's prom-client registry every fourth message, once a second (common/metrics/thread.ts).
const send = () => {
  if (ticks++ % 4 === 0) void threadMetricsJson().then((metrics) => port.postMessage({ type: 'stats', stats: persister.stats(), metrics } satisfies WorkerMessage));
  else port.postMessage({ type: 'stats', stats: persister.stats() } satisfies WorkerMessage);
};
const stats = setInterval(send, 250);

try {
  // A backend that is down at start is not fatal: the journal keeps the points.
  await backend.init().catch((err: unknown) => blog.warn({ err }, 'history backend not ready; the journal keeps the points'));
  await persister.start();
  blog.info({ nice: niceTid === null ? 0 : config.WRITER_THREAD_NICE }, 'history writer started on its own thread');
  port.postMessage({ type: 'ready', threadId } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WorkerMessage);
}
