/**
 * One simulated OCPP 1.6J charge point over a real WebSocket (the same lean OCPP-J channel as
 * the gateway's, common/ocpp-j/, so thousands fit in one simulator process): boot, status,
 * heartbeats at the interval the Central System gives, authorize, sessions with MeterValues from
 * simulator/profiles.ts, reconnect with jittered backoff, and a correct answer to every command a
 * Central System can send (OCPP 1.6 §5), with the follow-up messages the spec asks for.
 */
import { createRPCError } from 'ocpp-rpc';
import WebSocket from 'ws';
import { OcppConnection, type CallHandler } from '../common/ocpp-j/connection.ts';
import type { MeterValuesRequest, StartTransactionResponse, BootNotificationResponse } from '../ocpp/v16-types.ts';
import { newSession, PROFILES, step, type Profile, type ProfileName, type SessionState } from './profiles.ts';

type SampledValue = MeterValuesRequest['meterValue'][number]['sampledValue'][number];

export interface ChargerOptions {
  url: string;
  identity: string;
  profile: ProfileName;
  /** MeterValues interval during a session, seconds. */
  intervalS: number;
  password?: string | undefined;
  localAddress?: string | undefined;
  /** Session length range, seconds; `Infinity` keeps one session running (benchmarks). */
  sessionS?: [number, number];
  /** Idle time between sessions, seconds. */
  idleS?: [number, number];
  reconnect?: boolean;
  /** Start a new session by itself after one ends (default true; tests drive sessions remotely). */
  restartSessions?: boolean;
  rand?: () => number;
  stats: SimStats;
  /** Called before each MeterValues CALL (the benchmark matches it on the MQTT side). */
  onMeterValues?: (identity: string, timestamp: string, sentAt: number) => void;
}

/** Counters shared by all chargers of one simulator process. */
export interface SimStats {
  connected: number;
  connects: number;
  reconnects: number;
  connectFailures: number;
  calls: number;
  /** Calls the Central System answered with a CALLRESULT (calls − answered − callErrors are in flight). */
  callsAnswered: number;
  callErrors: number;
  /** MeterValues the Central System acknowledged (CALLRESULT). */
  meterValues: number;
  commandsAnswered: number;
  sessionsStarted: number;
  sessionsStopped: number;
  /** OCPP-J 2.1 SENDs written (NotifyPeriodicEventStream, simulator/v201/): never answered. */
  sends: number;
  /** CALL → CALLRESULT latency samples, ms (bounded reservoir). */
  latencies: number[];
  lastError: string | null;
}

export const newStats = (): SimStats => ({ connected: 0, connects: 0, reconnects: 0, connectFailures: 0, calls: 0, callsAnswered: 0, callErrors: 0, meterValues: 0, commandsAnswered: 0, sessionsStarted: 0, sessionsStopped: 0, sends: 0, latencies: [], lastError: null });
const RESERVOIR = 200_000;

interface Connector {
  status: string;
  transactionId: number | null;
  session: SessionState | null;
  idTag: string | null;
  reservationId: number | null;
  available: boolean;
  limitW: number | null;
  /** When the next MeterValues sample is due (ms since epoch); null outside a session. */
  meterDueAt: number | null;
  /** When the session ends by itself (ms since epoch): kept across a reconnect. */
  endsAt: number | null;
}

export class SimCharger {
  readonly profile: Profile;
  private client: OcppConnection | null = null;
  private stopped = false;
  private heartbeatS = 300;
  private timers = new Set<NodeJS.Timeout>();
  private txQueue: Array<{ action: string; params: unknown }> = [];
  private txFlushing = false;
  private energyWh: number;
  private connectors: Connector[];
  private config: Map<string, { value: string; readonly: boolean }>;
  private localListVersion = 0;
  private rand: () => number;
  private online = false;
  private backoffMs = 1000;
  private rebooting = false;
  private readonly o: ChargerOptions;

