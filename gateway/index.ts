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
import { deviceTopic } from '../contracts/topics.ts';
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
import type { OcppConnection } from '../common/ocpp-j/connection.ts';
import { createOcppServer } from './ocpp/server.ts';
import { Burst } from '../common/burst.ts';
import type { LoginStats } from '../common/login-throttle.ts';
import { within } from '../common/deadline.ts';
import { wireCode } from '../common/ocpp-j/error-codes.ts';
import { PresenceSweeper } from './presence.ts';
import { ChargerSession } from './session.ts';
import { adapterFor } from './protocols/index.ts';
import { republishStoredShadows } from './republish.ts';
import { restoreShadow } from './shadow-restore.ts';
import { createShadowWriter } from './shadow-writer.ts';
import { brokerAckSink, type TelemetrySink } from './telemetry-sink.ts';
import { createCertificateService } from './certificates/service.ts';
import type { ClientCertificate } from './client-certificate.ts';

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

/** What the handshake hands the connection: the device and its stored shadow. */
interface Admitted {
  device: Device;
  stored: Record<string, unknown> | null;
  /** The client certificate it was admitted with (profile 3), for its renewal (certificates/). */
  certificate: ClientCertificate | null;
}

interface Connection {
  session: ChargerSession;
  client: OcppConnection;
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
  const log = deps.log.child({ component: 'gateway' });
  const id = `gw-${randomUUID().slice(0, 8)}`;
  const conns = new Map<string, Connection>();
  const byDevice = new Map<string, Connection>();
  const telemetry = deps.telemetry ?? brokerAckSink(bus);
  const authThrottle = createHandshakeThrottle(config, log);
  function executeHere(deviceId: string, cmd: Command, acceptedAt = Date.now()): Promise<CommandReply> | null {
    const c = byDevice.get(deviceId);
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
  // address, and published for operators on `{DEFAULT_TENANT}:gateway/refusals` (docs/mqtt.md),
  // at most 10 lines and events per reason and minute (a flood of probes is counted, the rest
  // summarized as `suppressed` in the next one).
  const refusalBursts = new Map<string, Burst>();
  const refusalsTopic = `${config.DEFAULT_TENANT}:gateway/refusals`;
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
    callTimeoutMs: config.OCPP_CALL_TIMEOUT_MS,
    maxInFlightCalls: config.OCPP_MAX_INFLIGHT_CALLS,
    pingIntervalMs: config.WS_PING_INTERVAL * 1000,
    maxPayload: config.OCPP_MAX_FRAME_BYTES,
    transport: createTransportReader({ trustedProxies: config.TRUSTED_PROXIES ?? [], certHeader: config.OCPP_PROXY_CERT_HEADER, anchors: caAnchors(config, log) }),
    async admit(h) {
      const res = await admit(h, { store, config, log, throttle: authThrottle });
      if (res.ok) {
        // A security profile upgrade completed by this connection (gateway/profile-upgrade.ts).
        if (res.upgraded) bus.publish(deviceTopic(res.device.tenant, res.device.id, 'events'), JSON.stringify(upgradeEvent(res.upgraded, res.device.securityProfile, { remoteAddress: h.remoteAddress })), { qos: 1 });
        return { ok: true, value: { device: res.device, stored: await storedShadow(res.device.id), certificate: h.clientCertificate }, protocol: res.protocol };
      }
      refused(h.identity, h.remoteAddress, res.status, res.reason, res.refused?.device);
      if (res.refused) {
        // The platform sees the attempt too (docs/mqtt.md "events"): a downgrade or a foreign
        // certificate is what an operator wants to hear of (whitepaper A00.FR.408).
        const r = res.refused;
        const type = r.reason === 'PASSWORD_MISSING' || r.reason === 'PASSWORD_WRONG' ? 'handshakeRefused' : 'securityRefused';
        bus.publish(deviceTopic(r.device.tenant, r.device.id, 'events'), JSON.stringify({ type, reason: r.reason, status: res.status, remoteAddress: r.remoteAddress, secure: r.secure, securityProfile: r.device.securityProfile, ts: new Date().toISOString() }), { qos: 1 });
      }
      return { ok: false, status: res.status, message: res.message };
    },
    onAdmitError(err, identity) {
      log.error({ err, chargePointId: identity }, 'handshake failed');
    },
    onConnection(client, { device, stored, certificate }) {
      // The closures below outlive the handshake: they capture ids, never `device`, which the
      // session replaces after BootNotification (a captured one would keep a second copy).
      const cpId = device.chargePointId;
      const deviceId = device.id;
      const clog = deps.log.child({ chargePointId: cpId, deviceId });
      const session = new ChargerSession(device, adapterFor(client.protocol), bus, clog, config.HEARTBEAT_TOLERANCE, telemetry);
      // The last known shadow (issue 16): a charger reconnecting mid-session sends no
      // BootNotification or StatusNotification (OCPP 1.6 §4.2, §4.9). Marked since the read, if
      // anything was: newer than what the registry answered.
      session.shadow = restoreShadow(device, (shadows.pending(deviceId) as unknown as Record<string, unknown> | undefined) ?? stored);
      session.persist = shadows.save;
      connectedSinceStart?.add(deviceId);
      const prev = conns.get(cpId);
      if (prev) {
        // Same identity again (interface.md "Bad input"): the new connection wins; the old one
        // is often a zombie socket the charger already gave up on.
        prev.session.replaced = true;
        prev.session.persist = undefined;
        session.shadow = prev.session.shadow;
        session.registers = prev.session.registers;
        prev.session.event({ type: 'replaced', gateway: id });
        prev.client.close({ code: 1000, reason: 'Replaced by a new connection' }).catch(() => undefined);
        clog.warn('connection replaced by a new one with the same identity');
      }
      const conn = { session, client };
      conns.set(cpId, conn);
      byDevice.set(deviceId, conn);
      const at = new Date().toISOString();
      session.update({ type: 'connected', at, protocol: session.protocol, gateway: id });
      session.event({ type: 'connected', remoteAddress: client.remoteAddress, protocol: session.protocol, gateway: id });
      clog.info({ remoteAddress: client.remoteAddress }, 'charger connected');
      certificates.connected(session, certificate);

      // Presence from any frame of the charger, answers and pongs included (issue 16).
      client.onHeard = (now) => session.touch(now);
      client.handler = (call) =>
        dispatch(session, call).then((response) => {
          certificates.answered(session);
          const held = backpressure.hold();
          return held ? held.then(() => response) : response;
        });
      // A charger repeating bad frames gets 5 events and log lines a minute, then a count.
      let badFrames: Burst | undefined;
      client.onBadMessage = (frame, error) => {
        const b = (badFrames ??= new Burst(5, 60_000));
        const r = b.take(Date.now());
        if (r.suppressed) clog.warn({ suppressed: r.suppressed }, 'more bad OCPP frames in the last minute were not logged');
        if (!r.ok) return;
        const code = wireCode(client.protocol, error.rpcErrorCode ?? 'RpcFrameworkError');
        session.event({ type: 'badMessage', error: { code, message: error.message.slice(0, 255) }, frame: frame.toString('utf8', 0, Math.min(frame.length, 512)) });
        // No stack: the fault is the charger's, and a 3-byte frame must not cost a KiB of log.
        clog.warn({ code, reason: error.message.slice(0, 255), bytes: frame.length }, 'bad OCPP frame');
      };
      // OCPP-J 2.1 CALLRESULTERROR: the charger could not use one of our answers.
      client.onResultError = (messageId, error) => {
        const code = wireCode(client.protocol, error.rpcErrorCode);
        session.event({ type: 'resultRefused', messageId, error: { code, message: error.message.slice(0, 255) } });
        clog.warn({ messageId, code, reason: error.message.slice(0, 255) }, 'charger refused our CALLRESULT (CALLRESULTERROR)');
      };
      client.onClose = (code, reason) => {
        if (conns.get(cpId)?.session === session) conns.delete(cpId);
        if (byDevice.get(deviceId)?.session === session) byDevice.delete(deviceId);
        certificates.closed(session);
        session.event({ type: 'disconnected', code, reason, gateway: id });
        if (!session.replaced) {
          session.update({ type: 'disconnected', at: new Date().toISOString(), reason: closing ? 'shutdown' : 'closed' });
        }
        clog.info({ code, reason }, 'charger disconnected');
      };
    },
  });


  const presence = new PresenceSweeper(function* () {
    for (const c of conns.values()) yield c.session;
  }, config.HEARTBEAT_TOLERANCE * 1000);

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
      presence.start();
      const addr = http.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.OCPP_PORT;
      log.info({ port, tlsPort, gateway: id }, 'OCPP endpoint listening');
      return { port, tlsPort };
    },
    async close(deadlineMs = 10_000) {
      closing = true;
      connectedSinceStart = null;
      presence.stop();
      // No new chargers from here on (a reconnect goes to another gateway, if any).
      server.close();
      http?.close();
      tls?.close();
      // 1001 "going away" (RFC 6455 §7.4.1): chargers reconnect, to another gateway if any.
      const all = [...conns.values()];
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
      return republishStoredShadows({ store, bus, shadows, seen, stopped: () => closing }).then(
        (n) => log.info({ devices: n, ms: Date.now() - t0 }, 'stored shadows of the chargers not connected republished'),
        (err: unknown) => log.error({ err }, 'republishing the stored shadows failed'),
      ).finally(() => {
        if (connectedSinceStart === seen) connectedSinceStart = null;
      });
    },
    sessions: () => [...conns.values()].map((c) => c.session)[Symbol.iterator](),
    session: (cpId) => conns.get(cpId)?.session,
    deviceChanged(device) {
      const c = conns.get(device.chargePointId);
      if (c) c.session.device = device;
    },
    get connections() {
      return conns.size;
    },
    backpressure,
    auth: authThrottle.stats,
    execute: executeHere,
    takenOver(deviceId, byGateway, connectedAt) {
      const c = byDevice.get(deviceId);
      if (!c || byGateway === id || !c.session.shadow.connectedAt || connectedAt <= c.session.shadow.connectedAt) return;
      c.session.replaced = true;
      c.session.persist = undefined;
      c.session.log.warn({ byGateway }, 'charger reconnected to another gateway: dropping this connection');
      c.client.close({ code: 1000, reason: 'Reconnected elsewhere' }).catch(() => undefined);
    },
  };
}
