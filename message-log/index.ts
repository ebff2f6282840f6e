/**
 * The OCPP message log (docs/message-log.md): every `events` message stored durably off the hot
 * path, queried and exported over HTTP, replayed to MQTT.
 *
 * Two shapes. Where other roles share the process (the all-in-one process, beside the embedded
 * broker or not) the writer runs on a thread of its own (worker.ts) and this thread only
 * subscribes and forwards each turn's events. In a process of its own against an external broker
 * (the history role alone, `chargebridge history`, whose persistent session also holds
 * `+/events`) the writer runs on the process's main thread: nothing else shares it there.
 */
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import { topicsFor } from '../contracts/topics.ts';
import { createLogConsumer, type ConsumerStats, type LogSink } from './consumer.ts';
import { createGather } from './gather.ts';
import { openMessageLogStore } from './open.ts';
import { createLogWriterThread } from './worker-host.ts';
import { createLogWriter, type WriterStats } from './writer.ts';
import type { MessageLogStore } from './types.ts';

export { openMessageLogStore };
export { messageLogRoutes } from './routes.ts';
export type { MessageLogStore };

export type MessageLogStats = ConsumerStats & WriterStats & { lost: number };

export interface MessageLog {
  /** A read-only store for the HTTP API (its own connection). */
  reader: MessageLogStore;
  start(): Promise<void>;
  /** Stores what was received within `deadlineMs`, then closes. */
  stop(deadlineMs?: number): Promise<void>;
  stats(): MessageLogStats;
  readonly writerThreadId: number | null;
}

export function createMessageLog(deps: { config: Config; bus: Bus; log: Logger; ownThread: boolean }): MessageLog {
  const { config } = deps;
  const topics = topicsFor(config.MQTT_TOPIC_LAYOUT);
  const log = deps.log.child({ component: 'message-log' });
  const reader = openMessageLogStore(config, { readOnly: true });
  let sink: LogSink;
  let writerStats: () => WriterStats & { lost: number };
  let startWriter: () => Promise<void>;
  let stopWriter: (deadlineMs: number) => Promise<void>;
  let thread: ReturnType<typeof createLogWriterThread> | null = null;
  if (deps.ownThread) {
    const t = (thread = createLogWriterThread({ config, log }));
    sink = t.sink;
    writerStats = () => t.stats();
    startWriter = () => t.start();
    stopWriter = (ms) => t.stop(ms);
  } else {
    const store = openMessageLogStore(config);
    const writer = createLogWriter({
      store,
      topics,
      onError: (err, events) => log.error({ err, events }, 'message log cannot store events: they are lost until writes succeed again'),
      onRecover: (failed) => log.warn({ failed }, 'message log stores events again'),
    });
    // Transactions of up to 1 s or 5,000 events, one write at a time (gather.ts); what arrives
    // meanwhile waits in the consumer's bounded backlog.
    let done: (events: number) => void = () => undefined;
    const gather = createGather({
      write: (all) => writer.write(all),
      stored: (events) => done(events),
      onError: (err) => log.error({ err }, 'message log write failed'),
    });
    sink = {
      submit: (batch, onDone) => ((done = onDone), gather.add(batch)),
      flush: () => void gather.flush(),
    };
    writerStats = () => ({ ...writer.stats, lost: 0 });
    startWriter = () => store.init();
    stopWriter = async () => {
      await gather.flush();
      await store.close();
    };
  }
  const consumer = createLogConsumer({ bus: deps.bus, topics, sink, maxBacklog: config.MESSAGE_LOG_MAX_BACKLOG, log });
  return {
    reader,
    async start() {
      await startWriter();
      await reader.init();
      await consumer.start();
      log.info('message log started');
    },
    async stop(deadlineMs = 5000) {
      await consumer.drain(deadlineMs * 0.8);
      await stopWriter(deadlineMs * 0.2);
      await reader.close();
    },
    stats: () => ({ ...consumer.stats, ...writerStats() }),
    get writerThreadId() {
      return thread?.threadId ?? null;
    },
  };
}
