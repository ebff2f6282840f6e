/**
 * The OCPP gateway's thread in the all-in-one process (issue 14): the charger connections, the
 * handlers, the telemetry journal's writer and the command router run here, and nothing else
 * does — the HTTP API, the dashboard feed and the broker's fan-out to MQTT subscribers run on the
 * main thread, the history writer on its own. Heavy HTTP requests or a slow subscriber cannot
 * delay a charger's answer.
 *
 * It talks to the main thread through one MessagePort (the parent port): the bus (broker/port-bus.ts),
 * and the messages of worker-host.ts: its state for /metrics, health changes, journal commits and
 * checkpoints, device changes, and the two-step shutdown. Its entry module is bin/gateway-thread.ts,
 * which gives it the registry store to open (the gateway knows only its port, store-port.ts).
 */
import { threadMetricsJson, threadRegistry } from '../common/metrics/thread.ts';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import path from 'node:path';
import type { Config } from '../common/config.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { installProcessGuard } from '../common/process-guard.ts';
import type { Health, Problem } from '../common/health.ts';
import { Journal } from '../common/journal/journal.ts';
import { createPortBus, type ToWorker } from '../broker/port-bus.ts';
import type { Device } from '../contracts/registry.ts';
import { createCommandRouter } from './commands/router.ts';
import { topicsFor } from '../contracts/topics.ts';
import { createGateway } from './index.ts';
import { brokerAckSink, journalSink } from './telemetry-sink.ts';
import type { GatewayStore } from './store-port.ts';
import type { GatewayHostMessage, GatewayStats, GatewayWorkerData, GatewayWorkerMessage } from './worker-protocol.ts';

/** How often at most the main thread hears of journal commits (see below). */
const COMMIT_NOTICE_MS = 20;

/** The registry store this thread opens for itself (bin/ composes which: bin/store.ts). */
export type OpenGatewayStore = (config: Config, health: Pick<Health, 'fail' | 'ok'>, log: Logger) => GatewayStore & { close(): Promise<void>; ready?(): Promise<void> };

/**
 * Registry calls the gateway makes, by method (`chargebridge_gateway_registry_calls_total`): the
 * hot path (MeterValues) makes none, since the device travels with the connection; handshakes,
 * boots and transactions do.
 */
