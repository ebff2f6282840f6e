/**
 * One connected charger: its device record (read once at the handshake, so the hot path does
 * no storage round-trip), its shadow, and the three topics it publishes on. The session only
 * publishes; what to publish is decided by the handlers and the pure builders.
 */
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import type { Device } from '../contracts/registry.ts';
import type { NormalizedSample } from './meter-values/normalize.ts';
import { attrsPayload, eventPayload, ocppEventPayload, type AttrsContext, type GatewayEvent } from '../contracts/payloads.ts';
import { emptyShadow, reduceShadow, type Shadow, type ShadowEvent } from './shadow.ts';
import { persists } from './shadow-restore.ts';
import type { Topics } from '../contracts/topics.ts';
import type { TelemetrySink, Ticket } from './telemetry-sink.ts';
import type { ProtocolAdapter } from './protocols/adapter.ts';

const QOS1 = { qos: 1 } as const;
const RETAINED = { qos: 1, retain: true } as const;

export interface SessionOptions {
  device: Device;
  adapter: ProtocolAdapter;
  bus: Bus;
  log: Logger;
  /** HEARTBEAT_TOLERANCE, named in the `offline` event. */
  toleranceSeconds: number;
  telemetry: TelemetrySink;
  /** The topic layout (MQTT_TOPIC_LAYOUT) its attrs, events and state go to. */
  topics: Topics;
  /** The shadow it starts from (restored or taken over: charger-connection.ts); default the empty one. */
  shadow?: Shadow | undefined;
  /** The running transactions' registers taken over from the connection this one replaces. */
  registers?: Map<number, number> | undefined;
  /**
   * Where a changed shadow is kept for the next connection (shadow-writer.ts); presence
   * refreshes are not (shadow-restore.ts `persists`). Dropped once the session is replaced.
   */
  persist?: ((s: Shadow) => void) | undefined;
}

export class ChargerSession {
  shadow: Shadow;
  /** Date.now() of the `lastSeen` last published in the shadow (server clock). */
  private publishedSeenMs = 0;
  /**
   * The last register reading (Energy.Active.Import.Register, Wh) of each transaction started on
   * this connection and not stopped yet, for closing one the charger never stops (reconcile.ts).
   * Only transactions the charger started here are tracked, so it holds at most one per connector.
   */
  readonly registers: Map<number, number>;
  private replacedBy = false;
  private forgotten = false;
  private persist: ((s: Shadow) => void) | undefined;
  /** The last attrs publish of the exchange in handling, for dispatch to wait on (telemetry-sink.ts). */
  private ticket: Ticket | undefined;
  private readonly attrsTopic: string;
  private readonly eventsTopic: string;
  private readonly stateTopic: string;
  device: Device;
  /** The OCPP version of this connection, chosen at the handshake (protocols/adapter.ts). */
  readonly adapter: ProtocolAdapter;
  /**
   * OCPP 2.x: the actions a TriggerMessage asked for while the boot is Pending, which the
   * station may then send (B02.FR.09; dispatch.ts).
   */
  readonly triggered = new Set<string>();
  private readonly bus: Bus;
  readonly log: Logger;
  private readonly toleranceSeconds: number;
  private readonly telemetry: TelemetrySink;

  constructor(o: SessionOptions) {
    const { device } = o;
    this.device = device;
    this.adapter = o.adapter;
    this.bus = o.bus;
    this.log = o.log;
    this.toleranceSeconds = o.toleranceSeconds;
    this.telemetry = o.telemetry;
    this.persist = o.persist;
    this.registers = o.registers ?? new Map();
    this.attrsTopic = o.topics.device(device.tenant, device.id, 'attrs');
    this.eventsTopic = o.topics.device(device.tenant, device.id, 'events');
    this.stateTopic = o.topics.device(device.tenant, device.id, 'state');
    this.shadow = o.shadow ?? emptyShadow(device);
  }

  /** Set when a newer connection with the same identity (here or on another gateway) took over. */
  get replaced(): boolean {
    return this.replacedBy;
  }

  /** A newer connection took over: this one publishes no presence and keeps no shadow any more. */
  replace(): void {
    this.replacedBy = true;
    this.persist = undefined;
  }

  /**
   * Its device was deleted: from now on it publishes no shadow at all (not even the offline one
   * of its close), so that nothing retained outlives the device's removal.
   */
  forget(): void {
    this.forgotten = true;
  }

  get protocol(): string {
    return this.adapter.protocol;
  }

  get chargePointId(): string {
    return this.device.chargePointId;
  }

  get online(): boolean {
    return this.shadow.online;
  }

  /** Applies a shadow event and publishes the shadow, retained. */
  update(e: ShadowEvent): void {
    if (this.forgotten) return;
    const wasOnline = this.shadow.online;
    this.shadow = reduceShadow(this.shadow, e);
    if (this.persist && persists(e.type, wasOnline)) this.persist(this.shadow);
    if (e.type !== 'disconnected') this.publishedSeenMs = Date.parse(e.at);
    this.bus.publish(this.stateTopic, JSON.stringify(this.shadow), RETAINED);
  }

  event(e: GatewayEvent, ts = new Date().toISOString()): void {
    this.bus.publish(this.eventsTopic, eventPayload(e, ts), QOS1);
  }

  /** The event of an inbound exchange, with the request as the charger sent it (contracts/payloads.ts). */
  ocppEvent(e: Extract<GatewayEvent, { type: 'ocpp' }>, requestText: string | undefined): void {
    this.bus.publish(this.eventsTopic, ocppEventPayload(e, e.respondedAt, requestText), QOS1);
  }

  attrs(sample: NormalizedSample, ctx: AttrsContext): void {
    this.ticket = this.telemetry.publish(this.attrsTopic, attrsPayload(sample, ctx));
  }

  /** The ticket of the last attrs published since the previous call (one exchange's telemetry). */
  takeTicket(): Ticket | undefined {
    const t = this.ticket;
    this.ticket = undefined;
    return t;
  }

  /** Silent past the heartbeat tolerance (liveness.ts); `lastHeardMs` is the connection's clock. */
  markOffline(now: number, lastHeardMs: number): void {
    this.update({ type: 'disconnected', at: new Date(now).toISOString(), reason: 'heartbeatTimeout' });
    this.event({ type: 'offline', reason: 'heartbeatTimeout', lastSeen: new Date(lastHeardMs).toISOString(), toleranceSeconds: this.toleranceSeconds });
    this.log.warn({ lastSeen: lastHeardMs }, 'charger silent past heartbeat tolerance: offline');
  }

  /**
   * The charger sent something (a CALL, an answer to our command, a pong: the connection's
   * onHeard): cheap unless it had been flagged offline, which this undoes.
   */
  heard(now: number): void {
    if (!this.shadow.online && !this.replacedBy) this.update({ type: 'seen', at: new Date(now).toISOString() });
  }

  /**
   * The shadow's `lastSeen` is at most `maxAgeMs` behind what was heard: a charger that only
   * answers pings and commands publishes no shadow of its own accord (liveness.ts sweep).
   */
  refreshSeen(lastHeardMs: number, maxAgeMs: number): void {
    if (this.shadow.online && !this.replacedBy && lastHeardMs - this.publishedSeenMs > maxAgeMs) this.update({ type: 'seen', at: new Date(lastHeardMs).toISOString() });
  }
}
