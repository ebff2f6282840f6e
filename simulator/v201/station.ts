/**
 * One simulated OCPP 2.0.1 or 2.1 charging station over a real WebSocket and the project's lean
 * OCPP-J channel (common/ocpp-j/connection.ts), beside the 1.6 charge point of
 * simulator/charger.ts and with the same physics (simulator/profiles.ts): an AC wallbox with one
 * EVSE, a DC charger with two, one connector each.
 *
 * Boot (B01-B03): BootNotification, retried after `interval` while Pending or Rejected; once
 * Accepted, a StatusNotification per connector, Heartbeat at the interval, and sessions as
 * TransactionEvents: Started (Authorized, or RemoteStart with its remoteStartId), Updated every
 * SampledDataCtrlr.TxUpdatedInterval with the values of the 1.6 profile (meter.ts; the DC
 * charger's temperature, no measurand in 2.0.1, is its device model's AcDcConverter.Temperature),
 * Ended with its stoppedReason and the register reading (Transaction.End); seqNo from 0, +1 per
 * message of a transaction. Transaction messages go out in order, one at a time, and are kept
 * while offline (tx-queue.ts). After a lost connection the station reconnects with
 * the back-off of OCPP-J 2.0.1 part 4 §5.3 and, as §5.3 asks, sends no new BootNotification:
 * it reports its connectors again and goes on. A reboot (Reset) boots again.
 *
 * 2.1 stations also stream the EVSE's power during a session: NotifyPeriodicEventStream as an
 * OCPP-J 2.1 SEND every interval (streams.ts).
 *
 * The answers to the CSMS's commands are in commands.ts, the device model in device-model.ts
 * and variables.ts, the charging profiles in charging-profiles.ts.
 */
import { randomUUID } from 'node:crypto';
import { createRPCError } from 'ocpp-rpc';
import type WebSocket from 'ws';
import { OcppConnection, type CallHandler } from '../../common/ocpp-j/connection.ts';
import type { SimStats } from '../charger.ts';
import { newSession, PROFILES, type Profile, type ProfileName } from '../profiles.ts';
import { ChargingProfiles } from './charging-profiles.ts';
import { commandTable } from './commands.ts';
import { DeviceModel } from './device-model.ts';
import { connectorStatus, newEvse, sameToken, type Evse, type Transaction } from './evse.ts';
import { fallbackAnswer } from './fallback.ts';
import { openSocket } from './open-socket.ts';
import { energyRegister, powerSamples, sampleSession, withMeasurands } from './meter.ts';
import { PeriodicStreams } from './streams.ts';
import { TxQueue, type TxAnswer } from './tx-queue.ts';
import type { BootNotificationResponse, BootReason, ChargingProfile, IdToken, IdTokenInfo, MeterValue, Protocol201, ReadingContext, StoppedReason, TransactionEventRequest, TriggerReason } from './types.ts';
import { stationVariables } from './variables.ts';

export interface StationOptions {
  url: string;
  identity: string;
  profile: ProfileName;
  protocol: Protocol201;
  /** TxUpdatedInterval during a session, seconds. */
  intervalS: number;
  password?: string | undefined;
  localAddress?: string | undefined;
  /** Session length range, seconds; `Infinity` keeps one session running (benchmarks). */
  sessionS?: [number, number];
  /** Idle time between sessions, seconds. */
  idleS?: [number, number];
  reconnect?: boolean;
  /** Start a new session by itself after one ends (default true). */
  restartSessions?: boolean;
  rand?: () => number;
  stats: SimStats;
  /** Called before sending each meterValue element, with its timestamp (the benchmark matches it on the MQTT side). */
  onMeterValues?: (identity: string, timestamp: string, sentAt: number) => void;
}

/** EVSEs per profile, one connector each. */
export const EVSES: Readonly<Record<ProfileName, number>> = { ac: 1, dc: 2 };

const RESERVOIR = 200_000;