function countCalls<T extends object>(store: T, registryCalls: Record<string, number>): T {
  for (const [name, fn] of Object.entries(store)) {
    if (typeof fn !== 'function' || name === 'close' || name === 'migrate' || name === 'ready') continue;
    (store as Record<string, unknown>)[name] = (...args: unknown[]) => {
      registryCalls[name] = (registryCalls[name] ?? 0) + 1;
      return (fn as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return store;
}

/** The thread's life, started by its entry module (bin/gateway-thread.ts) with the store it opens. */
export async function runGatewayThread(openStore: OpenGatewayStore): Promise<void> {
  const port = parentPort!;
  const data = (workerData as { data: GatewayWorkerData }).data;
  const config: Config = data.config;
  const log = createLogger(config.LOG_LEVEL).child({ thread: 'ocpp' });
  const guard = installProcessGuard(log);
  const post = (m: GatewayWorkerMessage) => port.postMessage(m);
  threadRegistry('gateway');

  // Health problems of this thread's components go to the process's one Health on the main thread.
  const health: Pick<Health, 'fail' | 'ok'> = {
    fail: (component: string, problem: Problem) => post({ type: 'health', component, problem }),
    ok: (component: string) => post({ type: 'health', component, problem: null }),
  };

  const bus = createPortBus(port);

  const registryCalls: Record<string, number> = {};
  const store = countCalls(openStore(config, health, log), registryCalls);
  // A store on a thread of its own is open before the first charger is let in (and before
  // the stored shadows are republished), so that neither waits for the thread to load.
  await store.ready?.();
  const journal = data.journal ? await Journal.open({ dir: path.join(config.DATA_DIR, 'journal'), log, health: health as Health, maxBytes: config.JOURNAL_MAX_BYTES }) : undefined;
  // Beside the embedded broker this is the only gateway: it republishes the stored shadows at start.
  const gateway = createGateway({ config, log, store, bus, telemetry: journal ? journalSink(journal, bus) : brokerAckSink(bus), republishAtStart: true });

  // Journal commits to the main thread (which tells the history writer): at most one notice
  // per COMMIT_NOTICE_MS. The journal commits every millisecond or two under load, and each
  // notice is a postMessage here, another on the main thread and a journal read on the history
  // thread (a profile at 2,000 MeterValues/s put these hops at 7 % of the main thread's work);
  // the history writer batches for up to a second anyway. Chargers' answers wait for the commit
  // itself (journal.wait), never for this notice.
  let committedPosted = -1;
  let commitTimer: NodeJS.Timeout | undefined;
  /** Posts the commit position if it moved (at once: the timer, if any, is cancelled). */
  const postCommitted = () => {
    clearTimeout(commitTimer);
    commitTimer = undefined;
    if (journal && journal.committed !== committedPosted) {
      committedPosted = journal.committed;
      post({ type: 'committed', position: committedPosted });
    }
  };
  journal?.onCommit(() => {
    commitTimer ??= setTimeout(postCommitted, COMMIT_NOTICE_MS);
  });

  const stats = (): GatewayStats => ({
    connections: gateway.connections,
    busPending: bus.pending,
    backpressure: { holding: gateway.backpressure.holding, holds: gateway.backpressure.holds },
    auth: { failures: gateway.auth.failures, lockouts: gateway.auth.lockouts, throttled: gateway.auth.throttled },
    journal: journal ? { backlogBytes: journal.backlogBytes, writable: journal.writable, committed: journal.committed, checkpointed: journal.checkpointed } : null,
    unexpectedErrors: guard.caught,
    registryCalls: { ...registryCalls },
    metrics: metricsJson,
  });
  let metricsJson: GatewayStats['metrics'] = null;
  let ticks = 0;
  const statsTimer = setInterval(() => {
    if (ticks++ % 4 === 0) void threadMetricsJson().then((j) => (metricsJson = j));
    post({ type: 'stats', stats: stats() });
  }, 250);

  port.on('message', (m: ToWorker | GatewayHostMessage) => {
    if (bus.receive(m as ToWorker)) return;
    const h = m as GatewayHostMessage;
    if (h.type === 'deviceChanged') gateway.deviceChanged(h.device as Device);
    else if (h.type === 'deviceDeleted') {
      gateway.deviceDeleted(h.deviceId);
      // Answered once the broker has taken what this thread published before (the bus's
      // batches), so that the registry's removal of the retained state comes after all of it.
      void bus.flush().catch(() => undefined).then(() => post({ type: 'deviceForgotten', ack: h.ack }));
    }
    else if (h.type === 'checkpoint') journal?.checkpoint(h.position);
    else if (h.type === 'republish') void gateway.republishStored();
    else if (h.type === 'closeGateway') {
      void gateway.close(h.deadlineMs).then(async () => {
        // Everything answered is synced; the rest of the journal's work waits for history,
        // which must hear of the last commits now.
        postCommitted();
        post({ type: 'stats', stats: stats() });
        post({ type: 'gatewayClosed' });
      });
    } else if (h.type === 'closeRest') {
      void (async () => {
        clearInterval(statsTimer);
        postCommitted();
        await journal?.close().catch((err: unknown) => log.warn({ err }, 'journal close failed'));
        await bus.close().catch(() => undefined);
        await store.close().catch(() => undefined);
        guard.uninstall();
        post({ type: 'closed' });
        port.close();
      })();
    }
  });

  await createCommandRouter({ bus, gateway, log, sharedSubscription: false, topics: topicsFor(config.MQTT_TOPIC_LAYOUT) }).start();
  let ocppPort: number;
  let tlsPort: number | null;
  try {
    ({ port: ocppPort, tlsPort } = await gateway.listen());
  } catch (err) {
    // Not an error to keep serving through (the process guard would): the start failed.
    const e = err as NodeJS.ErrnoException & { port?: number };
    post({ type: 'startFailed', message: e.message, code: e.code, port: e.port });
    await new Promise(() => undefined); // the host terminates this thread
    throw err;
  }
  post({
    type: 'ready',
    threadId,
    id: gateway.id,
    port: ocppPort,
    tlsPort,
    journal: journal ? { dir: journal.dir, committed: journal.committed, checkpointed: journal.checkpointed, backlogBytes: journal.backlogBytes } : null,
  });
}
