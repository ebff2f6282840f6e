/**
 * Composition root: builds the roles from the configuration and wires them through their
 * small interfaces. `npm start` runs them all in one process on embedded defaults.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import { checkDataDir } from '../common/data-dir.ts';
import type { Logger } from '../common/logger.ts';
import { createHealth, type Health } from '../common/health.ts';
import type { Bus } from '../broker/bus.ts';
import { createClientBus } from '../broker/client-bus.ts';
import { brokerLimits, createEmbeddedBroker, type EmbeddedBroker, type MqttAuthenticator } from '../broker/embedded.ts';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import { buildApp } from '../device-registry/app.ts';
import { createAdminToken } from '../device-registry/admin-token.ts';
import { createTokenService } from '../device-registry/tokens.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { openStore } from './store.ts';
import { createGateway, type Gateway } from '../gateway/index.ts';
import { topicsFor } from '../contracts/topics.ts';
import { createCommandRouter } from '../gateway/commands/router.ts';
import { createCommandClient } from '../device-registry/command-client.ts';
import { createPresenceView } from '../device-registry/presence-view.ts';
import { createLiveFeed } from '../dashboards/live.ts';
import { dashboardRoutes, isDashboardPath } from '../dashboards/routes.ts';
import { createHistory, openHistoryBackend, type History } from '../history/index.ts';
import { historyRoutes } from '../history/routes.ts';
import { startGatewayThread, type GatewayThread } from '../gateway/worker-host.ts';
import { within } from '../common/deadline.ts';
import { refuseUpgrade } from '../common/http-upgrade.ts';
import type { Duplex } from 'node:stream';
import { threadId } from 'node:worker_threads';
import { brokerAckSink } from '../gateway/telemetry-sink.ts';
import { createAlerts, type AlertsRole } from '../alerts/index.ts';
import { CONTROL_TOPIC } from '../alerts/payloads.ts';
import { alertRoutes } from '../alerts/routes.ts';
import { threadRegistry } from '../common/metrics/thread.ts';
import { ALL_ROLES, type Role } from '../common/roles.ts';
import { createMessageLog, messageLogRoutes, openMessageLogStore, type MessageLog } from '../message-log/index.ts';
import { Server as TlsServer } from 'node:tls';
import { withDevCa } from './dev-ca.ts';
import { ocppTlsSource, platformTlsSource, readTls, watchTls } from '../common/tls-files.ts';
import { caFiles, loadSigningCa } from '../gateway/certificates/authority.ts';

/** What the composition tells of the gateway, wherever it runs (this thread or its own). */
export interface GatewayView {
  readonly id: string;
  /** Open OCPP connections (from the gateway thread's latest report, four times a second). */
  readonly connections: number;
}

export interface Running {
  /** `ocppTls`: the wss listener (OCPP_TLS_CERT_FILE set). */
  ports: { ocpp: number | null; ocppTls: number | null; http: number | null; mqtt: number | null };
  gateway: GatewayView | null;
  store: RegistryStore;
  bus: Bus;
  adminToken: string | null;
  health: Health;
  /** The history role when it runs in this process. */
  history: History | null;
  /** The OCPP message log's writer, where the history role runs (docs/message-log.md). */
  messageLog: MessageLog | null;
  /** The alerts role when it runs in this process. */
  alerts: AlertsRole | null;
  close(): Promise<void>;
}

/**
 * Whether these roles keep files under DATA_DIR: the embedded registry, the admin token hash,
 * the history spool, the embedded time series and the embedded broker's retained messages.
 * A scale-out gateway on PostgreSQL with API_TOKEN set needs none, and may run on a read-only
 * root file system.
 */
export function usesDataDir(config: Config, roles: readonly Role[]): boolean {
  return !config.DATABASE_URL || !config.API_TOKEN || roles.includes('history') || (roles.includes('registry') && !config.INFLUX_URL) || (roles.includes('broker') && !config.MQTT_URL);
}

/** Everything in one process: `npm start`. */
export async function startAll(config: Config, log: Logger): Promise<Running & { gateway: GatewayView; ports: { ocpp: number; http: number } }> {
  const r = await startRoles(config, log, ALL_ROLES);
  return r as Running & { gateway: GatewayView; ports: { ocpp: number; http: number } };
}

/**
 * Runs the given roles. Without `broker` the roles talk through MQTT_URL (an external broker);
 * several gateway processes then share one PostgreSQL registry (DATABASE_URL).
 */
