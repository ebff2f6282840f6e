/**
 * The gateway role: the OCPP 1.6J Central System endpoint. Stateless apart from its live
 * connections: devices and transactions live in the registry store, telemetry leaves on the bus.
 */
import { observeRefusal } from './metrics.ts';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { ocppTlsSource } from '../common/tls-files.ts';
import { caAnchors, createTlsListener, type TlsListener } from './tls-listener.ts';
import { createTransportReader } from './transport.ts';
import { topicsFor } from '../contracts/topics.ts';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import type { Device } from '../contracts/registry.ts';
import { upgradeEvent } from '../contracts/security-profile-upgrade.ts';
import type { GatewayStore } from './store-port.ts';
import type { Command, CommandReply } from '../contracts/commands.ts';
import { executeCommand } from './commands/execute.ts';
import { createBackpressure, type Backpressure } from './backpressure.ts';
import { createDispatcher } from './dispatch.ts';
import { admit, createHandshakeThrottle } from './handshake.ts';
import { createOcppServer } from './ocpp/server.ts';
import { Burst } from '../common/burst.ts';
import type { LoginStats } from '../common/login-throttle.ts';
import { within } from '../common/deadline.ts';
import type { ChargerSession } from './session.ts';
import { ChargerConnections, openChargerConnection, type Admitted } from './charger-connection.ts';
import { LivenessSweeper } from './liveness.ts';
import { republishStoredShadows } from './republish.ts';
import { createShadowWriter } from './shadow-writer.ts';
import { brokerAckSink, type TelemetrySink } from './telemetry-sink.ts';
import { createCertificateService } from './certificates/service.ts';

export interface GatewayDeps {
  config: Config;
  log: Logger;
  store: GatewayStore;
  bus: Bus;
  /** Where attrs go and when they count as kept; default: after the broker's acknowledgement. */
  telemetry?: TelemetrySink | undefined;
  /**
   * Publish the stored shadow of every device not connected, offline, once at start (issue 16;
   * `republishStored`). Only where this gateway is the only one: another gateway's chargers
   * would be shown offline.
   */
  republishAtStart?: boolean | undefined;
}