export class SimStation {
  readonly profile: Profile;
  readonly protocol: Protocol201;
  readonly model: DeviceModel;
  readonly evses: Evse[];
  readonly chargingProfiles: ChargingProfiles;
  readonly localList = new Map<string, { idToken: IdToken; idTokenInfo: IdTokenInfo }>();
  localListVersion = 0;
  /** Firmware update and log upload in progress (TriggerMessage reports them). */
  firmware: { status: string; requestId?: number; flow: number } = { status: 'Idle', flow: 0 };
  log: { status: string; requestId?: number; flow: number } = { status: 'Idle', flow: 0 };
  bootAccepted = false;
  /** Reset OnIdle during a transaction: reboot when the last one ends. */
  resetPending = false;

  private client: OcppConnection | null = null;
  private online = false;
  private stopped = false;
  private rebooting = false;
  private bootReason: BootReason = 'PowerUp';
  private resumeAfterBoot = false;
  private attempts = 0;
  private timers = new Set<NodeJS.Timeout>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private bootTimer: NodeJS.Timeout | null = null;
  private readonly txQueue: TxQueue;
  readonly streams: PeriodicStreams;
  private readonly rand: () => number;
  readonly o: StationOptions;

  constructor(o: StationOptions) {
    this.o = o;
    this.profile = PROFILES[o.profile];
    this.protocol = o.protocol;
    this.rand = o.rand ?? Math.random;
    this.chargingProfiles = new ChargingProfiles(o.profile === 'ac');
    this.evses = Array.from({ length: EVSES[o.profile] }, (_, i) => newEvse(i + 1, this.profile.initialEnergyWh * (0.5 + this.rand())));
    this.txQueue = new TxQueue({
      ready: () => this.online && this.bootAccepted && !(this.stopped && !this.rebooting),
      online: () => this.online,
      send: (params) => this.call<TxAnswer>('TransactionEvent', params),
      // Counted once answered: each must reach MQTT (bench "lost").
      answered: (params) => void (this.o.stats.meterValues += powerSamples(params.meterValue)),
      fail: (err) => this.fail(err),
    });
    this.streams = new PeriodicStreams({
      call: (action, params) => this.call(action, params),
      fail: (err) => this.fail(err),
      socket: () => (this.online ? this.client?.ws : undefined),
      sent: () => void this.o.stats.sends++,
    });
    this.model = new DeviceModel(
      stationVariables(
        { identity: o.identity, profile: this.profile, evses: this.evses.length, serialNumber: this.serialNumber, intervalS: o.intervalS, securityProfile: o.password ? 1 : 0 },
        {
          stationAvailability: () => (this.evses.every((e) => !e.operative) ? 'Unavailable' : 'Available'),
          evseAvailability: (id) => connectorStatus(this.evses[id - 1]!),
          connectorAvailability: (id) => connectorStatus(this.evses[id - 1]!),
          evsePowerW: (id) => this.evses[id - 1]!.powerW,
          evseTemperatureC: (id) => this.evses[id - 1]!.temperatureC,
          localListEntries: () => this.localList.size,
          chargingProfiles: () => this.chargingProfiles.count,
        },
      ),
    );
  }

  get identity(): string {
    return this.o.identity;
  }

  get isOnline(): boolean {
    return this.online;
  }

