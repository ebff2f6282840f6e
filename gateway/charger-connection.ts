/**
 * One charger's connection, from admission to close, in one place: the OCPP-J connection
 * (common/ocpp-j/connection.ts) and the charger's session (session.ts) are made together once
 * the handshake is accepted, wired to each other through the connection's constructor options
 * (never fields assigned afterwards), registered with the gateway's live connections, and
 * unregistered when the socket closes. Liveness (keepalive and presence: liveness.ts) reads the
 * connection's one clock through this object.
 *
 * The lifecycle:
 * 1. admitted: the handshake (handshake.ts) found the device; its stored shadow was read.
 * 2. open: the session starts from the last known shadow (a charger reconnecting mid-session
 *    sends no BootNotification: OCPP 1.6 §4.2, §4.9); a previous connection of the same
 *    identity is replaced (its shadow and registers carried over, it is closed); `connected`
 *    is published.
 * 3. live: every CALL goes through dispatch; anything the charger sends moves the clock and
 *    undoes an `offline`; bad frames and 2.1 CALLRESULTERRORs become events.
 * 4. closed: unregistered; `disconnected` published unless a newer connection took over.
 */
import type WebSocket from 'ws';
import { OcppConnection, type InboundCall } from '../common/ocpp-j/connection.ts';
import { wireCode } from '../common/ocpp-j/error-codes.ts';
import { Burst } from '../common/burst.ts';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import type { Topics } from '../contracts/topics.ts';
import type { Device } from '../contracts/registry.ts';
import type { Backpressure } from './backpressure.ts';
import type { CertificateService } from './certificates/service.ts';
import type { ClientCertificate } from './client-certificate.ts';
import type { LivenessTarget } from './liveness.ts';
import type { Upgraded } from './ocpp/server.ts';
import { adapterFor } from './protocols/index.ts';
import { ChargerSession } from './session.ts';
import { restoreShadow } from './shadow-restore.ts';
import type { ShadowWriter } from './shadow-writer.ts';
import type { TelemetrySink } from './telemetry-sink.ts';

/** What the handshake hands the connection: the device and its stored shadow. */
export interface Admitted {
  device: Device;
  stored: Record<string, unknown> | null;
  /** The client certificate it was admitted with (profile 3), for its renewal (certificates/). */
  certificate: ClientCertificate | null;
}

export interface ChargerConnectionDeps {
  /** This gateway's id, named in the `connected`, `replaced` and `disconnected` events. */
  gatewayId: string;
  config: Pick<Config, 'OCPP_CALL_TIMEOUT_MS' | 'OCPP_MAX_INFLIGHT_CALLS' | 'HEARTBEAT_TOLERANCE'>;
  /** The root logger: each charger gets its child (chargePointId, deviceId). */
  log: Logger;
  bus: Bus;
  /** The topic layout (MQTT_TOPIC_LAYOUT). */
  topics: Topics;
  telemetry: TelemetrySink;
  /** gateway/dispatch.ts: one inbound CALL of the session, answered. */
  dispatch: (session: ChargerSession, call: InboundCall) => Promise<unknown>;
  backpressure: Pick<Backpressure, 'hold'>;
  certificates: Pick<CertificateService, 'connected' | 'answered' | 'closed'>;
  shadows: Pick<ShadowWriter, 'pending' | 'save'>;
  /** Where the connection is registered while open. */
  chargers: ChargerConnections;
  /** The gateway is shutting down: a close is published as `shutdown`, not `closed`. */
  closing(): boolean;
}

/** A charger's OCPP-J connection and session, as one liveness target. */
export class ChargerConnection implements LivenessTarget {
  readonly session: ChargerSession;
  readonly client: OcppConnection;

  constructor(session: ChargerSession, client: OcppConnection) {
    this.session = session;
    this.client = client;
  }

  get lastHeardMs(): number {
    return this.client.lastHeardMs;
  }
  get pingSentMs(): number | undefined {
    return this.client.pingSentMs;
  }
  get readingPaused(): boolean {
    return this.client.readingPaused;
  }
  get present(): boolean {
    return this.session.online && !this.session.replaced;
  }
  ping(now: number): void {
    this.client.ping(now);
  }
  terminate(): void {
    this.client.terminate();
  }
  markOffline(now: number, lastHeardMs: number): void {
    this.session.markOffline(now, lastHeardMs);
  }
  refreshSeen(lastHeardMs: number, maxAgeMs: number): void {
    this.session.refreshSeen(lastHeardMs, maxAgeMs);
  }

  /** Its device was deleted: no shadow from this connection any more, and it is closed. */
  forget(reason: string): void {
    this.session.forget();
    this.replace(reason);
  }

  /** A newer connection of the same charger took over: no presence or shadow from this one any more, and it is closed. */
  replace(reason: string): void {
    this.session.replace();
    this.client.close({ code: 1000, reason }).catch(() => undefined);
  }
}

/**
 * The gateway's live connections: the current one per identity and per device, and every open
 * one (a replaced connection stays open until its socket closes, and is still kept alive or
 * dropped by the keepalive).
 */
export class ChargerConnections {
  private readonly byChargePoint = new Map<string, ChargerConnection>();
  private readonly byDevice = new Map<string, ChargerConnection>();
  private readonly open = new Set<ChargerConnection>();

  /** The current connection of a charge point identity. */
  get(chargePointId: string): ChargerConnection | undefined {
    return this.byChargePoint.get(chargePointId);
  }
  forDevice(deviceId: string): ChargerConnection | undefined {
    return this.byDevice.get(deviceId);
  }
  /** Current connections (one per identity). */
  get size(): number {
    return this.byChargePoint.size;
  }
  current(): IterableIterator<ChargerConnection> {
    return this.byChargePoint.values();
  }
  /** Every open connection, replaced ones included: the liveness sweep's targets. */
  all(): IterableIterator<ChargerConnection> {
    return this.open.values();
  }

