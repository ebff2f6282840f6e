/**
 * The main thread's side of the OCPP gateway's thread (worker.ts, entered through the module
 * bin/ names: bin/gateway-thread.ts): starts it, bridges its bus to
 * the embedded broker, keeps its latest state for /metrics and /health, relays the journal's
 * commits and checkpoints between it and the history writer, and shuts it down in two steps
 * (chargers first; the journal after history has stored what it could).
 *
 * A gateway thread that dies takes every charger connection with it: the process exits (code 1)
 * so that its supervisor restarts it whole, rather than run on without an OCPP endpoint.
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from '../common/config.ts';
import type { Health } from '../common/health.ts';
import type { Logger } from '../common/logger.ts';
import type { JournalHandle } from '../common/journal/handle.ts';
import { spawnWorker } from '../common/threads/spawn.ts';
import { bridgePortBus, type ToMain } from '../broker/port-bus.ts';
import type { Bus } from '../broker/bus.ts';
import type { Device } from '../contracts/registry.ts';
import type { GatewayHostMessage, GatewayStats, GatewayWorkerData, GatewayWorkerMessage } from './worker-protocol.ts';

export interface GatewayThread {
  readonly id: string;
  readonly port: number;
  /** The wss listener's port, when OCPP_TLS_CERT_FILE is set. */
  readonly tlsPort: number | null;
  readonly threadId: number;
  readonly stats: GatewayStats;
  readonly journal: JournalHandle | null;
  deviceChanged(device: Device): void;
  /** The device was deleted: resolves once the thread has closed its connection and the broker has everything it published before (at most DELETE_ACK_MS). */
  deviceDeleted(deviceId: string): Promise<void>;
  /** Every role is up: the gateway republishes the stored shadows of the chargers not connected. */
  republishStored(): void;
  /** Stops accepting and closes every charger within the deadline. */
  closeGateway(deadlineMs: number): Promise<void>;
  /** Then: the journal (its checkpoint saved), the thread's bus and store. */
  closeRest(): Promise<void>;
}

const EMPTY: GatewayStats = { connections: 0, busPending: 0, backpressure: { holding: false, holds: 0 }, auth: { failures: 0, lockouts: 0, throttled: 0 }, journal: null, unexpectedErrors: 0, registryCalls: {}, metrics: null };

/** How long a device deletion waits for the gateway thread's answer at most (a stalled broker). */
const DELETE_ACK_MS = 2_000;

/** `entry`: the thread's module, which runs worker.ts's runGatewayThread with the store it opens. */
export async function startGatewayThread(deps: { entry: URL; config: Config; bus: Bus; health: Health; log: Logger; journal: boolean }): Promise<GatewayThread> {
  const log = deps.log.child({ component: 'gateway' });
  const data: GatewayWorkerData = { config: deps.config, journal: deps.journal };
  const worker: Worker = spawnWorker(deps.entry, { workerData: data, name: 'ocpp' });
  const bridge = bridgePortBus(worker as never, deps.bus, (err) => log.error({ err }, 'publish from the gateway thread failed'));
  let stats = EMPTY;
  let closing = false;
  const listeners: Array<() => void> = [];
  const waiters = new Map<string, Array<() => void>>();
  const waitFor = (type: string) => new Promise<void>((r) => (waiters.get(type) ?? waiters.set(type, []).get(type)!).push(r));
  let committed = 0;
  const post = (m: GatewayHostMessage) => worker.postMessage(m);
  let acks = 0;
  const forgotten = new Map<number, () => void>();

  const ready = new Promise<Extract<GatewayWorkerMessage, { type: 'ready' }>>((resolve, reject) => {
    worker.on('message', (m: ToMain | GatewayWorkerMessage) => {
      if (bridge.receive(m as ToMain)) return;
      const g = m as GatewayWorkerMessage;
      if (g.type === 'stats') stats = g.stats;
      else if (g.type === 'health') g.problem ? deps.health.fail(g.component, g.problem) : deps.health.ok(g.component);
      else if (g.type === 'deviceForgotten') forgotten.get(g.ack)?.();
      else if (g.type === 'committed') {
        committed = g.position;
        for (const l of listeners) l();
      } else if (g.type === 'ready') {
        committed = g.journal?.committed ?? 0;
        resolve(g);
      } else if (g.type === 'startFailed') {
        // As if the start had failed on this thread: bin/chargebridge.ts prints one line.
        closing = true;
        reject(Object.assign(new Error(g.message), { code: g.code, port: g.port }));
        void worker.terminate();
      }
      for (const w of waiters.get(g.type)?.splice(0) ?? []) w();
    });
    worker.on('error', (err) => {
      log.fatal({ err }, 'the OCPP gateway thread failed');
      reject(err);
    });
    worker.on('exit', (code) => {
      bridge.close();
      for (const ws of waiters.values()) for (const w of ws.splice(0)) w();
      if (closing) return;
      log.fatal({ code }, 'the OCPP gateway thread exited: every charger is disconnected; exiting so that the supervisor restarts the process');
      reject(new Error(`OCPP gateway thread exited with ${code}`));
      process.exit(1);
    });
  });

  const r = await ready;
  const journalState = r.journal;
  const journal: JournalHandle | null = journalState
    ? {
        dir: journalState.dir,
        get committed() {
          return committed;
        },
        get checkpointed() {
          return stats.journal?.checkpointed ?? journalState.checkpointed;
        },
        get backlogBytes() {
          return stats.journal?.backlogBytes ?? journalState.backlogBytes;
        },
        get writable() {
          return stats.journal?.writable ?? true;
        },
        onCommit: (l) => void listeners.push(l),
        checkpoint: (position) => post({ type: 'checkpoint', position }),
      }
    : null;

  return {
    id: r.id,
    port: r.port,
    tlsPort: r.tlsPort,
    threadId: r.threadId,
    get stats() {
      return stats;
    },
    journal,
    deviceChanged: (device) => post({ type: 'deviceChanged', device }),
    deviceDeleted(deviceId) {
      const ack = ++acks;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, DELETE_ACK_MS);
        function done() {
          clearTimeout(timer);
          forgotten.delete(ack);
          resolve();
        }
        forgotten.set(ack, done);
        post({ type: 'deviceDeleted', deviceId, ack });
      });
    },
    republishStored: () => post({ type: 'republish' }),
    async closeGateway(deadlineMs) {
      closing = true;
      const done = waitFor('gatewayClosed');
      post({ type: 'closeGateway', deadlineMs });
      await done;
    },
    async closeRest() {
      closing = true;
      const done = waitFor('closed');
      post({ type: 'closeRest' });
      await done;
      await worker.terminate();
    },
  };
}