  get serialNumber(): string {
    return `SIM-${this.o.identity}`.slice(0, 25);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  // ---- timers, calls ----

  /** Runs `fn` after `ms`; nothing new is scheduled once quiesced or stopped. */
  later(ms: number, fn: () => unknown): NodeJS.Timeout | null {
    if (this.stopped && !this.rebooting) return null;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void Promise.resolve(fn()).catch((err: unknown) => this.fail(err));
    }, Math.min(ms, 2_147_483_647));
    this.timers.add(t);
    return t;
  }

  private cancel(t: NodeJS.Timeout | null): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  fail(err: unknown): void {
    this.o.stats.lastError = (err as Error)?.message ?? String(err);
  }

  async call<T = Record<string, any>>(action: string, params: unknown): Promise<T> {
    const c = this.client;
    if (!c || !this.online) throw new Error('offline');
    const t = performance.now();
    const stats = this.o.stats;
    stats.calls++;
    try {
      const r = (await c.call(action, params)) as T;
      stats.callsAnswered++;
      if (stats.latencies.length < RESERVOIR) stats.latencies.push(performance.now() - t);
      else stats.latencies[Math.floor(this.rand() * RESERVOIR)] = performance.now() - t;
      return r;
    } catch (err) {
      stats.callErrors++;
      throw err;
    }
  }

  private rangeS([a, b]: [number, number]): number {
    return a + this.rand() * (b - a);
  }

  // ---- connection ----

  private async connect(): Promise<void> {
    let ws: WebSocket;
    try {
      // A BasicAuthPassword set by the CSMS (SetVariables) is used from the next connection on.
      ws = await openSocket({ url: this.o.url, identity: this.o.identity, protocol: this.protocol, password: this.model.read('SecurityCtrlr', 'BasicAuthPassword') || this.o.password, localAddress: this.o.localAddress });
    } catch (err) {
      this.o.stats.connectFailures++;
      this.fail(err);
      this.scheduleReconnect();
      return;
    }
    this.streams.reset();
    const c = new OcppConnection(ws, {
      protocol: this.protocol,
      defaultTimeoutMs: 30_000,
      handler: this.handlerFor(),
      onBadMessage: (frame) => this.streams.onUnmatchedFrame(frame),
      onClose: () => this.closed(),
    });
    this.client = c;
    this.online = true;
    this.attempts = 0;
    this.o.stats.connects++;
    this.o.stats.connected++;
    if (this.bootAccepted) await this.resume();
    else await this.boot();
  }

  private closed(): void {
    this.online = false;
    this.o.stats.connected--;
    this.clearTimers();
    if (!this.stopped && (this.o.reconnect !== false || this.rebooting)) {
      this.o.stats.reconnects++;
      const reboot = this.rebooting;
      this.rebooting = false;
      this.scheduleReconnect(reboot);
    }
  }

  /** OCPP-J 2.0.1 part 4 §5.3: RetryBackOffWaitMinimum, doubled per failed attempt up to RetryBackOffRepeatTimes, plus up to RetryBackOffRandomRange. */
  private scheduleReconnect(force = false): void {
    if (this.stopped || (this.o.reconnect === false && !force)) return;
    const min = this.model.readNumber('OCPPCommCtrlr', 'RetryBackOffWaitMinimum');
    const repeat = this.model.readNumber('OCPPCommCtrlr', 'RetryBackOffRepeatTimes');
    const range = this.model.readNumber('OCPPCommCtrlr', 'RetryBackOffRandomRange');
    const wait = (Math.max(0.1, min) * 2 ** Math.min(this.attempts, repeat) + this.rand() * range) * 1000;
    this.attempts++;
    this.later(wait, () => this.connect());
  }

  private handlerFor(): CallHandler {
    const table = commandTable(this);
    return async ({ method, params }) => {
      const p = (params ?? {}) as Record<string, any>;
      const fn = Object.hasOwn(table, method) ? table[method] : undefined;
      const v = fn ? await fn(p) : fallbackAnswer(this.protocol, method, p);
      if (v === undefined) throw createRPCError('NotImplemented', `Unable to handle '${method}' calls`);
      this.o.stats.commandsAnswered++;
      return v;
    };
  }

  // ---- boot, heartbeat, status ----

  async boot(reason?: BootReason): Promise<void> {
    if (this.bootAccepted) return;
    const r = await this.call<BootNotificationResponse>('BootNotification', {
      reason: reason ?? this.bootReason,
      chargingStation: { model: this.profile.model.slice(0, 20), vendorName: this.profile.vendor, serialNumber: this.serialNumber, firmwareVersion: '2.0.0-sim' },
    });
    if (r.status !== 'Accepted') {
      // B02 / B03: Pending or Rejected, try again after the interval the CSMS gave (one retry
      // pending at a time, a triggered BootNotification included).
      this.cancel(this.bootTimer);
      this.bootTimer = this.later(Math.max(1, r.interval || 30) * 1000, () => this.boot(reason));
      return;
    }
    this.bootAccepted = true;
    if (r.interval > 0) this.model.write('OCPPCommCtrlr', 'HeartbeatInterval', String(r.interval));
    const after = this.bootReason;
    this.bootReason = 'PowerUp';
    await this.resume();
    if (after === 'RemoteReset' || after === 'ScheduledReset') {
      await this.call('SecurityEventNotification', { type: 'ResetOrReboot', timestamp: new Date().toISOString(), techInfo: `Reset (${after})` }).catch((e: unknown) => this.fail(e));
    }
  }

  /** After boot or a reconnect: every connector's status, heartbeats, queued transaction messages, sessions going on. */
  private async resume(): Promise<void> {
    for (const e of this.evses) await this.sendStatus(e, true);
    this.scheduleHeartbeat();
    void this.txQueue.flush();
    const resumed = this.resumeAfterBoot;
    this.resumeAfterBoot = false;
    for (const e of this.evses) {
      this.armReservation(e);
      if (e.tx) {
        // ImmediateAndResume (2.1): the transaction goes on after the reboot.
        if (resumed) void this.sendTx({ eventType: 'Updated', timestamp: new Date().toISOString(), triggerReason: 'TxResumed', seqNo: e.tx.seqNo++, transactionInfo: { transactionId: e.tx.id, chargingState: 'Charging' }, evse: { id: e.id, connectorId: 1 } });
        e.meterDueAt = null;
        this.scheduleMeter(e);
        this.scheduleEnd(e);
      } else this.scheduleLocalStart(e, this.o.idleS ?? [5, 60]);
    }
  }

  heartbeat(): Promise<unknown> {
    return this.call('Heartbeat', {});
  }

  /** Heartbeat every OCPPCommCtrlr.HeartbeatInterval (re-armed when SetVariables changes it). */
  scheduleHeartbeat(): void {
    this.cancel(this.heartbeatTimer);
    const s = Math.max(1, this.model.readNumber('OCPPCommCtrlr', 'HeartbeatInterval') || 300);
    this.heartbeatTimer = this.later(s * 1000, async () => {
      await this.heartbeat().catch((e: unknown) => this.fail(e));
      if (this.online) this.scheduleHeartbeat();
    });
  }

  /** StatusNotification when the connector's status changed (or always, `force`); never throws. */
  async sendStatus(e: Evse, force = false): Promise<void> {
    const s = connectorStatus(e);
    if (!force && s === e.lastStatus) return;
    e.lastStatus = s;
    await this.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: s, evseId: e.id, connectorId: 1 }).catch((err: unknown) => this.fail(err));
  }

  // ---- transaction messages ----

  /** A TransactionEvent through the queue (tx-queue.ts): resolves with the answer once delivered. */
  sendTx(params: TransactionEventRequest): Promise<TxAnswer> {
    return this.txQueue.push(params);
  }

  /** E14 GetTransactionStatus: whether messages of this transaction (or any) are waiting. */
  queued(transactionId?: string): boolean {
    return this.txQueue.has(transactionId);
  }

  private meterValue(values: MeterValue['sampledValue'], timestamp: string): MeterValue[] | undefined {
    if (!values.length) return undefined;
    this.o.onMeterValues?.(this.o.identity, timestamp, performance.now());
    return [{ timestamp, sampledValue: values }];
  }

  private register(e: Evse, context: ReadingContext, list: string, timestamp: string): MeterValue[] | undefined {
    return this.meterValue(withMeasurands([energyRegister(this.o.profile, e.energyWh, context)], this.model.read('SampledDataCtrlr', list)), timestamp);
  }

  // ---- sessions ----

  randomToken(): IdToken {
    // An ISO 14443 card UID: 7 bytes, hex.
    return { idToken: Array.from({ length: 7 }, () => Math.floor(this.rand() * 256).toString(16).padStart(2, '0')).join('').toUpperCase(), type: 'ISO14443' };
  }

  canStart(e: Evse, idToken: IdToken): boolean {
    return this.online && this.bootAccepted && !this.rebooting && !this.resetPending && e.operative && !e.tx && !e.starting && (!e.reservation || sameToken(e.reservation.idToken, idToken));
  }

  private scheduleLocalStart(e: Evse, idle: [number, number]): void {
    this.later(this.rangeS(idle) * 1000 * (0.5 + this.rand()), () => (e.reservation ? undefined : this.startSession(e, this.randomToken())));
  }

  /**
   * A session: Authorize (unless a remote start needs none: AuthCtrlr.AuthorizeRemoteStart),
   * the connector Occupied, TransactionEvent Started with the register (TxStartedMeasurands),
   * then Updated samples until the session's end, a full battery, or a command.
   */
  async startSession(e: Evse, idToken: IdToken, remote?: { remoteStartId: number; chargingProfile?: ChargingProfile; claimed?: boolean }): Promise<void> {
    // A remote start claimed the EVSE when it accepted (commands.ts).
    if (remote?.claimed) e.starting = false;
    if (!this.canStart(e, idToken)) return void (remote?.claimed ? this.sendStatus(e) : undefined);
    e.starting = true;
    try {
      const authorize = this.model.read('AuthCtrlr', 'Enabled') === 'true' && (!remote || this.model.read('AuthCtrlr', 'AuthorizeRemoteStart') === 'true');
      if (authorize) {
        const a = await this.call<{ idTokenInfo: IdTokenInfo }>('Authorize', { idToken });
        if (a.idTokenInfo.status !== 'Accepted') {
          e.starting = false;
          await this.sendStatus(e);
          if (!remote) this.scheduleLocalStart(e, [60, 60]);
          return;
        }
      }
      await this.sendStatus(e);
      const now = Date.now();
      const tx: Transaction = { id: randomUUID(), seqNo: 0, idToken, session: newSession(this.profile, e.energyWh, this.rand), startedAt: now };
      if (remote) tx.remoteStartId = remote.remoteStartId;
      if (e.reservation && sameToken(e.reservation.idToken, idToken)) {
        tx.reservationId = e.reservation.id;
        e.reservation = null;
      }
      e.tx = tx;
      e.starting = false;
      e.lastStatus = 'Occupied';
      if (remote?.chargingProfile) this.chargingProfiles.set(e.id, { ...remote.chargingProfile, transactionId: tx.id }, this.profileContext(), now);
      const timestamp = new Date(now).toISOString();
      const started = this.sendTx({
        eventType: 'Started',
        timestamp,
        triggerReason: remote ? 'RemoteStart' : 'Authorized',
        seqNo: tx.seqNo++,
        transactionInfo: { transactionId: tx.id, chargingState: 'Charging', ...(remote ? { remoteStartId: remote.remoteStartId } : {}) },
        evse: { id: e.id, connectorId: 1 },
        idToken,
        ...(tx.reservationId !== undefined ? { reservationId: tx.reservationId } : {}),
        ...opt('meterValue', this.register(e, 'Transaction.Begin', 'TxStartedMeasurands', timestamp)),
      });
      this.o.stats.sessionsStarted++;
      const len = this.rangeS(this.o.sessionS ?? [600, 3600]);
      e.endsAt = Number.isFinite(len) ? now + len * 1000 : null;
      e.meterDueAt = null;
      this.scheduleEnd(e);
      this.scheduleMeter(e);
      const r = await started;
      // E05 / TxCtrlr.StopTxOnInvalidId: the CSMS did not accept the idToken.
      if (r?.idTokenInfo && r.idTokenInfo.status !== 'Accepted' && e.tx === tx && this.model.read('TxCtrlr', 'StopTxOnInvalidId') === 'true') {
        await this.stopSession(e, 'DeAuthorized', 'Deauthorized');
        return;
      }
      if (this.protocol === 'ocpp2.1' && e.tx === tx) await this.streams.open(e, this.txUpdatedInterval());
    } catch (err) {
      if (!e.tx) {
        e.starting = false;
        await this.sendStatus(e);
      }
      this.fail(err);
    }
  }

  private scheduleEnd(e: Evse): void {
    this.cancel(e.endTimer);
    e.endTimer = null;
    if (e.endsAt === null || !e.tx) return;
    const txId = e.tx.id;
    e.endTimer = this.later(Math.max(0, e.endsAt - Date.now()), () => (e.tx?.id === txId ? this.stopSession(e, 'Local', 'StopAuthorized', e.tx.idToken ?? undefined) : undefined));
  }

  txUpdatedInterval(): number {
    if (this.model.read('SampledDataCtrlr', 'Enabled') !== 'true') return 0;
    const n = this.model.readNumber('SampledDataCtrlr', 'TxUpdatedInterval');
    return Number.isFinite(n) && n > 0 ? n : 0;
  }

  /**
   * Samples on the meter's own clock (as simulator/charger.ts): due one interval after the
   * previous was due, at once when behind, never a burst; one outstanding per EVSE. Interval 0:
   * no Updated samples (checked again every second).
   */
  private scheduleMeter(e: Evse): void {
    this.cancel(e.meterTimer);
    const interval = this.txUpdatedInterval();
    const now = Date.now();
    if (interval === 0) {
      e.meterDueAt = null;
      e.meterTimer = this.later(1000, () => (e.tx && this.online ? this.scheduleMeter(e) : undefined));
      return;
    }
    e.meterDueAt = Math.max(now, (e.meterDueAt ?? now) + interval * 1000);
    e.meterTimer = this.later(e.meterDueAt - now, async () => {
      e.meterTimer = null;
      if (!this.online || !e.tx) return void (e.meterDueAt = null);
      await this.sample(e, interval, 'Sample.Periodic', 'MeterValuePeriodic').catch((err: unknown) => this.fail(err));
      if (e.tx && e.tx.session.soc >= 100) await this.stopSession(e, 'EVDisconnected', 'EVCommunicationLost');
      else if (e.tx && !e.meterTimer) this.scheduleMeter(e);
    });
  }

  /** The sample of the last `dtS` seconds: advances the physics (capped by the charging profile in effect). */
  private measure(e: Evse, dtS: number, context: ReadingContext): MeterValue['sampledValue'] {
    const tx = e.tx!;
    const s = sampleSession(this.profile, tx.session, dtS, this.rand() * 2 - 1, context, this.chargingProfiles.limitW(e.id, tx, Date.now()));
    tx.session = s.state;
    e.energyWh = s.state.energyWh;
    e.temperatureC = s.state.temperatureC;
    e.powerW = s.powerW;
    return s.values;
  }

  /** TransactionEvent Updated with a sample (periodic, or triggered), and the 2.1 stream's data. */
  async sample(e: Evse, dtS: number, context: ReadingContext, triggerReason: TriggerReason): Promise<void> {
    const tx = e.tx;
    if (!tx) return;
    const values = withMeasurands(this.measure(e, dtS, context), this.model.read('SampledDataCtrlr', 'TxUpdatedMeasurands'));
    const timestamp = new Date().toISOString();
    const meterValue = this.meterValue(values, timestamp);
    this.streams.sample(e, Date.now());
    await this.sendTx({ eventType: 'Updated', timestamp, triggerReason, seqNo: tx.seqNo++, transactionInfo: { transactionId: tx.id, chargingState: 'Charging' }, evse: { id: e.id, connectorId: 1 }, ...opt('meterValue', meterValue) });
  }

  /** F06 TriggerMessage MeterValues: a MeterValues with context Trigger (the register alone outside a session). */
  async triggeredMeterValues(e: Evse): Promise<void> {
    const timestamp = new Date().toISOString();
    const values = e.tx ? this.measure(e, 0, 'Trigger') : [energyRegister(this.o.profile, e.energyWh, 'Trigger')];
    const meterValue = this.meterValue(values, timestamp)!;
    await this.call('MeterValues', { evseId: e.id, meterValue });
    this.o.stats.meterValues += powerSamples(meterValue);
  }

  /**
   * The end of a session: TransactionEvent Ended (stoppedReason; the register reading,
   * context Transaction.End), the stream closed, the connector Available again (or Unavailable,
   * a change of availability that waited for it), and a scheduled reset carried out.
   */
  async stopSession(e: Evse, stoppedReason: StoppedReason, triggerReason: TriggerReason, idToken?: IdToken): Promise<void> {
    const tx = e.tx;
    if (!tx) return;
    e.tx = null;
    this.cancel(e.meterTimer);
    this.cancel(e.endTimer);
    e.meterTimer = e.endTimer = null;
    e.meterDueAt = e.endsAt = null;
    const now = Date.now();
    const timestamp = new Date(now).toISOString();
    const ended = this.sendTx({
      eventType: 'Ended',
      timestamp,
      triggerReason,
      seqNo: tx.seqNo++,
      // The cable is still plugged in unless the EV left (TC_B_22_CS: an ImmediateReset ends in EVConnected).
      transactionInfo: { transactionId: tx.id, chargingState: stoppedReason === 'EVDisconnected' ? 'Idle' : 'EVConnected', stoppedReason, timeSpentCharging: Math.round((now - tx.startedAt) / 1000) },
      evse: { id: e.id, connectorId: 1 },
      ...(idToken ? { idToken } : {}),
      ...opt('meterValue', this.register(e, 'Transaction.End', 'TxEndedMeasurands', timestamp)),
    });
    e.powerW = 0;
    this.chargingProfiles.endTransaction(tx.id);
    this.o.stats.sessionsStopped++;
    const stream = e.stream;
    e.stream = null;
    if (this.online) await ended;
    if (stream) await this.streams.close(stream);
    if (e.scheduledOperative !== null) {
      e.operative = e.scheduledOperative;
      e.scheduledOperative = null;
    }
    await this.sendStatus(e);
    if (this.resetPending && !this.evses.some((x) => x.tx)) this.reboot('ScheduledReset');
    else if (this.o.restartSessions !== false) this.scheduleLocalStart(e, this.o.idleS ?? [30, 300]);
  }

  // ---- reset ----

  /** B11 / B12: a reset of the whole station (one EVSE alone: Rejected, not supported). */
  requestReset(type: string, evseId: number | undefined): 'Accepted' | 'Scheduled' | 'Rejected' {
    if (evseId !== undefined) return 'Rejected';
    if (type === 'OnIdle' && this.evses.some((e) => e.tx || e.starting)) {
      // TC_B_21_CS: Scheduled, the reboot follows the end of the last transaction (reason ScheduledReset).
      this.resetPending = true;
      return 'Scheduled';
    }
    this.later(200, async () => {
      // TC_B_22_CS: Immediate ends every transaction first (ResetCommand, ImmediateReset).
      if (type === 'Immediate') for (const e of this.evses) await this.stopSession(e, 'ImmediateReset', 'ResetCommand');
      this.reboot('RemoteReset', type === 'ImmediateAndResume');
    });
    return 'Accepted';
  }

  /** Closes the connection and boots again on the next one (as a restart would). */
  reboot(reason: BootReason, keepTransactions = false): void {
    this.resetPending = false;
    this.bootAccepted = false;
    this.bootReason = reason;
    this.resumeAfterBoot = keepTransactions;
    this.rebooting = true;
    void this.client?.close({ code: 1000, reason: 'reset' });
  }

  // ---- availability, reservations ----

  /** G03 / G04: Scheduled when a transaction runs on a target being made Inoperative. */
  setAvailability(targets: readonly Evse[], operative: boolean): 'Accepted' | 'Scheduled' {
    let scheduled = false;
    for (const e of targets) {
      if (!operative && (e.tx || e.starting)) {
        e.scheduledOperative = false;
        scheduled = true;
        continue;
      }
      e.scheduledOperative = null;
      e.operative = operative;
      this.later(50, () => this.sendStatus(e));
    }
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  /** H01: the reservation's end, ReservationStatusUpdate Expired (re-armed after a reconnect). */
  armReservation(e: Evse): void {
    const r = e.reservation;
    if (!r) return;
    this.later(Math.max(0, r.expiresAt - Date.now()), async () => {
      if (e.reservation?.id !== r.id) return;
      e.reservation = null;
      await this.call('ReservationStatusUpdate', { reservationId: r.id, reservationUpdateStatus: 'Expired' }).catch((err: unknown) => this.fail(err));
      await this.sendStatus(e);
    });
  }

  profileContext() {
    return {
      evses: this.evses.length,
      transactionOn: (id: number) => this.evses[id - 1]?.tx?.id,
      periodsPerSchedule: this.model.readNumber('SmartChargingCtrlr', 'PeriodsPerSchedule'),
      maxStackLevel: this.model.readNumber('SmartChargingCtrlr', 'ProfileStackLevel'),
    };
  }

  // ---- end ----

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.heartbeatTimer = this.bootTimer = null;
    for (const e of this.evses) e.meterTimer = e.endTimer = null;
  }

  /** Sends nothing new from now on (calls in flight still complete): a clean end of a run. */
  quiesce(): void {
    this.stopped = true;
    this.clearTimers();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.client?.terminate();
  }
}

/** `{ [key]: value }` when value is defined, else `{}` (exactOptionalPropertyTypes-friendly spreads). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