  constructor(o: ChargerOptions) {
    this.o = o;
    this.profile = PROFILES[o.profile];
    this.rand = o.rand ?? Math.random;
    this.energyWh = this.profile.initialEnergyWh * (0.5 + this.rand());
    this.connectors = Array.from({ length: this.profile.connectors }, () => ({ status: 'Available', transactionId: null, session: null, idTag: null, reservationId: null, available: true, limitW: null, meterDueAt: null, endsAt: null }));
    this.config = new Map([
      ['HeartbeatInterval', { value: '300', readonly: false }],
      ['MeterValueSampleInterval', { value: String(o.intervalS), readonly: false }],
      ['MeterValuesSampledData', { value: o.profile === 'dc' ? 'Power.Active.Import,Current.Import,Voltage,SoC,Temperature,Energy.Active.Import.Register,Power.Offered,Current.Offered' : 'Current.Import,Voltage,Power.Active.Import,Energy.Active.Import.Register', readonly: false }],
      ['NumberOfConnectors', { value: String(this.profile.connectors), readonly: true }],
      ['AuthorizeRemoteTxRequests', { value: 'false', readonly: false }],
      ['ConnectionTimeOut', { value: '60', readonly: false }],
      ['LocalAuthListEnabled', { value: 'true', readonly: false }],
      ['SupportedFeatureProfiles', { value: 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger', readonly: true }],
    ]);
  }

  get identity() {
    return this.o.identity;
  }

  get isOnline() {
    return this.online;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private later(ms: number, fn: () => unknown) {
    // After quiesce/stop nothing new is scheduled: a loop in flight must not re-arm itself.
    if (this.stopped && !this.rebooting) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void Promise.resolve(fn()).catch((err: unknown) => this.fail(err));
    }, ms);
    this.timers.add(t);
  }

  private fail(err: unknown) {
    this.o.stats.lastError = (err as Error).message ?? String(err);
  }

  private jitter(ms: number) {
    return ms * (0.5 + this.rand());
  }

  private async connect(): Promise<void> {
    const { identity, password, localAddress } = this.o;
    const ws = new WebSocket(`${this.o.url}/${encodeURIComponent(identity)}`, ['ocpp1.6'], {
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
      ...(password ? { headers: { authorization: `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}` } } : {}),
      ...(localAddress ? { localAddress } : {}),
    });
    ws.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('close', () => reject(new Error('closed during the handshake')));
        ws.once('unexpected-response', (_req, res) => {
          reject(new Error(`Central System refused the connection: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`));
          ws.terminate();
        });
      });
    } catch (err) {
      this.o.stats.connectFailures++;
      this.fail(err);
      this.scheduleReconnect();
      return;
    }
    const c = new OcppConnection(ws, { protocol: 'ocpp1.6', defaultTimeoutMs: 30_000, handler: this.callHandler(), onClose: () => this.closed() });
    this.client = c;
    this.online = true;
    this.backoffMs = 1000;
    this.o.stats.connects++;
    this.o.stats.connected++;
    await this.boot();
  }

  private closed(): void {
    this.online = false;
    this.o.stats.connected--;
    this.clearTimers();
    if (!this.stopped && (this.o.reconnect !== false || this.rebooting)) {
      this.o.stats.reconnects++;
      this.rebooting = false;
      this.backoffMs = 1000;
      this.scheduleReconnect(true);
    }
  }

  private scheduleReconnect(force = false) {
    if (this.stopped || (this.o.reconnect === false && !force)) return;
    const wait = this.jitter(this.backoffMs);
    this.backoffMs = Math.min(60_000, this.backoffMs * 2);
    this.later(wait, () => this.connect());
  }

  private async call<T = Record<string, unknown>>(action: string, params: unknown): Promise<T> {
    const c = this.client;
    if (!c || !this.online) throw new Error('offline');
    const t = performance.now();
    this.o.stats.calls++;
    try {
      const r = (await c.call(action, params)) as T;
      this.o.stats.callsAnswered++;
      const lat = this.o.stats.latencies;
      if (lat.length < RESERVOIR) lat.push(performance.now() - t);
      else lat[Math.floor(this.rand() * RESERVOIR)] = performance.now() - t;
      return r;
    } catch (err) {
      this.o.stats.callErrors++;
      throw err;
    }
  }

  private async boot(): Promise<void> {
    const r = await this.call<BootNotificationResponse>('BootNotification', {
      chargePointVendor: this.profile.vendor,
      chargePointModel: this.profile.model,
      chargePointSerialNumber: `SIM-${this.o.identity}`.slice(0, 25),
      firmwareVersion: '1.0.0-sim',
    });
    if (r.status !== 'Accepted') {
      // §4.2: Pending/Rejected — try again after the interval the Central System gave.
      this.later(Math.max(1, r.interval || 30) * 1000, () => this.boot());
      return;
    }
    this.heartbeatS = r.interval > 0 ? r.interval : 300;
    this.config.get('HeartbeatInterval')!.value = String(this.heartbeatS);
    await this.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' });
    for (const [i, con] of this.connectors.entries()) {
      await this.call('StatusNotification', { connectorId: i + 1, status: con.available ? (con.transactionId ? 'Charging' : 'Available') : 'Unavailable', errorCode: 'NoError' });
    }
    this.scheduleHeartbeat();
    void this.flushTransactionMessages();
    for (const [i, con] of this.connectors.entries()) {
      if (con.transactionId) {
        // A session that was open when the connection dropped goes on, and still ends.
        this.scheduleMeter(i);
        this.scheduleEnd(i);
      } else this.later(this.jitter(this.rangeS(this.o.idleS ?? [5, 60]) * 1000), () => this.startSession(i, `SIM${String(Math.floor(this.rand() * 1e6)).padStart(6, '0')}`));
    }
  }

  private rangeS([a, b]: [number, number]) {
    return a + this.rand() * (b - a);
  }

  private scheduleHeartbeat() {
    // A charger sends Heartbeat only when nothing else went out (§4.6 allows either); keep it simple: always.
    this.later(this.heartbeatS * 1000, async () => {
      await this.call('Heartbeat', {}).catch((e: unknown) => this.fail(e));
      if (this.online) this.scheduleHeartbeat();
    });
  }

  private async setStatus(connectorId: number, status: string) {
    this.connectors[connectorId - 1]!.status = status;
    await this.call('StatusNotification', { connectorId, status, errorCode: 'NoError', timestamp: new Date().toISOString() });
  }

  private async startSession(index: number, idTag: string, remote = false): Promise<void> {
    const con = this.connectors[index]!;
    if (!this.online || con.transactionId || !con.available) return;
    const connectorId = index + 1;
    if (!remote) {
      const auth = await this.call<{ idTagInfo: { status: string } }>('Authorize', { idTag });
      if (auth.idTagInfo.status !== 'Accepted') return void this.later(60_000, () => this.startSession(index, idTag));
    }
    await this.setStatus(connectorId, 'Preparing');
    con.session = newSession(this.profile, this.energyWh, this.rand);
    const r = await this.call<StartTransactionResponse>('StartTransaction', { connectorId, idTag, meterStart: Math.round(this.energyWh), timestamp: new Date().toISOString(), ...(con.reservationId !== null ? { reservationId: con.reservationId } : {}) });
    con.reservationId = null;
    if (r.idTagInfo.status !== 'Accepted') {
      con.session = null;
      await this.setStatus(connectorId, 'Available');
      return;
    }
    con.transactionId = r.transactionId;
    con.idTag = idTag;
    this.o.stats.sessionsStarted++;
    // The session exists from the StartTransaction answer on: its end is set before anything
    // else can fail, so a connection lost right after (the StatusNotification below) leaves a
    // session that boot() resumes and still ends, never one without an end.
    const len = this.rangeS(this.o.sessionS ?? [600, 3600]);
    con.endsAt = Number.isFinite(len) ? Date.now() + len * 1000 : null;
    con.meterDueAt = null;
    if (!this.online) return;
    this.scheduleEnd(index);
    this.scheduleMeter(index);
    await this.setStatus(connectorId, 'Charging').catch((e: unknown) => this.fail(e));
  }

  /** The session's own end; re-armed after a reconnect (the timers of a closed connection are cleared). */
  private scheduleEnd(index: number) {
    const con = this.connectors[index]!;
    if (con.endsAt === null) return;
    const txId = con.transactionId;
    this.later(Math.max(0, con.endsAt - Date.now()), () => (con.transactionId === txId ? this.stopSession(index, 'Local') : undefined));
  }

  private scheduleMeter(index: number) {
    const interval = Number(this.config.get('MeterValueSampleInterval')!.value) || this.o.intervalS;
    // A meter samples on its own clock, every MeterValueSampleInterval, however long the central
    // system takes to answer (1.6 §9.1.19 MeterValueSampleInterval: "interval between sampling"):
    // the next sample is due one interval after the previous was due, not after its answer. A
    // charger that fell behind (answers slower than the interval) sends the next one at once,
    // never a burst of the missed ones: one CALL outstanding at a time (OCPP-J 1.6 §4.1.1).
    const con = this.connectors[index]!;
    const now = Date.now();
    con.meterDueAt = Math.max(now, (con.meterDueAt ?? now) + interval * 1000);
    this.later(con.meterDueAt - now, async () => {
      if (!this.online || !con.transactionId || !con.session) return void (con.meterDueAt = null);
      await this.sendMeterValues(index, interval).catch((e: unknown) => this.fail(e));
      if (con.session && con.session.soc >= 100) await this.stopSession(index, 'EVDisconnected');
      else this.scheduleMeter(index);
    });
  }

  private async sendMeterValues(index: number, dtS: number, context?: 'Trigger') {
    const con = this.connectors[index]!;
    let sampledValue: SampledValue[];
    if (con.session) {
      const s = step(this.profile, con.session, dtS, this.rand() * 2 - 1);
      if (con.limitW !== null) s.state.energyWh = con.session.energyWh + (Math.min(con.limitW, this.profile.maxPowerW) * dtS) / 3600;
      con.session = s.state;
      this.energyWh = s.state.energyWh;
      sampledValue = s.sampledValue;
    } else {
      sampledValue = [{ value: this.energyWh.toFixed(0), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }];
    }
    if (context) sampledValue = sampledValue.map((v) => ({ ...v, context }));
    const timestamp = new Date().toISOString();
    this.o.onMeterValues?.(this.o.identity, timestamp, performance.now());
    await this.call('MeterValues', { connectorId: index + 1, ...(con.transactionId ? { transactionId: con.transactionId } : {}), meterValue: [{ timestamp, sampledValue }] });
    // Counted once the Central System answered: each of these must reach MQTT (bench "lost").
    this.o.stats.meterValues++;
  }

  private async stopSession(index: number, reason: string): Promise<void> {
    const con = this.connectors[index]!;
    if (!con.transactionId) return;
    const transactionId = con.transactionId;
    con.transactionId = null;
    con.session = null;
    con.meterDueAt = null;
    con.endsAt = null;
    await this.setStatus(index + 1, 'Finishing').catch((e: unknown) => this.fail(e));
    this.o.stats.sessionsStopped++;
    await this.sendTransactionMessage('StopTransaction', { transactionId, meterStop: Math.round(this.energyWh), timestamp: new Date().toISOString(), reason, idTag: con.idTag ?? undefined });
    con.idTag = null;
    await this.setStatus(index + 1, con.available ? 'Available' : 'Unavailable').catch((e: unknown) => this.fail(e));
    if (this.o.restartSessions !== false) this.later(this.jitter(this.rangeS(this.o.idleS ?? [30, 300]) * 1000), () => this.startSession(index, `SIM${String(Math.floor(this.rand() * 1e6)).padStart(6, '0')}`));
  }

  /**
   * A transaction-related message is kept until the Central System has answered it, and sent
   * again after a reconnect, in order (1.6 §3.7 "Transaction-related messages": "When offline,
   * the Charge Point MUST queue any transaction-related messages"), so a session that ends while
   * the Central System is down still closes. (Only StopTransaction goes through here; a sample
   * taken offline is skipped, not queued: the simulator measures live telemetry.)
   */
  private async sendTransactionMessage(action: string, params: unknown): Promise<void> {
    this.txQueue.push({ action, params });
    await this.flushTransactionMessages();
  }

  private async flushTransactionMessages(): Promise<void> {
    if (this.txFlushing) return;
    this.txFlushing = true;
    try {
      while (this.online && this.txQueue.length) {
        const m = this.txQueue[0]!;
        try {
          await this.call(m.action, m.params);
        } catch (err) {
          this.fail(err);
          // Offline: kept for the next connection. Answered with a CALLERROR: resending the same
          // message would get the same answer.
          if (!this.online) return;
        }
        this.txQueue.shift();
      }
    } finally {
      this.txFlushing = false;
    }
  }

  private connectorIndex(connectorId: number | undefined): number | null {
    if (connectorId === undefined) return this.connectors.findIndex((c) => !c.transactionId && c.available);
    return connectorId >= 1 && connectorId <= this.connectors.length ? connectorId - 1 : null;
  }

  /** The Central System's commands, answered (one table per connection). */
  private callHandler(): CallHandler {
    const table = new Map<string, (p: Record<string, any>) => unknown>();
    const handler: CallHandler = async ({ method, params }) => {
      const fn = table.get(method);
      if (!fn) throw createRPCError('NotImplemented', `Unable to handle '${method}' calls`);
      const v = await fn(params as Record<string, any>);
      this.o.stats.commandsAnswered++;
      return v;
    };
    const h = (action: string, fn: (p: Record<string, any>) => unknown) => table.set(action, fn);

    h('Reset', (p) => {
      // §5.14: stop transactions (reason SoftReset/HardReset), then reboot: a new connection and boot.
      this.later(500, async () => {
        for (const i of this.connectors.keys()) await this.stopSession(i, p['type'] === 'Hard' ? 'HardReset' : 'SoftReset').catch(() => undefined);
        this.rebooting = true;
        await this.client?.close({ code: 1000, reason: 'reset' });
      });
      return { status: 'Accepted' };
    });
    h('RemoteStartTransaction', (p) => {
      const i = this.connectorIndex(p['connectorId']);
      if (i === null || i < 0 || this.connectors[i]!.transactionId || !this.connectors[i]!.available) return { status: 'Rejected' };
      this.later(100, () => this.startSession(i, p['idTag'], true));
      return { status: 'Accepted' };
    });
    h('RemoteStopTransaction', (p) => {
      const i = this.connectors.findIndex((x) => x.transactionId === p['transactionId']);
      if (i < 0) return { status: 'Rejected' };
      this.later(100, () => this.stopSession(i, 'Remote'));
      return { status: 'Accepted' };
    });
    h('UnlockConnector', async (p) => {
      const i = this.connectorIndex(p['connectorId']);
      if (i === null) return { status: 'NotSupported' };
      // 1.6 §5.18: "If there was a transaction in progress on the specific connector, then Charge
      // Point SHALL finish the transaction first as described in Stop Transaction."
      if (this.connectors[i]!.transactionId) await this.stopSession(i, 'UnlockCommand');
      return { status: 'Unlocked' };
    });
    h('ChangeAvailability', (p) => {
      const id = p['connectorId'] as number;
      const targets = id === 0 ? [...this.connectors.keys()] : this.connectorIndex(id) === null ? [] : [id - 1];
      if (!targets.length) return { status: 'Rejected' };
      const available = p['type'] === 'Operative';
      let scheduled = false;
      for (const i of targets) {
        const con = this.connectors[i]!;
        con.available = available;
        // §5.2: with a transaction running the change waits for its end: Scheduled.
        if (con.transactionId) scheduled = true;
        else this.later(50, () => this.setStatus(i + 1, available ? 'Available' : 'Unavailable'));
      }
      return { status: scheduled ? 'Scheduled' : 'Accepted' };
    });
    h('ChangeConfiguration', (p) => {
      const k = this.config.get(p['key']);
      if (!k) return { status: 'NotSupported' };
      if (k.readonly) return { status: 'Rejected' };
      k.value = String(p['value']);
      if (p['key'] === 'HeartbeatInterval') this.heartbeatS = Math.max(1, Number(k.value) || this.heartbeatS);
      return { status: 'Accepted' };
    });
    h('GetConfiguration', (p) => {
      const keys: string[] | undefined = p['key'];
      const wanted = keys?.length ? keys : [...this.config.keys()];
      return {
        configurationKey: wanted.filter((k) => this.config.has(k)).map((k) => ({ key: k, readonly: this.config.get(k)!.readonly, value: this.config.get(k)!.value })),
        unknownKey: wanted.filter((k) => !this.config.has(k)),
      };
    });
    h('ClearCache', () => ({ status: 'Accepted' }));
    h('DataTransfer', () => ({ status: 'UnknownVendorId' }));
    h('SetChargingProfile', (p) => {
      const i = p['connectorId'] === 0 ? 0 : this.connectorIndex(p['connectorId']);
      if (i === null) return { status: 'Rejected' };
      const profile = p['csChargingProfiles'];
      const period = profile?.chargingSchedule?.chargingSchedulePeriod?.[0];
      if (period) this.connectors[i]!.limitW = profile.chargingSchedule.chargingRateUnit === 'A' ? period.limit * 230 * (period.numberPhases ?? 3) : period.limit;
      return { status: 'Accepted' };
    });
    h('ClearChargingProfile', () => {
      const had = this.connectors.some((x) => x.limitW !== null);
      for (const x of this.connectors) x.limitW = null;
      return { status: had ? 'Accepted' : 'Unknown' };
    });
    h('GetCompositeSchedule', (p) => {
      const i = this.connectorIndex(p['connectorId']) ?? 0;
      const limit = this.connectors[i]?.limitW ?? this.profile.maxPowerW;
      return { status: 'Accepted', connectorId: p['connectorId'], scheduleStart: new Date().toISOString(), chargingSchedule: { duration: p['duration'], chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit }] } };
    });
    h('GetDiagnostics', () => {
      const fileName = `diagnostics-${this.o.identity}.log`;
      this.later(200, () => this.call('DiagnosticsStatusNotification', { status: 'Uploading' }));
      this.later(1200, () => this.call('DiagnosticsStatusNotification', { status: 'Uploaded' }));
      return { fileName };
    });
    h('UpdateFirmware', () => {
      let t = 200;
      for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed']) this.later((t += 500), () => this.call('FirmwareStatusNotification', { status }));
      return {};
    });
    h('GetLocalListVersion', () => ({ listVersion: this.localListVersion }));
    h('SendLocalList', (p) => {
      if (p['updateType'] === 'Differential' && p['listVersion'] <= this.localListVersion) return { status: 'VersionMismatch' };
      this.localListVersion = p['listVersion'];
      return { status: 'Accepted' };
    });
    h('ReserveNow', (p) => {
      const i = this.connectorIndex(p['connectorId']);
      if (i === null || i < 0) return { status: 'Rejected' };
      const con = this.connectors[i]!;
      if (!con.available) return { status: 'Unavailable' };
      if (con.transactionId || con.reservationId !== null) return { status: 'Occupied' };
      con.reservationId = p['reservationId'];
      this.later(50, () => this.setStatus(i + 1, 'Reserved'));
      return { status: 'Accepted' };
    });
    h('CancelReservation', (p) => {
      const i = this.connectors.findIndex((x) => x.reservationId === p['reservationId']);
      if (i < 0) return { status: 'Rejected' };
      this.connectors[i]!.reservationId = null;
      this.later(50, () => this.setStatus(i + 1, 'Available'));
      return { status: 'Accepted' };
    });
    h('TriggerMessage', (p) => {
      const id: number | undefined = p['connectorId'];
      const i = id === undefined ? 0 : this.connectorIndex(id);
      if (i === null || i < 0) return { status: 'Rejected' };
      const send: Record<string, () => Promise<unknown>> = {
        BootNotification: () => this.boot(),
        Heartbeat: () => this.call('Heartbeat', {}),
        MeterValues: () => this.sendMeterValues(i, 0, 'Trigger'),
        StatusNotification: () => this.call('StatusNotification', { connectorId: id ?? 0, status: id ? this.connectors[i]!.status : 'Available', errorCode: 'NoError' }),
        DiagnosticsStatusNotification: () => this.call('DiagnosticsStatusNotification', { status: 'Idle' }),
        FirmwareStatusNotification: () => this.call('FirmwareStatusNotification', { status: 'Idle' }),
      };
      const fn = send[p['requestedMessage']];
      if (!fn) return { status: 'NotImplemented' };
      // §5.17: the requested message follows the TriggerMessage.conf.
      this.later(50, fn);
      return { status: 'Accepted' };
    });
    return handler;
  }

  private clearTimers() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