export interface Gateway {
  readonly id: string;
  /** The plain ws listener on OCPP_PORT, and the wss one on OCPP_TLS_PORT when OCPP_TLS_CERT_FILE is set. */
  listen(): Promise<{ port: number; tlsPort: number | null }>;
  /**
   * Stops accepting, answers what is in handling and closes every charger with 1001; chargers
   * still open after `deadlineMs` are dropped.
   */
  close(deadlineMs?: number): Promise<void>;
  /**
   * With `republishAtStart`: publishes the stored shadow of every device not connected, once
   * (republish.ts; the composition calls it when every role is up); resolves when done.
   * Otherwise nothing.
   */
  republishStored(): Promise<void>;
  /** Live sessions by chargePointId. */
  sessions(): IterableIterator<ChargerSession>;
  session(chargePointId: string): ChargerSession | undefined;
  /** The registry changed a device (PATCH /devices/{id}): connected sessions see it at once. */
  deviceChanged(device: Device): void;
  /**
   * The registry deleted the device: its connection here, if any, is closed and publishes
   * nothing more (the registry then removes its retained state, which nothing can bring back).
   */
  deviceDeleted(deviceId: string): void;
  /** Number of open OCPP connections. */
  readonly connections: number;
  /** Failed charger authentications (common/login-throttle.ts), for /metrics. */
  readonly auth: LoginStats;
  /** Answers held while the broker is behind (backpressure.ts). */
  readonly backpressure: Pick<Backpressure, 'holding' | 'holds'>;
  /**
   * Runs a command on a charger connected here; null when it is not connected here. Its
   * deadline counts from `acceptedAt` (Date.now() when it was taken off `config`; default now).
   */
  execute(deviceId: string, cmd: Command, acceptedAt?: number): Promise<CommandReply> | null;
  /**
   * Another gateway announced a newer connection of a charger this one still holds (the
   * charger moved, the old socket is a zombie): drop ours without publishing it offline.
   */
  takenOver(deviceId: string, byGateway: string, connectedAt: string): void;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, store, bus } = deps;
  const topics = topicsFor(config.MQTT_TOPIC_LAYOUT);
  const log = deps.log.child({ component: 'gateway' });
  const id = `gw-${randomUUID().slice(0, 8)}`;
  const chargers = new ChargerConnections();
  const telemetry = deps.telemetry ?? brokerAckSink(bus);
  const authThrottle = createHandshakeThrottle(config, log);
  function executeHere(deviceId: string, cmd: Command, acceptedAt = Date.now()): Promise<CommandReply> | null {
    const c = chargers.forDevice(deviceId);
    return c ? executeCommand(c.session, c.client, cmd, { defaultTimeoutMs: config.OCPP_CALL_TIMEOUT_MS, maxQueued: config.OCPP_MAX_QUEUED_COMMANDS, acceptedAt }) : null;
  }
  // Chargers' CSRs and certificate renewal (issue 18): CertificateSigned and the renewal trigger go
  // out as commands through executeHere, like the platform's.
  const certificates = createCertificateService({ config, log, execute: (deviceId, cmd) => executeHere(deviceId, cmd), register: store });
  const dispatch = createDispatcher({ store, config, telemetry, certificates });
  const backpressure = createBackpressure(bus, config.GATEWAY_MAX_PENDING_PUBLISHES, log);
  const shadows = createShadowWriter({ store, log });
  /** Devices with a connection since start: the republish at start leaves their shadow alone. */
  let connectedSinceStart: Set<string> | null = deps.republishAtStart ? new Set() : null;
  let closing = false;
  let http: HttpServer | undefined;
  let tls: TlsListener | undefined;

  /** The shadow a connection starts from: not yet written here, or as the registry has it. */
  async function storedShadow(deviceId: string): Promise<Record<string, unknown> | null> {
    const mine = shadows.pending(deviceId);
    if (mine) return mine as unknown as Record<string, unknown>;
    try {
      return await store.getShadow(deviceId);
    } catch (err) {
      // Never a refused charger for it: the connection starts from the empty shadow.
      log.warn({ err, deviceId }, 'stored shadow not readable: starting from an empty one');
      return null;
    }
  }

  // Every refused handshake (issue 16): counted by reason in /metrics, logged with the remote
  // address, and published for operators on `{DEFAULT_TENANT}:gateway/refusals` (docs/mqtt.md; `/` in the tenant-level layout),
  // at most 10 lines and events per reason and minute (a flood of probes is counted, the rest
  // summarized as `suppressed` in the next one).
  const refusalBursts = new Map<string, Burst>();
  const refusalsTopic = topics.refusals(config.DEFAULT_TENANT);
  const refused = (identity: string | undefined, remoteAddress: string | undefined, status: number, reason: string, device: Device | undefined) => {
    observeRefusal(reason);
    let b = refusalBursts.get(reason);
    if (!b) refusalBursts.set(reason, (b = new Burst(10, 60_000)));
    const t = b.take(Date.now());
    if (!t.ok) return;
    // An identity refused as malformed is shown escaped and cut: it is the peer's text.
    const cp = identity === undefined ? null : reason === 'BAD_IDENTITY' ? JSON.stringify(identity.slice(0, 64)) : identity;
    log.warn({ chargePointId: cp, remoteAddress, status, reason, ...(t.suppressed ? { suppressed: t.suppressed } : {}) }, 'charger handshake refused');
    bus.publish(
      refusalsTopic,
      JSON.stringify({ type: 'handshakeRefused', gateway: id, chargePointId: cp, remoteAddress: remoteAddress ?? null, status, reason, ...(device ? { tenant: device.tenant, deviceId: device.id } : {}), ...(t.suppressed ? { suppressed: t.suppressed } : {}), ts: new Date().toISOString() }),
      { qos: 1 },
    );
  };

  const server = createOcppServer<Admitted>({
    maxPayload: config.OCPP_MAX_FRAME_BYTES,
    transport: createTransportReader({ trustedProxies: config.TRUSTED_PROXIES ?? [], certHeader: config.OCPP_PROXY_CERT_HEADER, anchors: caAnchors(config, log) }),
    async admit(h) {
      const res = await admit(h, { store, config, log, throttle: authThrottle });
      if (res.ok) {
        // A security profile upgrade completed by this connection (gateway/profile-upgrade.ts).
        if (res.upgraded) bus.publish(topics.device(res.device.tenant, res.device.id, 'events'), JSON.stringify(upgradeEvent(res.upgraded, res.device.securityProfile, { remoteAddress: h.remoteAddress })), { qos: 1 });
        return { ok: true, value: { device: res.device, stored: await storedShadow(res.device.id), certificate: h.clientCertificate }, protocol: res.protocol };
      }
      refused(h.identity, h.remoteAddress, res.status, res.reason, res.refused?.device);
      if (res.refused) {
        // The platform sees the attempt too (docs/mqtt.md "events"): a downgrade or a foreign
        // certificate is what an operator wants to hear of (whitepaper A00.FR.408).
        const r = res.refused;
        const type = r.reason === 'PASSWORD_MISSING' || r.reason === 'PASSWORD_WRONG' ? 'handshakeRefused' : 'securityRefused';
        bus.publish(topics.device(r.device.tenant, r.device.id, 'events'), JSON.stringify({ type, reason: r.reason, status: res.status, remoteAddress: r.remoteAddress, secure: r.secure, securityProfile: r.device.securityProfile, ts: new Date().toISOString() }), { qos: 1 });
      }
      return { ok: false, status: res.status, message: res.message };
    },
    onAdmitError(err, identity) {
      log.error({ err, chargePointId: identity }, 'handshake failed');
    },
    accept(ws, upgraded, admitted) {
      connectedSinceStart?.add(admitted.device.id);
      openChargerConnection(ws, upgraded, admitted, { gatewayId: id, config, log: deps.log, bus, topics, telemetry, dispatch, backpressure, certificates, shadows, chargers, closing: () => closing });
    },
  });

  // One clock per charger for keepalive and presence, one sweep over all of them.
  const liveness = new LivenessSweeper(() => chargers.all(), { pingIntervalMs: config.WS_PING_INTERVAL * 1000, toleranceMs: config.HEARTBEAT_TOLERANCE * 1000 });

  return {
    id,
    async listen() {
      // The accept backlog matters: with thousands of chargers
      // reconnecting at once (a gateway restart, a site power cut) Node's default of 511 overflows
      // and the kernel drops or resets connections (bench: 4.6 % of a 36,000-charger ramp).
      // The kernel caps it at net.core.somaxconn (4096 on many Linux hosts).
      const h = createServer({ noDelay: true }, (_req, res) => {
        res.statusCode = 404;
        res.end();
      });
      h.on('upgrade', server.handleUpgrade);
      await new Promise<void>((resolve, reject) => {
        h.once('error', reject);
        h.listen({ port: config.OCPP_PORT, host: config.HOST, backlog: 8192 }, () => {
          h.off('error', reject);
          resolve();
        });
      });
      http = h;
      tls = ocppTlsSource(config) ? createTlsListener(config, log, server.handleUpgrade) : undefined;
      const tlsPort = tls ? await tls.listen() : null;
      liveness.start();
      const addr = http.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.OCPP_PORT;
      log.info({ port, tlsPort, gateway: id }, 'OCPP endpoint listening');
      return { port, tlsPort };
    },
    async close(deadlineMs = 10_000) {
      closing = true;
      connectedSinceStart = null;
      liveness.stop();
      // No new chargers from here on (a reconnect goes to another gateway, if any).
      server.close();
      http?.close();
      tls?.close();
      // 1001 "going away" (RFC 6455 §7.4.1): chargers reconnect, to another gateway if any.
      const all = [...chargers.all()];
      const closed = Promise.all(all.map((c) => c.client.close({ code: 1001, reason: 'Gateway shutting down', awaitPending: true }).catch(() => undefined)));
      if (!(await within(closed, deadlineMs * 0.8, 'close charger connections', log))) {
        // Answers held by a stalled broker or disk: what they acknowledge was never kept, so
        // the chargers resend it after reconnecting.
        for (const c of all) c.client.terminate();
      }
      // The offline shadows of the chargers just closed, for the next start (issue 16).
      await within(Promise.all([bus.flush(), shadows.flush()]), deadlineMs * 0.2, 'flush publishes and shadows of the gateway', log);
    },
    republishStored() {
      const seen = connectedSinceStart;
      if (!seen) return Promise.resolve();
      const t0 = Date.now();
      return republishStoredShadows({ store, bus, shadows, topics, seen, stopped: () => closing }).then(
        (n) => log.info({ devices: n, ms: Date.now() - t0 }, 'stored shadows of the chargers not connected republished'),
        (err: unknown) => log.error({ err }, 'republishing the stored shadows failed'),
      ).finally(() => {
        if (connectedSinceStart === seen) connectedSinceStart = null;
      });
    },
    sessions: () => [...chargers.current()].map((c) => c.session)[Symbol.iterator](),
    session: (cpId) => chargers.get(cpId)?.session,
    deviceChanged(device) {
      const c = chargers.get(device.chargePointId);
      if (c) c.session.device = device;
    },
    deviceDeleted(deviceId) {
      const c = chargers.forDevice(deviceId);
      if (!c) return;
      c.session.log.info('device deleted in the registry: closing its connection');
      c.forget('Device deleted');
    },
    get connections() {
      return chargers.size;
    },
    backpressure,
    auth: authThrottle.stats,
    execute: executeHere,
    takenOver(deviceId, byGateway, connectedAt) {
      const c = chargers.forDevice(deviceId);
      if (!c || byGateway === id || !c.session.shadow.connectedAt || connectedAt <= c.session.shadow.connectedAt) return;
      c.session.log.warn({ byGateway }, 'charger reconnected to another gateway: dropping this connection');
      c.replace('Reconnected elsewhere');
    },
  };
}