export interface StartOptions {
  /** Errors caught by the process guard (common/process-guard.ts), for /metrics. */
  unexpectedErrors?: () => number;
}

export async function startRoles(given: Config, log: Logger, roles: readonly Role[], options: StartOptions = {}): Promise<Running> {
  const has = (r: Role) => roles.includes(r);
  threadRegistry('main');
  const health = createHealth(log);
  if (!has('broker') && !given.MQTT_URL) throw new Error('MQTT_URL is required when the broker role does not run in this process');
  // Before any file is opened there: a DATA_DIR that cannot be created, is read-only or full
  // stops the start (DataDirError: one line, exit code 2) rather than acknowledging nothing.
  if (usesDataDir(given, roles) || given.TLS_DEV_CA) checkDataDir(given.DATA_DIR);
  // TLS_DEV_CA: the development CA's files in every TLS variable left unset (bin/dev-ca.ts).
  const config = await withDevCa(given, log, { ocpp: has('gateway'), platform: has('registry') || has('broker') });
  // TLS files that cannot be read or do not match stop the start here, on this thread, with
  // one line naming the variable (ConfigError), rather than inside the gateway's thread.
  const ocppTls = has('gateway') ? ocppTlsSource(config) : null;
  if (ocppTls) readTls(ocppTls);
  // The same for the CA that signs chargers' CSRs (OCPP_CSR_CA_*_FILE).
  const csrCa = has('gateway') ? caFiles(config) : null;
  if (csrCa) await loadSigningCa(csrCa);
  const platformTls = platformTlsSource(config);
  const platformTlsOptions = platformTls ? readTls(platformTls) : undefined;
  const store = openStore(config, health, log);
  await store.migrate();
  const admin = await createAdminToken({ config, log, dataDir: config.DATA_DIR });
  const topics = topicsFor(config.MQTT_TOPIC_LAYOUT);
  const tokens = createTokenService({ store, admin, defaultTenant: config.DEFAULT_TENANT, topics });
  const auth: MqttAuthenticator = tokens.mqttAuthenticator();
  const closers: Array<() => Promise<void>> = [];

  let broker: EmbeddedBroker | undefined;
  let bus: Bus;
  if (has('broker') && !config.MQTT_URL) {
    broker = await createEmbeddedBroker({ log, auth, host: config.HOST, port: config.MQTT_PORT, limits: brokerLimits(config), topics, tls: platformTlsOptions, retainedFile: path.join(config.DATA_DIR, 'retained.db') });

    bus = createEmbeddedBus(broker.aedes, log);
  } else {
    bus = await createClientBus(
      {
        url: config.MQTT_URL!,
        username: config.MQTT_USERNAME,
        password: config.MQTT_PASSWORD,
        protocolVersion: 5,
        // History must not miss telemetry while it is down: a persistent session under a stable
        // id makes the broker queue its QoS 1 messages (issue 4: at-least-once to the persister).
        ...(has('history') ? { clientId: config.HISTORY_CLIENT_ID, persistentSession: true } : {}),
      },
      log,
    );
  }

  // Subscribed before any charger can connect; its writer on a thread of its own unless the history role is alone here.
  const messageLog = has('history') ? createMessageLog({ config, bus, log, ownThread: roles.some((r) => r !== 'history') }) : null;
  await messageLog?.start();
  // The registry's views of the shadows listen before the gateway starts: the embedded broker
  // hands retained messages only to MQTT clients, so the shadows the gateway republishes at
  // start (issue 16) must find them subscribed.
  let registryFeeds: { presence: ReturnType<typeof createPresenceView>; live: ReturnType<typeof createLiveFeed> } | null = null;
  if (has('registry')) {
    registryFeeds = { presence: createPresenceView(bus, topics), live: createLiveFeed(bus, topics) };
    await registryFeeds.presence.start();
    await registryFeeds.live.start();
  }
  // Before the gateway: in-process subscribers of the embedded broker get no retained messages,
  // so the alerts role must be listening when the first shadow is published.
  let alerts: AlertsRole | null = null;
  if (has('alerts')) {
    alerts = createAlerts({ config, bus, store, log });
    await alerts.start();
  }

  // Beside the embedded broker (the all-in-one layout) the gateway runs on a thread of its own
  // (gateway/worker.ts), and keeps acknowledged telemetry in the journal until history, on its
  // own thread too, has stored it (gateway/telemetry-sink.ts). With an external broker the
  // gateway is its process's only busy role and stays on this thread; it waits for the broker's
  // PUBACK, and the history role, wherever it runs, follows the broker (it sees every gateway's
  // telemetry).
  let gatewayThread: GatewayThread | null = null;
  let gateway: Gateway | null = null;
  if (has('gateway') && broker) {
    gatewayThread = await startGatewayThread({ entry: new URL('./gateway-thread.ts', import.meta.url), config, bus, health, log, journal: has('history') });
  } else if (has('gateway')) {
    gateway = createGateway({ config, log, store, bus, telemetry: brokerAckSink(bus) });
    await createCommandRouter({ bus, gateway, log, sharedSubscription: config.MQTT_URL !== undefined, topics }).start();
  }
  const journal = gatewayThread?.journal ?? null;

  let history: History | null = null;
  if (has('history')) {
    history = createHistory({ config, bus, log, journalHandle: journal ?? undefined });
    await history.start();
  }

  let httpPort: number | null = null;
  let httpServer: unknown = null;
  if (has('registry')) {
    const commands = createCommandClient({ bus, topics, defaultTimeoutMs: config.OCPP_CALL_TIMEOUT_MS });
    await commands.start();
    const presence = registryFeeds!.presence;
    const live = registryFeeds!.live;
    const gw = gateway;
    const gt = gatewayThread;
    const mqttBroker = broker;
    // The query side reads the same backend the persister writes (its own client when the
    // history role runs elsewhere).
    const historyBackend = history?.backend ?? openHistoryBackend(config, { readOnly: true });
    if (!history) {
      await historyBackend.init().catch((err: unknown) => log.warn({ err }, 'history backend not ready'));
      closers.push(() => historyBackend.close());
    }
    const logReader = messageLog?.reader ?? openMessageLogStore(config, { readOnly: true });
    if (!messageLog) {
      await logReader.init().catch((err: unknown) => log.warn({ err }, 'message log store not ready'));
      closers.push(() => logReader.close());
    }
    const app = await buildApp({
      // The roles served beside the registry on this port, in the order of the API's document.
      routes: {
        first: [{ register: dashboardRoutes, isPublic: isDashboardPath }, { register: live.routes, unqueued: ['/live'] }],
        rest: [
          // What was stored stands; a role that misses the notice catches up at its next start.
          { register: alertRoutes({ store, control: (m) => bus.publishAsync(CONTROL_TOPIC, JSON.stringify(m), { qos: 1 }).catch((err: unknown) => log.warn({ err }, 'alerts control message not published')) }) },
          { register: historyRoutes({ store, backend: historyBackend }) },
          { register: messageLogRoutes({ store, log: logReader, bus, topics, replayMax: config.MESSAGE_LOG_REPLAY_MAX }) },
        ],
      },
      commands,
      metrics: {
        busPending: () => bus.pending + (gt?.stats.busPending ?? 0),
        ...(gw ? { gatewayConnections: () => gw.connections, backpressure: () => gw.backpressure, ocppAuth: () => gw.auth } : {}),
        ...(gt ? { gatewayConnections: () => gt.stats.connections, backpressure: () => gt.stats.backpressure, ocppAuth: () => gt.stats.auth, registryCalls: () => gt.stats.registryCalls } : {}),
        ...(history ? { history: () => history!.stats() } : {}),
        ...(messageLog ? { messageLog: () => messageLog.stats() } : {}),
        ...(mqttBroker ? { broker: () => mqttBroker.stats() } : {}),
        ...(alerts ? { alerts: () => alerts!.stats() } : {}),
        health: () => health.report(),
        threads: () => ({
          http: threadId,
          broker: broker ? threadId : null,
          gateway: gt ? gt.threadId : gw ? threadId : null,
          history: history ? ((history as { writerThreadId?: number | null }).writerThreadId ?? threadId) : null,
          'message-log': messageLog ? (messageLog.writerThreadId ?? threadId) : null,
        }),
        ...(journal ? { journal: () => ({ backlogBytes: journal.backlogBytes, writable: journal.writable }) } : {}),
        threadMetrics: () => [gt?.stats.metrics ?? null, (history as { threadMetrics?: () => GatewayThread['stats']['metrics'] } | null)?.threadMetrics?.() ?? null],
        ...(options.unexpectedErrors ? { unexpectedErrors: () => options.unexpectedErrors!() + (gt?.stats.unexpectedErrors ?? 0) } : {}),
      },
      config,
      log,
      health,
      store,
      tokens,
      online: (d) => presence.online(d.id),
      deviceChanged: (d) => (gt ? gt.deviceChanged(d) : gw?.deviceChanged(d)),
      https: platformTlsOptions,
      // An empty retained message removes the topic's (MQTT 3.1.1 §3.3.1.3): the shadow of a
      // deleted device does not stay in the broker's retained store for ever.
      // The gateway first closes the device's connection and publishes nothing more for it: an
      // offline state of its close published after the removal would be retained again.
      deviceDeleted: async (d) => {
        if (gt) await gt.deviceDeleted(d.id);
        else gw?.deviceDeleted(d.id);
        bus.publish(topics.device(d.tenant, d.id, 'state'), '', { qos: 1, retain: true });
      },
      publishEvent: (d, payload) => bus.publish(topics.device(d.tenant, d.id, 'events'), JSON.stringify(payload), { qos: 1 }),
    });
    await app.listen({ port: config.HTTP_PORT, host: config.HOST });
    if (broker) broker.attachWebSocket(app.server, '/mqtt');
    // No WebSocket on this port without the broker: an upgrade is answered, never left open.
    else app.server.on('upgrade', (_req, socket: Duplex) => refuseUpgrade(socket, 404, 'No WebSocket on this port', { code: 'NOT_FOUND' }));
    httpServer = app.server;
    const addr = app.server.address();
    httpPort = typeof addr === 'object' && addr ? addr.port : config.HTTP_PORT;
    closers.push(() => app.close());
  }

  // One certificate for the platform-facing listeners, reloaded on change like the chargers' one.
  if (platformTls) {
    const server = httpServer;
    const watch = watchTls(platformTls, config.TLS_RELOAD_INTERVAL * 1000, log.child({ component: 'tls' }), (opts) => {
      broker?.setSecureContext(opts);
      if (server instanceof TlsServer) server.setSecureContext(opts);
    });
    closers.push(async () => watch.stop());
  }
  const listened = gatewayThread ? { port: gatewayThread.port, tlsPort: gatewayThread.tlsPort } : gateway ? await gateway.listen() : null;
  // Once the rest is up (the HTTP API, history): the shadows of the chargers not connected,
  // republished from the registry (issue 16), do not compete with the start itself.
  gatewayThread?.republishStored();
  const view: GatewayView | null = gatewayThread
    ? { id: gatewayThread.id, get connections() { return gatewayThread!.stats.connections; } }
    : gateway;

  return {
    ports: { ocpp: listened?.port ?? null, ocppTls: listened?.tlsPort ?? null, http: httpPort, mqtt: broker?.port ?? null },
    gateway: view,
    store,
    bus,
    adminToken: admin.generated,
    health,
    history,
    messageLog,
    alerts,
    async close() {
      // Order matters: chargers first (their offline shadows are published; every answer sent
      // was synced to the journal), history stores what it can, the journal saves its checkpoint,
      // the bus is flushed, then listeners and storage go. Each step has its share of SHUTDOWN_TIMEOUT and is left behind when it overruns:
      // what was acknowledged is in the journal (or the broker) for the next start.
      const budget = config.SHUTDOWN_TIMEOUT * 1000;
      const slog = log.child({ component: 'shutdown' });
      if (gateway) await within(gateway.close(budget * 0.4), budget * 0.45, 'gateway', slog);
      if (gatewayThread) await within(gatewayThread.closeGateway(budget * 0.4), budget * 0.45, 'gateway', slog);
      // History stores what it can, then the journal saves how far it got.
      if (history) await within(history.stop(budget * 0.2), budget * 0.25, 'history', slog);
      if (messageLog) await within(messageLog.stop(budget * 0.08), budget * 0.1, 'message log', slog);
      if (gatewayThread) await within(gatewayThread.closeRest(), budget * 0.1, 'journal', slog);
      if (alerts) await within(alerts.stop(), budget * 0.05, 'alerts', slog);
      await within(bus.close(), budget * 0.05, 'bus', slog);
      for (const c of closers) await within(c, budget * 0.05, 'http', slog);
      if (broker) await within(broker.close(), budget * 0.05, 'broker', slog);
      await within(store.close(), budget * 0.05, 'store', slog);
    },
  };
}
