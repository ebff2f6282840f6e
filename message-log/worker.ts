/**
 * The message log's writer thread (the all-in-one process): the SQLite transactions of the log
 * never take the thread that answers chargers nor the one that runs the broker and the HTTP API.
 *
 * Messages: from the host `batch` (events, message-log/consumer.ts), `flush` (write what is
 * gathered now: shutdown) and `stop`; to the host
 * `ready`, `stored` (how many events of the batches it took are done), `stats`, `stopped`.
 */
import path from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { Config } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { installProcessGuard } from '../common/process-guard.ts';
import { setThreadNice } from '../common/threads/priority.ts';
import { topicsFor } from '../contracts/topics.ts';
import { openMessageLogStore } from './open.ts';
import { createGather } from './gather.ts';
import { createLogWriter, type EventBatch, type WriterStats } from './writer.ts';

export type HostMessage = { type: 'batch'; items: EventBatch } | { type: 'flush' } | { type: 'stop' };
export type WorkerMessage = { type: 'ready'; threadId: number } | { type: 'stored'; events: number } | { type: 'stats'; stats: WriterStats } | { type: 'stopped' } | { type: 'failed'; message: string };

const port = parentPort!;
const { config } = (workerData as { data: { config: Config } }).data;
const log = createLogger(config.LOG_LEVEL).child({ thread: 'message-log', component: 'message-log' });
const guard = installProcessGuard(log);
// Throughput work: the gateway's and the broker's threads go first (common/threads/priority.ts).
const niceTid = setThreadNice(config.WRITER_THREAD_NICE);
const store = openMessageLogStore(config);
let skipsLogged = 0;
const writer = createLogWriter({
  store,
  topics: topicsFor(config.MQTT_TOPIC_LAYOUT),
  onError: (err, events) => log.error({ err, events }, 'message log cannot store events: they are lost until writes succeed again'),
  onRecover: (failed) => log.warn({ failed }, 'message log stores events again'),
  onSkip: (reason, topic) => skipsLogged++ < 5 && log.warn({ reason, topic }, 'message on an events topic is not an event: not logged'),
});

// What the consumer hands over (every 50 ms) is gathered into transactions of up to 1 s or 5,000
// events (gather.ts: what a row costs depends on the events per transaction), one write at a time.
const gather = createGather({
  write: (all) => writer.write(all),
  stored: (events) => port.postMessage({ type: 'stored', events } satisfies WorkerMessage),
  onError: (err) => log.error({ err }, 'message log write failed'),
});
const send = () => port.postMessage({ type: 'stats', stats: { ...writer.stats } } satisfies WorkerMessage);
const stats = setInterval(send, 250);

port.on('message', (m: HostMessage) => {
  if (m.type === 'batch') gather.add(m.items);
  else if (m.type === 'flush') void gather.flush();
  else if (m.type === 'stop') {
    clearInterval(stats);
    void gather
      .flush()
      .then(() => store.close())
      .finally(() => {
        send();
        port.postMessage({ type: 'stopped' } satisfies WorkerMessage);
        guard.uninstall();
        port.close();
      });
  }
});

try {
  await store.init();
  log.info({ backend: store.name, nice: niceTid === null ? 0 : config.WRITER_THREAD_NICE, ...(store.name === 'embedded' ? { file: path.join(config.DATA_DIR, 'message-log.db') } : {}) }, 'message log writer started on its own thread');
  port.postMessage({ type: 'ready', threadId } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WorkerMessage);
}