  /** Registers `c` as its identity's and device's current connection; returns the one it replaces. */
  add(c: ChargerConnection): ChargerConnection | undefined {
    const { chargePointId } = c.session;
    const prev = this.byChargePoint.get(chargePointId);
    this.byChargePoint.set(chargePointId, c);
    this.byDevice.set(c.session.device.id, c);
    this.open.add(c);
    return prev;
  }

  /** `c` closed: forgotten, unless a newer connection already holds its identity or device. */
  remove(c: ChargerConnection, chargePointId: string, deviceId: string): void {
    this.open.delete(c);
    if (this.byChargePoint.get(chargePointId) === c) this.byChargePoint.delete(chargePointId);
    if (this.byDevice.get(deviceId) === c) this.byDevice.delete(deviceId);
  }
}

/**
 * Steps 2 to 4 of the lifecycle for an admitted charger's open socket (called before any frame
 * is read: gateway/ocpp/server.ts `accept`).
 */
export function openChargerConnection(ws: WebSocket, upgraded: Upgraded, admitted: Admitted, deps: ChargerConnectionDeps): ChargerConnection {
  const { config, bus, gatewayId } = deps;
  const { device, stored, certificate } = admitted;
  // The closures below outlive the handshake: they capture ids, never `device`, which the
  // session replaces after BootNotification (a captured one would keep a second copy). The
  // chargePointId too may change with the device (PATCH), so the one registered is kept here.
  const cpId = device.chargePointId;
  const deviceId = device.id;
  const clog = deps.log.child({ chargePointId: cpId, deviceId });
  const prev = deps.chargers.get(cpId);
  // The last known shadow (issue 16): marked since the read, if anything was, which is newer
  // than what the registry answered; from the connection it replaces, if any.
  const shadow = prev ? prev.session.shadow : restoreShadow(device, (deps.shadows.pending(deviceId) as unknown as Record<string, unknown> | undefined) ?? stored);
  const session = new ChargerSession({
    device,
    adapter: adapterFor(upgraded.protocol),
    bus,
    log: clog,
    toleranceSeconds: config.HEARTBEAT_TOLERANCE,
    telemetry: deps.telemetry,
    topics: deps.topics,
    shadow,
    registers: prev?.session.registers,
    persist: deps.shadows.save,
  });

  // A charger repeating bad frames gets 5 events and log lines a minute, then a count.
  let badFrames: Burst | undefined;
  const client = new OcppConnection(ws, {
    protocol: upgraded.protocol,
    remoteAddress: upgraded.remoteAddress,
    defaultTimeoutMs: config.OCPP_CALL_TIMEOUT_MS,
    maxInbound: config.OCPP_MAX_INFLIGHT_CALLS,
    // Presence from any frame of the charger, answers and pongs included (issue 16).
    onHeard: (now) => session.heard(now),
    handler: (call) =>
      deps.dispatch(session, call).then((response) => {
        deps.certificates.answered(session);
        const held = deps.backpressure.hold();
        return held ? held.then(() => response) : response;
      }),
    onBadMessage(frame, error) {
      const r = (badFrames ??= new Burst(5, 60_000)).take(Date.now());
      if (r.suppressed) clog.warn({ suppressed: r.suppressed }, 'more bad OCPP frames in the last minute were not logged');
      if (!r.ok) return;
      const code = wireCode(upgraded.protocol, error.rpcErrorCode ?? 'RpcFrameworkError');
      session.event({ type: 'badMessage', error: { code, message: error.message.slice(0, 255) }, frame: frame.toString('utf8', 0, Math.min(frame.length, 512)) });
      // No stack: the fault is the charger's, and a 3-byte frame must not cost a KiB of log.
      clog.warn({ code, reason: error.message.slice(0, 255), bytes: frame.length }, 'bad OCPP frame');
    },
    // OCPP-J 2.1 CALLRESULTERROR: the charger could not use one of our answers.
    onResultError(messageId, error) {
      const code = wireCode(upgraded.protocol, error.rpcErrorCode);
      session.event({ type: 'resultRefused', messageId, error: { code, message: error.message.slice(0, 255) } });
      clog.warn({ messageId, code, reason: error.message.slice(0, 255) }, 'charger refused our CALLRESULT (CALLRESULTERROR)');
    },
    onClose(code, reason) {
      deps.chargers.remove(conn, cpId, deviceId);
      deps.certificates.closed(session);
      session.event({ type: 'disconnected', code, reason, gateway: gatewayId });
      if (!session.replaced) session.update({ type: 'disconnected', at: new Date().toISOString(), reason: deps.closing() ? 'shutdown' : 'closed' });
      clog.info({ code, reason }, 'charger disconnected');
    },
  });
  const conn = new ChargerConnection(session, client);

  if (prev) {
    // Same identity again (interface.md "Bad input"): the new connection wins; the old one
    // is often a zombie socket the charger already gave up on.
    prev.session.event({ type: 'replaced', gateway: gatewayId });
    prev.replace('Replaced by a new connection');
    clog.warn('connection replaced by a new one with the same identity');
  }
  deps.chargers.add(conn);
  session.update({ type: 'connected', at: new Date().toISOString(), protocol: session.protocol, gateway: gatewayId });
  session.event({ type: 'connected', remoteAddress: client.remoteAddress, protocol: session.protocol, gateway: gatewayId });
  clog.info({ remoteAddress: client.remoteAddress }, 'charger connected');
  deps.certificates.connected(session, certificate);
  return conn;
}
