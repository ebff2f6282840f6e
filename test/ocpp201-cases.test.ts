/**
 * The CSMS test cases of OCPP 2.0.1 part 6 (blocks B, C, E, F, G, J, P; K has none) that
 * chargebridge passes, one test per case, named with its id (docs/ocpp-2.0.1-test-cases.md has
 * the status of every case, and why a case is not here).
 *
 * The test system (the OCTT of part6) is ocpp-rpc's RPCClient with protocols ['ocpp2.0.1'] in
 * strict mode: every answer of ours and every request we send it is validated against the
 * official 2.0.1 schemas ("All messages shall comply with the OCPP 2.0.1 schemas", part6 l. 94),
 * and a test fails on any strict-mode failure. The operator's "Manual Action" and "The CSMS
 * sends X" are commands over HTTP (POST /devices/{id}/commands) or MQTT
 * (`{tenant}:{deviceId}/config`), as a platform sends them (docs/commands.md). What a case's
 * "Tool validations" check is asserted, and the checks of the reusable states (part6 §3.18,
 * l. 22580) wherever a case runs one. The configured values of the OCTT are the constants below;
 * its configured idTokens are registry ID tags (PUT /id-tags), and the invalid one is unknown
 * with ACCEPT_UNKNOWN_ID_TAGS=false.
 *
 * Every simulated station has two EVSEs with one connector each; the "configured" EVSE is 1.
 * Waits part6 puts between steps (<Configured Transaction Duration>, meter value intervals) are
 * not waited: the timestamps carry the intervals.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRPCError, type RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

type Json = Record<string, any>;
type Answer = Json | ((params: Json) => Json);

// The OCTT's configuration (part6: <Configured ...>).
const MODEL = 'OCTT-Model';
const VENDOR = 'OCTT-Vendor';
const EVSE = 1;
const CONNECTOR = 1;
const EVSES = [1, 2];
const TOKEN_TYPE = 'ISO14443';
const VALID = { idToken: 'OCTT-VALID', type: TOKEN_TYPE };
const VALID2 = { idToken: 'OCTT-VALID2', type: TOKEN_TYPE };
const INVALID = { idToken: 'OCTT-INVALID', type: TOKEN_TYPE };
const BLOCKED = { idToken: 'OCTT-BLOCKED', type: TOKEN_TYPE };
const EXPIRED = { idToken: 'OCTT-EXPIRED', type: TOKEN_TYPE };
const MASTERPASS = { idToken: 'OCTT-MASTER', type: TOKEN_TYPE };
const GROUP_ID_TOKEN = 'OCTT-GROUP';
const MASTER_PASS_GROUP_ID = 'OCTT-MASTERGROUP';
const SIGNED = { signedMeterData: 'T0NNRnxleGFtcGxl', signingMethod: 'ECDSA-secp256r1-SHA256', encodingMethod: 'OCMF', publicKey: 'cHVibGljLWtleQ==' };

const now = () => new Date().toISOString();
const at = (base: number, s: number) => new Date(base + s * 1000).toISOString();
const register = (timestamp: string, wh: number, context: string, signed = false) => ({
  timestamp,
  sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' }, ...(signed ? { signedMeterValue: SIGNED } : {}) }],
});

/** The OCTT: a strict 2.0.1 station that records what the CSMS sends it and answers from a table. */
class Octt {
  readonly identity: string;
  client!: RPCClient;
  deviceId = '';
  readonly received: Array<{ action: string; payload: Json }> = [];
  readonly strictFailures: string[] = [];
  answers: Record<string, Answer> = {};
  private readonly sys: System;
  private eventSeq = 0;
  private eventId = 0;

  constructor(sys: System, identity: string) {
    this.sys = sys;
    this.identity = identity;
  }

  async connect(): Promise<this> {
    const client = await connectCharger(this.sys, this.identity, { protocols: ['ocpp2.0.1'] });
    expect(client.protocol).toBe('ocpp2.0.1');
    client.on('strictValidationFailure', (e: { method: string; outbound: boolean; isCall: boolean; error: Error }) => {
      this.strictFailures.push(`${e.method} ${e.isCall ? 'request' : 'response'} ${e.outbound ? 'sent' : 'received'}: ${String(e.error)}`);
    });
    client.handle(async ({ method, params }) => {
      this.received.push({ action: method!, payload: params as Json });
      const a = Object.hasOwn(this.answers, method!) ? this.answers[method!] : undefined;
      if (!a) throw createRPCError('NotImplemented', `the OCTT has no answer for ${method}`);
      return typeof a === 'function' ? a(params as Json) : a;
    });
    this.client = client;
    if (!this.deviceId) {
      const list = (await api(this.sys.httpUrl, ADMIN_TOKEN).get(`/devices?chargePointId=${this.identity}`)).body;
      this.deviceId = list.items[0].id;
    }
    return this;
  }

  /** The station drops the WebSocket and connects again (a reboot, or E_29's offline period). */
  async reconnect(): Promise<void> {
    await this.client.close();
    await this.connect();
  }

  call(action: string, payload: Json): Promise<Json> {
    return this.client.call(action, payload) as Promise<Json>;
  }

  boot(reason = 'PowerUp'): Promise<Json> {
    return this.call('BootNotification', { reason, chargingStation: { model: MODEL, vendorName: VENDOR } });
  }

  status(evseId: number, connectorStatus: string, extra: Json = {}): Promise<Json> {
    return this.call('StatusNotification', { timestamp: now(), connectorStatus, evseId, connectorId: CONNECTOR, ...extra });
  }

  /** NotifyEvent, trigger Delta, variable AvailabilityState: the other way to report a connector (part5 l. 1109). */
  availabilityEvent(actualValue: string, component: 'Connector' | 'EVSE' | 'ChargingStation', evseId?: number): Promise<Json> {
    const evse = component === 'ChargingStation' ? undefined : component === 'EVSE' ? { id: evseId! } : { id: evseId!, connectorId: CONNECTOR };
    return this.notifyEvent([{ trigger: 'Delta', actualValue, component: { name: component, ...(evse ? { evse } : {}) }, variable: { name: 'AvailabilityState' } }]);
  }

  notifyEvent(events: Json[]): Promise<Json> {
    return this.call('NotifyEvent', {
      generatedAt: now(),
      seqNo: this.eventSeq++,
      eventData: events.map((e) => ({ eventId: ++this.eventId, timestamp: now(), eventNotificationType: 'HardWiredNotification', ...e })),
    });
  }

  /** Reusable State Booted (part6 l. 22584): Accepted, then every connector Available. */
  async booted(reason = 'PowerUp'): Promise<void> {
    expect((await this.boot(reason)).status).toBe('Accepted');
    for (const e of EVSES) expect(await this.status(e, 'Available')).toEqual({});
  }

  /** The requests of `action` the CSMS sent since index `from`. */
  sent(action: string, from = 0): Json[] {
    return this.received.slice(from).filter((r) => r.action === action).map((r) => r.payload);
  }

  async close(): Promise<void> {
    await this.client?.close({ force: true });
  }
}

interface TeOptions {
  chargingState?: string;
  stoppedReason?: string;
  remoteStartId?: number;
  idToken?: { idToken: string; type: string };
  evse?: boolean;
  meterValue?: Json[];
  offline?: boolean;
  seqNo?: number;
  extra?: Json;
  info?: Json;
}

/**
 * One transaction of the OCTT and the reusable states (part6 §3.18) that drive it, each with its
 * tool validations. The flags follow the states' "If State is NOT ... then execute ..." rules.
 */
class Tx {
  readonly octt: Octt;
  readonly id: string;
  readonly evseId: number;
  readonly token: { idToken: string; type: string };
  seqNo = 0;
  started = false;
  authorized = false;
  evConnected = false;
  charging = false;
  stopAuthorized = false;
  postSession = false;

  constructor(octt: Octt, id: string, opts: { evseId?: number; token?: { idToken: string; type: string } } = {}) {
    this.octt = octt;
    this.id = id;
    this.evseId = opts.evseId ?? EVSE;
    this.token = opts.token ?? VALID;
  }

  event(eventType: 'Started' | 'Updated' | 'Ended', triggerReason: string, o: TeOptions = {}): Promise<Json> {
    const transactionInfo: Json = { transactionId: this.id, ...o.info };
    if (o.chargingState) transactionInfo['chargingState'] = o.chargingState;
    if (o.stoppedReason) transactionInfo['stoppedReason'] = o.stoppedReason;
    if (o.remoteStartId !== undefined) transactionInfo['remoteStartId'] = o.remoteStartId;
    const req: Json = { eventType, timestamp: now(), triggerReason, seqNo: o.seqNo ?? this.seqNo++, transactionInfo, ...o.extra };
    if (o.evse) req['evse'] = { id: this.evseId, connectorId: CONNECTOR };
    if (o.idToken) req['idToken'] = o.idToken;
    if (o.meterValue) req['meterValue'] = o.meterValue;
    if (o.offline) req['offline'] = true;
    this.started = true;
    return this.octt.call('TransactionEvent', req);
  }

  /** Started, or Updated once the transaction exists. */
  private get next(): 'Started' | 'Updated' {
    return this.started ? 'Updated' : 'Started';
  }

  /** Reusable State EVConnectedPreSession (l. 22719): Occupied, then CablePluggedIn. No tool validation. */
  async evConnectedPreSession(o: TeOptions = {}): Promise<Json> {
    expect(await this.octt.status(this.evseId, 'Occupied')).toEqual({});
    const r = await this.event(this.next, 'CablePluggedIn', { chargingState: 'EVConnected', evse: true, ...o });
    this.evConnected = true;
    return r;
  }

  /** Reusable State Authorized (l. 22767): AuthorizeResponse and TransactionEventResponse idTokenInfo.status Accepted. */
  async authorizedState(token = this.token): Promise<{ authorize: Json; event: Json }> {
    const authorize = await this.octt.call('Authorize', { idToken: token });
    expect(authorize.idTokenInfo.status, 'Authorized step 2: AuthorizeResponse idTokenInfo.status').toBe('Accepted');
    const event = await this.event(this.next, 'Authorized', { idToken: token });
    expect(event.idTokenInfo?.status, 'Authorized step 4: TransactionEventResponse idTokenInfo.status').toBe('Accepted');
    this.authorized = true;
    return { authorize, event };
  }

  /** Reusable State EnergyTransferStarted (l. 22811): Authorized first, part 1 if no EV yet, then Charging. */
  async energyTransferStarted(): Promise<void> {
    if (!this.authorized) await this.authorizedState();
    if (!this.evConnected) {
      expect(await this.octt.status(this.evseId, 'Occupied')).toEqual({});
      expect(await this.event('Updated', 'CablePluggedIn', { chargingState: 'EVConnected', evse: true })).toEqual({});
      this.evConnected = true;
    }
    expect(await this.event('Updated', 'ChargingStateChanged', { chargingState: 'Charging' })).toEqual({});
    this.charging = true;
  }

  /** Reusable State EnergyTransferSuspended (l. 22869). No tool validation. */
  async energyTransferSuspended(): Promise<void> {
    if (!this.charging) await this.energyTransferStarted();
    expect(await this.event('Updated', 'ChargingStateChanged', { chargingState: 'SuspendedEV' })).toEqual({});
  }

  /**
   * Reusable State StopAuthorized (l. 22901): TransactionEventResponse idTokenInfo.status Accepted.
   * The state lists no idToken in the request, yet checks idTokenInfo, which the CSMS gives only
   * for a request that carries one (TransactionEventResponse.idTokenInfo); the token that stops is
   * sent, as B_21, B_26 and C_39 write it out.
   */
  async stopAuthorizedState(token = this.token, more: TeOptions = {}): Promise<Json> {
    if (!this.charging) await this.energyTransferStarted();
    const r = await this.event('Updated', 'StopAuthorized', { idToken: token, ...more });
    expect(r.idTokenInfo?.status, 'StopAuthorized step 2: TransactionEventResponse idTokenInfo.status').toBe('Accepted');
    this.stopAuthorized = true;
    return r;
  }

  /** Reusable State EVConnectedPostSession (l. 22933). No tool validation of its own. */
  async evConnectedPostSession(): Promise<void> {
    if (!this.stopAuthorized) await this.stopAuthorizedState();
    expect(await this.event('Updated', 'ChargingStateChanged', { chargingState: 'EVConnected' })).toEqual({});
    this.postSession = true;
  }

  /** Reusable State EVDisconnected (l. 22964): Available, then Ended EVCommunicationLost / Idle / EVDisconnected. */
  async evDisconnected(o: TeOptions = {}): Promise<Json> {
    if (!this.postSession) await this.evConnectedPostSession();
    expect(await this.octt.status(this.evseId, 'Available')).toEqual({});
    return this.event('Ended', 'EVCommunicationLost', { chargingState: 'Idle', stoppedReason: 'EVDisconnected', ...o });
  }
}

/** A test's stations: each is checked for strict-mode failures and closed after the test. */
function stations() {
  let open: Octt[] = [];
  afterEach(async () => {
    const done = open;
    open = [];
    for (const o of done) {
      expect(o.strictFailures, `${o.identity}: strict-mode failures`).toEqual([]);
      await o.close();
    }
  });
  return async (sys: System, identity: string, opts: { boot?: boolean } = {}): Promise<Octt> => {
    const o = new Octt(sys, identity);
    open.push(o);
    await o.connect();
    if (opts.boot !== false) await o.booted();
    return o;
  };
}

/** The operator over HTTP: POST /devices/{id}/commands, the reply's body. */
async function viaHttp(sys: System, octt: Octt, action: string, payload: Json): Promise<Json> {
  const r = await api(sys.httpUrl, ADMIN_TOKEN).post(`/devices/${octt.deviceId}/commands`, { action, payload });
  expect(r.status, `${action}: ${r.text}`).toBe(200);
  return r.body;
}

/** The operator over MQTT: `admin:{deviceId}/config`, the reply on `config/reply`. */
let mqttSeq = 0;
async function viaMqtt(platform: Platform, octt: Octt, action: string, payload: Json): Promise<Json> {
  const id = `tc-${++mqttSeq}`;
  await platform.client.publishAsync(`admin:${octt.deviceId}/config`, JSON.stringify({ id, action, payload }), { qos: 1 });
  const reply = (await platform.waitFor((m: Received) => m.topic === `admin:${octt.deviceId}/config/reply` && m.json['id'] === id, 8000, `reply ${id}`)).json;
  expect(reply['status'], `${action}: ${JSON.stringify(reply)}`).toBe('ok');
  return reply;
}

async function putTag(sys: System, token: { idToken: string }, body: Json): Promise<void> {
  const r = await api(sys.httpUrl, ADMIN_TOKEN).put(`/id-tags/${token.idToken}`, body);
  expect(r.status, r.text).toBe(200);
}

const ATTRIBUTE_TYPES_READ = [undefined, 'Actual', 'Target', 'MinSet', 'MaxSet'];

// ---------------------------------------------------------------------------------------------
describe('B Provisioning (part6 §3.3)', () => {
  let sys: System;
  let platform: Platform;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/events', '+/config/reply'] });
  });
  afterAll(async () => {
    await platform?.close();
    await sys?.stop();
  });

  it('TC_B_01_CSMS: Cold Boot Charging Station - Accepted', async () => {
    const o = await station(sys, 'OCTT-B01', { boot: false });
    // Reusable State Booted; the connectors reported both ways part6 allows.
    expect(await o.boot('PowerUp')).toMatchObject({ status: 'Accepted' });
    expect(await o.status(1, 'Available')).toEqual({});
    expect(await o.availabilityEvent('Available', 'Connector', 2)).toEqual({});
  });

  it('TC_B_30_CSMS: Cold Boot Charging Station - Pending/Rejected - SecurityError', async () => {
    // The CSMS answers Rejected first: the charger is registered, but disabled.
    expect((await api(sys.httpUrl, ADMIN_TOKEN).post('/devices', { chargePointId: 'OCTT-B30', enabled: false })).status).toBe(201);
    const o = await station(sys, 'OCTT-B30', { boot: false });
    const boot = await o.boot('PowerUp');
    expect(['Pending', 'Rejected'], 'step 2: BootNotificationResponse status').toContain(boot.status);
    // Step 3-4: the connectors' state, either message: CALLERROR SecurityError.
    await expect(o.status(1, 'Available')).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    await expect(o.availabilityEvent('Available', 'Connector', 2)).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
  });

  it('TC_B_31_CSMS: Cold Boot Charging Station - Pending/Rejected - TriggerMessage', async () => {
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const created = await admin.post('/devices', { chargePointId: 'OCTT-B31', enabled: false });
    expect(created.status).toBe(201);
    const o = await station(sys, 'OCTT-B31', { boot: false });
    o.answers['TriggerMessage'] = { status: 'Accepted' };
    const boot = await o.boot('PowerUp');
    expect(['Pending', 'Rejected'], 'step 2: BootNotificationResponse status').toContain(boot.status);
    // The operator accepts the charger and, before the interval ends, asks it to boot again.
    expect((await admin.patch(`/devices/${created.body.id}`, { enabled: true })).status).toBe(200);
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'TriggerMessage', { requestedMessage: 'BootNotification' })).response).toEqual({ status: 'Accepted' });
    const [trigger] = o.sent('TriggerMessage', before);
    expect(trigger?.requestedMessage, 'step 3: TriggerMessageRequest requestedMessage').toBe('BootNotification');
    expect((await o.boot('Triggered')).status, 'step 6: BootNotificationResponse status').toBe('Accepted');
    for (const e of EVSES) expect(await o.status(e, 'Available')).toEqual({});
  });

  it('TC_B_06_CSMS: Get Variables - single value', async () => {
    const o = await station(sys, 'OCTT-B06');
    o.answers['GetVariables'] = (p) => ({ getVariableResult: p.getVariableData.map((d: Json) => ({ attributeStatus: 'Accepted', attributeValue: '60', component: d.component, variable: d.variable })) });
    const before = o.received.length;
    // The neutral getSetting with a Component.Variable key (docs/commands.md).
    const reply = await viaHttp(sys, o, 'getSetting', { key: 'OCPPCommCtrlr.OfflineThreshold' });
    const [req] = o.sent('GetVariables', before);
    expect(req?.getVariableData).toHaveLength(1);
    const d = req!.getVariableData[0];
    expect(ATTRIBUTE_TYPES_READ).toContain(d.attributeType);
    expect({ variable: d.variable.name, component: d.component.name }).toEqual({ variable: 'OfflineThreshold', component: 'OCPPCommCtrlr' });
    // Post scenario: the value read reaches the operator.
    expect(reply.response).toMatchObject({ status: 'Accepted', value: '60' });
  });

  it('TC_B_07_CSMS: Get Variables - multiple values', async () => {
    const o = await station(sys, 'OCTT-B07');
    const values: Record<string, string> = { OfflineThreshold: '60', AuthorizeRemoteStart: 'false' };
    o.answers['GetVariables'] = (p) => ({ getVariableResult: p.getVariableData.map((d: Json) => ({ attributeStatus: 'Accepted', attributeValue: values[d.variable.name], component: d.component, variable: d.variable })) });
    const before = o.received.length;
    const reply = await viaHttp(sys, o, 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } },
        { component: { name: 'AuthCtrlr' }, variable: { name: 'AuthorizeRemoteStart' } },
      ],
    });
    const [req] = o.sent('GetVariables', before);
    for (const d of req!.getVariableData) expect(ATTRIBUTE_TYPES_READ).toContain(d.attributeType);
    const asked = req!.getVariableData.map((d: Json) => `${d.component.name}.${d.variable.name}`).sort();
    expect(asked, 'step 1: both variables, in any order').toEqual(['AuthCtrlr.AuthorizeRemoteStart', 'OCPPCommCtrlr.OfflineThreshold']);
    expect(reply.response.getVariableResult.map((r: Json) => r.attributeValue).sort()).toEqual(['60', 'false']);
  });

  it('TC_B_09_CSMS: Set Variables - single value', async () => {
    const o = await station(sys, 'OCTT-B09');
    o.answers['SetVariables'] = (p) => ({ setVariableResult: p.setVariableData.map((d: Json) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) });
    const before = o.received.length;
    const reply = await viaHttp(sys, o, 'setSetting', { key: 'OCPPCommCtrlr.OfflineThreshold', value: '123' });
    const [req] = o.sent('SetVariables', before);
    expect(req?.setVariableData).toHaveLength(1);
    const d = req!.setVariableData[0];
    expect([undefined, 'Actual']).toContain(d.attributeType);
    expect({ variable: d.variable.name, component: d.component.name, attributeValue: d.attributeValue }).toEqual({ variable: 'OfflineThreshold', component: 'OCPPCommCtrlr', attributeValue: '123' });
    expect(reply.response).toMatchObject({ status: 'Accepted' });
  });

  it('TC_B_10_CSMS: Set Variables - multiple values', async () => {
    const o = await station(sys, 'OCTT-B10');
    o.answers['SetVariables'] = (p) => ({ setVariableResult: p.setVariableData.map((d: Json) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) });
    const before = o.received.length;
    await viaHttp(sys, o, 'SetVariables', {
      setVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: '123' },
        { component: { name: 'AuthCtrlr' }, variable: { name: 'AuthorizeRemoteStart' }, attributeValue: 'false' },
      ],
    });
    const [req] = o.sent('SetVariables', before);
    for (const d of req!.setVariableData) expect([undefined, 'Actual']).toContain(d.attributeType);
    const set = req!.setVariableData.map((d: Json) => `${d.component.name}.${d.variable.name}=${d.attributeValue}`).sort();
    expect(set).toEqual(['AuthCtrlr.AuthorizeRemoteStart=false', 'OCPPCommCtrlr.OfflineThreshold=123']);
  });

  for (const [name, reportBase, identity] of [
    ['TC_B_12_CSMS: Get Base Report - ConfigurationInventory', 'ConfigurationInventory', 'OCTT-B12'],
    ['TC_B_13_CSMS: Get Base Report - FullInventory', 'FullInventory', 'OCTT-B13'],
  ] as const) {
    it(name, async () => {
      const o = await station(sys, identity);
      o.answers['GetBaseReport'] = { status: 'Accepted' };
      const before = o.received.length;
      await viaHttp(sys, o, 'GetBaseReport', { requestId: 7, reportBase });
      const [req] = o.sent('GetBaseReport', before);
      expect(Number.isInteger(req?.requestId) && req!.requestId >= 0, 'step 1: requestId integer >= 0').toBe(true);
      expect(req!.reportBase).toBe(reportBase);
      // Post scenario: every NotifyReport of that requestId is received, and reaches platforms.
      const report = (seqNo: number, tbc: boolean, name: string, value: string) => ({
        requestId: req!.requestId,
        generatedAt: now(),
        seqNo,
        ...(tbc ? { tbc } : {}),
        reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name }, variableAttribute: [{ type: 'Actual', value, mutability: 'ReadWrite' }] }],
      });
      expect(await o.call('NotifyReport', report(0, true, 'OfflineThreshold', '60'))).toEqual({});
      expect(await o.call('NotifyReport', report(1, false, 'HeartbeatInterval', '300'))).toEqual({});
      for (const seqNo of [0, 1]) {
        await platform.waitFor((m) => m.topic === `admin:${o.deviceId}/events` && m.json['action'] === 'NotifyReport' && (m.json['request'] as Json | undefined)?.['seqNo'] === seqNo && (m.json['request'] as Json)['requestId'] === req!.requestId, 5000, `NotifyReport ${seqNo} on events`);
      }
    });
  }

  it('TC_B_20_CSMS: Reset Charging Station - Without ongoing transaction - OnIdle', async () => {
    const o = await station(sys, 'OCTT-B20');
    o.answers['Reset'] = { status: 'Accepted' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: false })).response).toEqual({ status: 'Accepted' });
    expect(o.sent('Reset', before)).toEqual([{ type: 'OnIdle' }]);
    await o.reconnect();
    expect((await o.boot('RemoteReset')).status, 'step 4: BootNotificationResponse status').toBe('Accepted');
    for (const e of EVSES) expect(await o.status(e, 'Available')).toEqual({});
  });

  it('TC_B_21_CSMS: Reset Charging Station - With Ongoing Transaction - OnIdle', async () => {
    const o = await station(sys, 'OCTT-B21');
    const tx = new Tx(o, 'B21-TX');
    await tx.energyTransferStarted();
    o.answers['Reset'] = { status: 'Scheduled' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: false })).response).toEqual({ status: 'Scheduled' });
    expect(o.sent('Reset', before).map((r) => r.type), 'step 1: ResetRequest type').toEqual(['OnIdle']);
    expect(await tx.event('Updated', 'StopAuthorized', { chargingState: 'EVConnected', idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    expect(await tx.event('Ended', 'EVCommunicationLost', { chargingState: 'Idle', stoppedReason: 'EVDisconnected' })).toEqual({});
    await o.reconnect();
    expect((await o.boot('ScheduledReset')).status, 'step 8: BootNotificationResponse status').toBe('Accepted');
    for (const e of EVSES) expect(await o.status(e, 'Available')).toEqual({});
  });

  it('TC_B_22_CSMS: Reset Charging Station - With Ongoing Transaction - Immediate', async () => {
    const o = await station(sys, 'OCTT-B22');
    const tx = new Tx(o, 'B22-TX');
    await tx.energyTransferStarted();
    o.answers['Reset'] = { status: 'Accepted' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: true })).response).toEqual({ status: 'Accepted' });
    expect(o.sent('Reset', before).map((r) => r.type), 'step 1: ResetRequest type').toEqual(['Immediate']);
    expect(await tx.event('Ended', 'ResetCommand', { chargingState: 'EVConnected', stoppedReason: 'ImmediateReset' })).toEqual({});
    await o.reconnect();
    expect((await o.boot('RemoteReset')).status, 'step 6: BootNotificationResponse status').toBe('Accepted');
    expect(await o.status(EVSE, 'Occupied')).toEqual({});
    expect(await o.status(2, 'Available')).toEqual({});
  });

  it('TC_B_25_CSMS: Reset EVSE - Without ongoing transaction', async () => {
    const o = await station(sys, 'OCTT-B25');
    o.answers['Reset'] = { status: 'Accepted' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: false, evseId: EVSE })).response).toEqual({ status: 'Accepted' });
    expect(o.sent('Reset', before), 'step 1: ResetRequest type OnIdle, evseId').toEqual([{ type: 'OnIdle', evseId: EVSE }]);
  });

  it('TC_B_26_CSMS: Reset EVSE - With Ongoing Transaction - OnIdle', async () => {
    const o = await station(sys, 'OCTT-B26');
    const tx = new Tx(o, 'B26-TX');
    await tx.energyTransferStarted();
    o.answers['Reset'] = { status: 'Scheduled' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: false, evseId: EVSE })).response).toEqual({ status: 'Scheduled' });
    expect(o.sent('Reset', before), 'step 1: ResetRequest type OnIdle, evseId').toEqual([{ type: 'OnIdle', evseId: EVSE }]);
    expect(await tx.event('Updated', 'StopAuthorized', { chargingState: 'EVConnected', idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    expect(await tx.event('Ended', 'EVCommunicationLost', { chargingState: 'Idle', stoppedReason: 'EVDisconnected' })).toEqual({});
  });

  it('TC_B_27_CSMS: Reset EVSE - With Ongoing Transaction - Immediate', async () => {
    const o = await station(sys, 'OCTT-B27');
    const tx = new Tx(o, 'B27-TX');
    await tx.energyTransferStarted();
    o.answers['Reset'] = { status: 'Accepted' };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'reset', { hard: true, evseId: EVSE })).response).toEqual({ status: 'Accepted' });
    expect(o.sent('Reset', before), 'step 1: ResetRequest type Immediate, evseId').toEqual([{ type: 'Immediate', evseId: EVSE }]);
    expect(await tx.event('Ended', 'ResetCommand', { chargingState: 'EVConnected', stoppedReason: 'ImmediateReset' })).toEqual({});
  });

  // The OCTT's configured network profile.
  const PROFILE = { configurationSlot: 2, connectionData: { messageTimeout: 30, ocppCsmsUrl: 'wss://csms.example.com/ocpp', ocppInterface: 'Wired0', ocppTransport: 'JSON', ocppVersion: 'OCPP20', securityProfile: 2 } };

  it('TC_B_42_CSMS: Set new NetworkConnectionProfile - Accepted', async () => {
    const o = await station(sys, 'OCTT-B42');
    o.answers['SetNetworkProfile'] = { status: 'Accepted' };
    const before = o.received.length;
    expect((await viaMqtt(platform, o, 'SetNetworkProfile', PROFILE)).response).toEqual({ status: 'Accepted' });
    const [req] = o.sent('SetNetworkProfile', before);
    expect({ configurationSlot: req?.configurationSlot, ...req?.connectionData }, 'step 1: SetNetworkProfileRequest').toMatchObject({
      configurationSlot: PROFILE.configurationSlot,
      messageTimeout: PROFILE.connectionData.messageTimeout,
      ocppCsmsUrl: PROFILE.connectionData.ocppCsmsUrl,
      ocppInterface: PROFILE.connectionData.ocppInterface,
      ocppTransport: 'JSON',
      ocppVersion: 'OCPP20',
      securityProfile: PROFILE.connectionData.securityProfile,
    });
  });

  it('TC_B_44_CSMS: Set new NetworkConnectionProfile - Failed', async () => {
    const o = await station(sys, 'OCTT-B44');
    o.answers['SetNetworkProfile'] = { status: 'Failed' };
    // No tool validation: the CSMS handles the answer (it reaches the operator as such).
    expect((await viaMqtt(platform, o, 'SetNetworkProfile', PROFILE)).response).toEqual({ status: 'Failed' });
    expect(o.sent('SetNetworkProfile')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('C Authorization (part6 §3.4)', () => {
  let sys: System;
  const station = stations();
  beforeAll(async () => {
    // The invalid idToken is one the CSMS does not know: answered Invalid.
    sys = await startSystem({ ACCEPT_UNKNOWN_ID_TAGS: 'false' });
    await putTag(sys, VALID, { status: 'Accepted', parentIdTag: GROUP_ID_TOKEN });
    await putTag(sys, VALID2, { status: 'Accepted', parentIdTag: GROUP_ID_TOKEN });
    await putTag(sys, BLOCKED, { status: 'Blocked' });
    await putTag(sys, EXPIRED, { status: 'Expired' });
    await putTag(sys, MASTERPASS, { status: 'Accepted', parentIdTag: MASTER_PASS_GROUP_ID });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('TC_C_02_CSMS: Local start transaction - Authorization Invalid/Unknown', async () => {
    const o = await station(sys, 'OCTT-C02');
    const r = await o.call('Authorize', { idToken: INVALID });
    expect(['Invalid', 'Unknown'], 'step 2: AuthorizeResponse idTokenInfo.status').toContain(r.idTokenInfo.status);
  });

  it('TC_C_06_CSMS: Local start transaction - Authorization Blocked', async () => {
    const o = await station(sys, 'OCTT-C06');
    const r = await o.call('Authorize', { idToken: BLOCKED });
    expect(['Blocked', 'Invalid'], 'step 2: AuthorizeResponse idTokenInfo.status').toContain(r.idTokenInfo.status);
  });

  it('TC_C_07_CSMS: Local start transaction - Authorization Expired', async () => {
    const o = await station(sys, 'OCTT-C07');
    const r = await o.call('Authorize', { idToken: EXPIRED });
    expect(['Expired', 'Invalid'], 'step 2: AuthorizeResponse idTokenInfo.status').toContain(r.idTokenInfo.status);
  });

  it('TC_C_08_CSMS: Authorization through authorization cache - Accepted', async () => {
    const o = await station(sys, 'OCTT-C08');
    const tx = new Tx(o, 'C08-TX');
    await tx.evConnectedPreSession();
    const r = await tx.event('Updated', 'Authorized', { idToken: VALID });
    expect(r.idTokenInfo?.status, 'step 2: TransactionEventResponse idTokenInfo.status').toBe('Accepted');
  });

  it('TC_C_20_CSMS: Authorization through authorization cache - Invalid', async () => {
    const o = await station(sys, 'OCTT-C20');
    const tx = new Tx(o, 'C20-TX');
    await tx.evConnectedPreSession();
    const r = await tx.event('Updated', 'Authorized', { idToken: INVALID });
    expect(['Invalid', 'Unknown'], 'step 2: TransactionEventResponse idTokenInfo.status').toContain(r.idTokenInfo?.status);
  });

  it('TC_C_37_CSMS: Clear Authorization Data in Authorization Cache - Accepted', async () => {
    const o = await station(sys, 'OCTT-C37');
    o.answers['ClearCache'] = { status: 'Accepted' };
    expect((await viaHttp(sys, o, 'ClearCache', {})).response).toEqual({ status: 'Accepted' });
    expect(o.sent('ClearCache')).toEqual([{}]);
  });

  it('TC_C_38_CSMS: Clear Authorization Data in Authorization Cache - Rejected', async () => {
    const o = await station(sys, 'OCTT-C38');
    o.answers['ClearCache'] = { status: 'Rejected' };
    // No tool validation: the Rejected answer is handled, and reaches the operator.
    expect((await viaHttp(sys, o, 'ClearCache', {})).response).toEqual({ status: 'Rejected' });
    expect(o.sent('ClearCache')).toEqual([{}]);
  });

  it('TC_C_39_CSMS: Authorization by GroupId - Success', async () => {
    const o = await station(sys, 'OCTT-C39');
    const tx = new Tx(o, 'C39-TX');
    await tx.evConnectedPreSession();
    const group = { status: 'Accepted', groupIdToken: { idToken: GROUP_ID_TOKEN } };
    expect(await o.call('Authorize', { idToken: VALID2 }), 'step 2').toMatchObject({ idTokenInfo: group });
    expect(await tx.event('Updated', 'Authorized', { idToken: VALID }), 'step 4').toMatchObject({ idTokenInfo: group });
    tx.authorized = true;
    await tx.energyTransferStarted();
    expect(await o.call('Authorize', { idToken: VALID2 }), 'step 7').toMatchObject({ idTokenInfo: group });
    expect(await tx.stopAuthorizedState(VALID2), 'step 9').toMatchObject({ idTokenInfo: group });
    await tx.evConnectedPostSession();
    expect(await tx.evDisconnected()).toEqual({});
  });

  /** Sessions on EVSE 1 (valid idToken) and EVSE 2 (valid idToken2), each in EnergyTransferStarted. */
  async function twoSessions(o: Octt, prefix: string): Promise<[Tx, Tx]> {
    const one = new Tx(o, `${prefix}-TX1`, { evseId: 1, token: VALID });
    const two = new Tx(o, `${prefix}-TX2`, { evseId: 2, token: VALID2 });
    await one.energyTransferStarted();
    await two.energyTransferStarted();
    return [one, two];
  }

  it('TC_C_47_CSMS: Stop Transaction with a Master Pass - With UI - All transactions', async () => {
    const o = await station(sys, 'OCTT-C47');
    const txs = await twoSessions(o, 'C47');
    // No tool validation: every request answered (valid per the schemas).
    expect(await o.call('Authorize', { idToken: MASTERPASS })).toHaveProperty('idTokenInfo');
    for (const tx of txs) expect(await tx.event('Ended', 'StopAuthorized', { stoppedReason: 'MasterPass', idToken: MASTERPASS })).toHaveProperty('idTokenInfo');
  });

  it('TC_C_48_CSMS: Stop Transaction with a Master Pass - With UI - With UI - Specific transactions', async () => {
    const o = await station(sys, 'OCTT-C48');
    const [one] = await twoSessions(o, 'C48');
    // Step 1 as written sends the valid idToken yet expects the master-pass group: the masterpass
    // idToken is sent (as in C_47 and C_49).
    const master = { status: 'Accepted', groupIdToken: { idToken: MASTER_PASS_GROUP_ID } };
    expect(await o.call('Authorize', { idToken: MASTERPASS }), 'step 2').toMatchObject({ idTokenInfo: master });
    expect(await one.event('Ended', 'StopAuthorized', { stoppedReason: 'MasterPass', idToken: MASTERPASS }), 'step 4').toMatchObject({ idTokenInfo: master });
  });

  it('TC_C_49_CSMS: Stop Transaction with a Master Pass - Without UI', async () => {
    const o = await station(sys, 'OCTT-C49');
    const txs = await twoSessions(o, 'C49');
    // No tool validation. As written, the Ended events carry the valid idToken.
    expect(await o.call('Authorize', { idToken: MASTERPASS })).toHaveProperty('idTokenInfo');
    for (const tx of txs) expect(await tx.event('Ended', 'StopAuthorized', { stoppedReason: 'MasterPass', idToken: VALID })).toHaveProperty('idTokenInfo');
  });
});

// ---------------------------------------------------------------------------------------------
describe('E Transactions (part6 §3.6)', () => {
  let sys: System;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem({ ACCEPT_UNKNOWN_ID_TAGS: 'false' });
    await putTag(sys, VALID, { status: 'Accepted' });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  async function startOption(id: string, startState: string): Promise<void> {
    const o = await station(sys, `OCTT-${id}`);
    const tx = new Tx(o, `${id}-TX`);
    expect((await o.call('Authorize', { idToken: VALID })).idTokenInfo.status, 'step 2: AuthorizeResponse idTokenInfo.status').toBe('Accepted');
    expect(await o.status(EVSE, 'Occupied')).toEqual({});
    const started = await tx.event('Started', 'ChargingStateChanged', { idToken: VALID, evse: true, chargingState: startState });
    expect(started.idTokenInfo?.status, 'step 6: TransactionEventResponse idTokenInfo.status').toBe('Accepted');
    if (startState !== 'Charging') expect(await tx.event('Updated', 'ChargingStateChanged', { chargingState: 'Charging' })).toEqual({});
  }

  it('TC_E_01_CSMS: Start transaction options - PowerPathClosed', () => startOption('E01', 'SuspendedEVSE'));
  it('TC_E_02_CSMS: Start transaction options - EnergyTransfer', () => startOption('E02', 'Charging'));

  it('TC_E_03_CSMS: Local start transaction - Cable plugin first - Success', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E03'), 'E03-TX');
    await tx.evConnectedPreSession();
    await tx.authorizedState();
    await tx.energyTransferStarted();
  });

  it('TC_E_04_CSMS: Local start transaction - Authorization first - Success', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E04'), 'E04-TX');
    await tx.authorizedState();
    await tx.energyTransferStarted();
  });

  it('TC_E_39_CSMS: Stop transaction options - Deauthorized - timeout', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E39'), 'E39-TX');
    await tx.authorizedState();
    expect(await tx.event('Ended', 'EVConnectTimeout', { stoppedReason: 'Timeout' })).toEqual({});
  });

  it('TC_E_14_CSMS: Stop transaction options - EVDisconnected - Charging Station side', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E14'), 'E14-TX');
    await tx.evConnectedPostSession();
    expect(await tx.evDisconnected()).toEqual({});
  });

  it('TC_E_20_CSMS: Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E20'), 'E20-TX');
    await tx.energyTransferSuspended();
    // EVDisconnected runs StopAuthorized (its validation) and EVConnectedPostSession first.
    expect(await tx.evDisconnected()).toEqual({});
  });

  it('TC_E_15_CSMS: Stop transaction options - StopAuthorized - Local', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E15'), 'E15-TX');
    await tx.energyTransferStarted();
    expect(await tx.event('Ended', 'StopAuthorized', { stoppedReason: 'Local' })).toEqual({});
  });

  it('TC_E_21_CSMS: Stop transaction options - StopAuthorized - Remote', async () => {
    const o = await station(sys, 'OCTT-E21');
    const tx = new Tx(o, 'E21-TX');
    await tx.energyTransferStarted();
    o.answers['RequestStopTransaction'] = { status: 'Accepted' };
    // The operator stops the session it knows by the ledger's id (neutral remoteStop).
    const running = (await api(sys.httpUrl, ADMIN_TOKEN).get(`/transactions?deviceId=${o.deviceId}&status=active`)).body.items;
    expect(running).toHaveLength(1);
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'remoteStop', { transactionId: running[0].id })).response).toEqual({ status: 'Accepted' });
    expect(o.sent('RequestStopTransaction', before).map((r) => r.transactionId), 'step 1: RequestStopTransactionRequest transactionId').toEqual([tx.id]);
    expect(await tx.event('Ended', 'RemoteStop', { stoppedReason: 'Remote' })).toEqual({});
  });

  it('TC_E_09_CSMS: Start transaction options - EVConnected', async () => {
    const o = await station(sys, 'OCTT-E09');
    const tx = new Tx(o, 'E09-TX');
    expect(await o.status(EVSE, 'Occupied')).toEqual({});
    expect(await tx.event('Started', 'CablePluggedIn', { evse: true, chargingState: 'EVConnected' })).toEqual({});
  });

  it('TC_E_10_CSMS: Start transaction options - Authorized - Local', async () => {
    const o = await station(sys, 'OCTT-E10');
    const tx = new Tx(o, 'E10-TX');
    expect((await o.call('Authorize', { idToken: VALID })).idTokenInfo.status, 'step 2').toBe('Accepted');
    expect((await tx.event('Started', 'Authorized', { idToken: VALID })).idTokenInfo?.status, 'step 4').toBe('Accepted');
  });

  it('TC_E_11_CSMS: Start transaction options - DataSigned', async () => {
    const o = await station(sys, 'OCTT-E11');
    const tx = new Tx(o, 'E11-TX');
    expect((await o.call('Authorize', { idToken: VALID })).idTokenInfo.status, 'step 2').toBe('Accepted');
    expect(await o.status(EVSE, 'Occupied')).toEqual({});
    const signed = { timestamp: now(), sampledValue: [{ value: 0.0, context: 'Transaction.Begin', signedMeterValue: SIGNED }] };
    const started = await tx.event('Started', 'SignedDataReceived', { idToken: VALID, evse: true, meterValue: [signed] });
    expect(started.idTokenInfo?.status, 'step 6').toBe('Accepted');
    expect(await tx.event('Updated', 'ChargingStateChanged', { chargingState: 'Charging' })).toEqual({});
  });

  it('TC_E_12_CSMS: Start transaction options - ParkingBayOccupied', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E12'), 'E12-TX');
    expect(await tx.event('Started', 'EVDetected')).toEqual({});
  });

  it('TC_E_38_CSMS: Local start transaction - EV not ready', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E38'), 'E38-TX');
    await tx.authorizedState();
    expect(await tx.evConnectedPreSession()).toEqual({});
    expect(await tx.event('Updated', 'ChargingStateChanged', { chargingState: 'SuspendedEV' })).toEqual({});
  });

  it('TC_E_07_CSMS: Stop transaction options - PowerPathClosed - Local stop', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E07'), 'E07-TX');
    await tx.energyTransferStarted();
    expect(await tx.event('Ended', 'StopAuthorized', { stoppedReason: 'Local' })).toEqual({});
  });

  it('TC_E_08_CSMS: Stop transaction options - EnergyTransfer stopped - StopAuthorized', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E08'), 'E08-TX');
    await tx.stopAuthorizedState();
    expect(await tx.event('Ended', 'ChargingStateChanged', { chargingState: 'EVConnected', stoppedReason: 'Local' })).toEqual({});
  });

  it('TC_E_16_CSMS: Stop transaction options - Deauthorized - Invalid idToken', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E16'), 'E16-TX');
    const started = await tx.event('Started', 'Authorized', { idToken: INVALID });
    expect(['Invalid', 'Unknown'], 'step 2: TransactionEventResponse idTokenInfo.status').toContain(started.idTokenInfo?.status);
    expect(await tx.event('Ended', 'Deauthorized', { stoppedReason: 'DeAuthorized' })).toEqual({});
  });

  it('TC_E_17_CSMS: Stop transaction options - Deauthorized - EV side disconnect', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E17'), 'E17-TX');
    await tx.energyTransferSuspended();
    expect(await tx.event('Ended', 'EVCommunicationLost', { chargingState: 'Idle', stoppedReason: 'EVDisconnected' })).toEqual({});
  });

  it('TC_E_22_CSMS: Stop transaction options - EnergyTransfer stopped - SuspendedEV', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E22'), 'E22-TX');
    await tx.energyTransferStarted();
    expect(await tx.event('Ended', 'ChargingStateChanged', { chargingState: 'SuspendedEV', stoppedReason: 'StoppedByEV' })).toEqual({});
  });

  it('TC_E_19_CSMS: Stop transaction options - ParkingBayUnoccupied', async () => {
    const tx = new Tx(await station(sys, 'OCTT-E19'), 'E19-TX');
    expect(await tx.evDisconnected()).toEqual({});
    // A second Ended for the same transaction, as written.
    expect(await tx.event('Ended', 'EVDeparted', { stoppedReason: 'Local' })).toEqual({});
  });

  it('TC_E_26_CSMS: Disconnect cable on EV-side - Suspend transaction', async () => {
    const o = await station(sys, 'OCTT-E26');
    const tx = new Tx(o, 'E26-TX');
    await tx.energyTransferSuspended();
    expect(await tx.event('Updated', 'EVCommunicationLost', { chargingState: 'Idle' })).toEqual({});
    expect(await o.status(EVSE, 'Available')).toEqual({});
    expect(await tx.event('Updated', 'CablePluggedIn', { chargingState: 'EVConnected' })).toEqual({});
    expect(await tx.event('Updated', 'ChargingStateChanged', { chargingState: 'Charging' })).toEqual({});
  });

  /** The station's own id of its running transaction, as a platform reads it from the ledger. */
  async function chargerTransactionId(o: Octt): Promise<string> {
    const items = (await api(sys.httpUrl, ADMIN_TOKEN).get(`/transactions?deviceId=${o.deviceId}&status=active`)).body.items;
    expect(items).toHaveLength(1);
    return items[0].chargerTransactionId;
  }

  const periodic = () => [register(now(), 1500, 'Sample.Periodic')];

  it('TC_E_29_CSMS: Check Transaction status - Transaction with id ongoing - with message in queue', async () => {
    const o = await station(sys, 'OCTT-E29');
    const tx = new Tx(o, 'E29-TX');
    await tx.energyTransferStarted();
    await o.reconnect();
    o.answers['GetTransactionStatus'] = { ongoingIndicator: true, messagesInQueue: true };
    const before = o.received.length;
    await viaHttp(sys, o, 'GetTransactionStatus', { transactionId: await chargerTransactionId(o) });
    expect(o.sent('GetTransactionStatus', before).map((r) => r.transactionId), 'step 3: GetTransactionStatusRequest transactionId').toEqual([tx.id]);
    expect(await tx.event('Updated', 'MeterValuePeriodic', { offline: true, meterValue: periodic() })).toEqual({});
  });

  it('TC_E_30_CSMS: Check Transaction status - Transaction with id ongoing - without message in queue', async () => {
    const o = await station(sys, 'OCTT-E30');
    const tx = new Tx(o, 'E30-TX');
    await tx.energyTransferStarted();
    o.answers['GetTransactionStatus'] = { ongoingIndicator: true, messagesInQueue: false };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'GetTransactionStatus', { transactionId: await chargerTransactionId(o) })).response).toEqual({ ongoingIndicator: true, messagesInQueue: false });
    expect(o.sent('GetTransactionStatus', before).map((r) => r.transactionId), 'step 1: GetTransactionStatusRequest transactionId').toEqual([tx.id]);
  });

  it('TC_E_31_CSMS: Check Transaction status - Transaction with id ended - with message in queue', async () => {
    const o = await station(sys, 'OCTT-E31');
    const tx = new Tx(o, 'E31-TX');
    await tx.energyTransferStarted();
    const running = await chargerTransactionId(o);
    await o.reconnect();
    const skipped = tx.seqNo;
    expect(await tx.event('Ended', 'EVCommunicationLost', { offline: true, chargingState: 'Idle', stoppedReason: 'EVDisconnected', seqNo: skipped + 2 })).toEqual({});
    o.answers['GetTransactionStatus'] = { ongoingIndicator: false, messagesInQueue: true };
    const before = o.received.length;
    await viaHttp(sys, o, 'GetTransactionStatus', { transactionId: running });
    expect(o.sent('GetTransactionStatus', before).map((r) => r.transactionId), 'step 5: GetTransactionStatusRequest transactionId').toEqual([tx.id]);
    expect(await tx.event('Updated', 'StopAuthorized', { offline: true, seqNo: skipped })).toEqual({});
    expect(await tx.event('Updated', 'ChargingStateChanged', { offline: true, chargingState: 'EVConnected', seqNo: skipped + 1 })).toEqual({});
  });

  it('TC_E_33_CSMS: Check Transaction status - Without transactionId - with message in queue', async () => {
    const o = await station(sys, 'OCTT-E33');
    const tx = new Tx(o, 'E33-TX');
    await tx.energyTransferStarted();
    await o.reconnect();
    o.answers['GetTransactionStatus'] = { messagesInQueue: true };
    const before = o.received.length;
    await viaHttp(sys, o, 'GetTransactionStatus', {});
    const sent = o.sent('GetTransactionStatus', before);
    expect(sent).toHaveLength(1);
    expect(sent[0], 'step 3: GetTransactionStatusRequest transactionId omitted').not.toHaveProperty('transactionId');
    expect(await tx.event('Updated', 'MeterValuePeriodic', { offline: true, meterValue: periodic() })).toEqual({});
  });

  it('TC_E_34_CSMS: Check Transaction status - Without transactionId - without message in queue', async () => {
    const o = await station(sys, 'OCTT-E34');
    o.answers['GetTransactionStatus'] = { messagesInQueue: false };
    const before = o.received.length;
    expect((await viaHttp(sys, o, 'GetTransactionStatus', {})).response).toEqual({ messagesInQueue: false });
    const sent = o.sent('GetTransactionStatus', before);
    expect(sent).toHaveLength(1);
    expect(sent[0], 'step 1: GetTransactionStatusRequest transactionId omitted').not.toHaveProperty('transactionId');
  });

  it('TC_E_53_CSMS: Reset Sequence Number - CSMS accepting seqNo = 0 at start of transaction', async () => {
    const o = await station(sys, 'OCTT-E53');
    for (const id of ['E53-TX1', 'E53-TX2']) {
      const tx = new Tx(o, id);
      // EnergyTransferStarted: its first TransactionEvent is the Started with seqNo 0 (each new
      // transaction starts again at 0), answered (Authorized's own check: Accepted).
      expect(tx.seqNo).toBe(0);
      const { event } = await tx.authorizedState();
      expect(event, `${id}: TransactionEventResponse to the Started with seqNo 0`).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
      await tx.energyTransferStarted();
      expect(await tx.evDisconnected()).toEqual({});
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('F Remote Control (part6 §3.7)', () => {
  let sys: System;
  let platform: Platform;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem({ ACCEPT_UNKNOWN_ID_TAGS: 'false' });
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/config/reply'] });
    await putTag(sys, VALID, { status: 'Accepted' });
  });
  afterAll(async () => {
    await platform?.close();
    await sys?.stop();
  });

  /** The operator starts a session for the valid idToken (neutral remoteStart); the request the OCTT got. */
  async function remoteStart(o: Octt, answer: Json): Promise<{ request: Json; reply: Json }> {
    o.answers['RequestStartTransaction'] = answer;
    const before = o.received.length;
    const reply = await viaMqtt(platform, o, 'remoteStart', { idTag: VALID.idToken, idTokenType: VALID.type, connectorId: EVSE });
    const [request] = o.sent('RequestStartTransaction', before);
    expect(request?.idToken, 'step 1: RequestStartTransactionRequest idToken').toEqual({ idToken: VALID.idToken, type: VALID.type });
    expect(reply['response'].remoteStartId).toBe(request!.remoteStartId);
    return { request: request!, reply };
  }

  it('TC_F_01_CSMS: Remote start transaction - Cable plugin first', async () => {
    const o = await station(sys, 'OCTT-F01');
    const tx = new Tx(o, 'F01-TX');
    await tx.evConnectedPreSession();
    const { request } = await remoteStart(o, { status: 'Accepted', transactionId: tx.id });
    expect(await tx.event('Updated', 'RemoteStart', { remoteStartId: request.remoteStartId, idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    // EnergyTransferStarted with State Authorized and EVConnected true.
    tx.authorized = true;
    await tx.energyTransferStarted();
  });

  it('TC_F_02_CSMS: Remote start transaction - Remote start first - AuthorizeRemoteStart is true', async () => {
    const o = await station(sys, 'OCTT-F02');
    const tx = new Tx(o, 'F02-TX');
    const { request } = await remoteStart(o, { status: 'Accepted' });
    expect((await o.call('Authorize', { idToken: VALID })).idTokenInfo.status, 'step 4: AuthorizeResponse idTokenInfo.status').toBe('Accepted');
    expect(await tx.event('Started', 'RemoteStart', { remoteStartId: request.remoteStartId, idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    tx.authorized = true;
    await tx.energyTransferStarted();
  });

  it('TC_F_03_CSMS: Remote start transaction - Remote start first - AuthorizeRemoteStart is false', async () => {
    const o = await station(sys, 'OCTT-F03');
    const tx = new Tx(o, 'F03-TX');
    const { request } = await remoteStart(o, { status: 'Accepted' });
    expect(await tx.event('Started', 'RemoteStart', { remoteStartId: request.remoteStartId, idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    tx.authorized = true;
    await tx.energyTransferStarted();
  });

  it('TC_F_04_CSMS: Remote start transaction - Remote start first - Cable plugin timeout', async () => {
    const o = await station(sys, 'OCTT-F04');
    const tx = new Tx(o, 'F04-TX');
    const { request } = await remoteStart(o, { status: 'Accepted' });
    expect(await tx.event('Started', 'RemoteStart', { remoteStartId: request.remoteStartId, idToken: VALID })).toMatchObject({ idTokenInfo: { status: 'Accepted' } });
    expect(await tx.event('Updated', 'EVConnectTimeout')).toEqual({});
  });

  it('TC_F_06_CSMS: Remote unlock Connector - Without ongoing transaction - Accepted', async () => {
    const o = await station(sys, 'OCTT-F06');
    o.answers['UnlockConnector'] = { status: 'Unlocked' };
    expect((await viaMqtt(platform, o, 'unlock', { connectorId: EVSE }))['response']).toEqual({ status: 'Unlocked' });
    expect(o.sent('UnlockConnector'), 'step 1: UnlockConnectorRequest evseId, connectorId').toEqual([{ evseId: EVSE, connectorId: CONNECTOR }]);
  });

  /** The operator sends TriggerMessage; the requests the OCTT got. */
  async function trigger(o: Octt, payload: Json, status = 'Accepted'): Promise<Json[]> {
    o.answers['TriggerMessage'] = { status };
    const before = o.received.length;
    expect((await viaMqtt(platform, o, 'TriggerMessage', payload))['response']).toEqual({ status });
    const sent = o.sent('TriggerMessage', before);
    expect(sent).toHaveLength(1);
    return sent;
  }

  const triggered = (evseId: number) => ({ evseId, meterValue: [{ timestamp: now(), sampledValue: [{ value: 1234, context: 'Trigger', measurand: 'Energy.Active.Import.Register' }] }] });

  it('TC_F_11_CSMS: Trigger message - MeterValues - Specific EVSE', async () => {
    const o = await station(sys, 'OCTT-F11');
    const [req] = await trigger(o, { requestedMessage: 'MeterValues', evse: { id: EVSE } });
    expect({ requestedMessage: req!.requestedMessage, evseId: req!.evse?.id }, 'step 1').toEqual({ requestedMessage: 'MeterValues', evseId: EVSE });
    expect(await o.call('MeterValues', triggered(EVSE))).toEqual({});
  });

  it('TC_F_12_CSMS: Trigger message - MeterValues - All EVSE', async () => {
    const o = await station(sys, 'OCTT-F12');
    const [req] = await trigger(o, { requestedMessage: 'MeterValues' });
    expect(req!.requestedMessage, 'step 1').toBe('MeterValues');
    // "evseId omitted" in part6, but MeterValuesRequest requires it: one per EVSE.
    for (const e of EVSES) expect(await o.call('MeterValues', triggered(e))).toEqual({});
  });

  const triggeredTx = () => [{ timestamp: now(), sampledValue: [{ value: 1500, context: 'Trigger', measurand: 'Energy.Active.Import.Register' }] }];

  it('TC_F_13_CSMS: Trigger message - TransactionEvent - Specific EVSE', async () => {
    const o = await station(sys, 'OCTT-F13');
    const tx = new Tx(o, 'F13-TX');
    await tx.energyTransferStarted();
    const [req] = await trigger(o, { requestedMessage: 'TransactionEvent', evse: { id: EVSE } });
    expect({ requestedMessage: req!.requestedMessage, evseId: req!.evse?.id }, 'step 1').toEqual({ requestedMessage: 'TransactionEvent', evseId: EVSE });
    expect(await tx.event('Updated', 'Trigger', { evse: true, chargingState: 'Charging', meterValue: triggeredTx() })).toEqual({});
  });

  it('TC_F_14_CSMS: Trigger message - TransactionEvent - All EVSE', async () => {
    const o = await station(sys, 'OCTT-F14');
    const tx = new Tx(o, 'F14-TX');
    await tx.energyTransferStarted();
    const [req] = await trigger(o, { requestedMessage: 'TransactionEvent' });
    expect(req!.requestedMessage, 'step 1').toBe('TransactionEvent');
    // One per EVSE with a transaction (only EVSE 1 has one), evse omitted.
    expect(await tx.event('Updated', 'Trigger', { chargingState: 'Charging', meterValue: triggeredTx() })).toEqual({});
  });

  it('TC_F_15_CSMS: Trigger message - LogStatusNotification - Idle', async () => {
    const o = await station(sys, 'OCTT-F15');
    const [req] = await trigger(o, { requestedMessage: 'LogStatusNotification' });
    expect(req!.requestedMessage, 'step 1').toBe('LogStatusNotification');
    expect(await o.call('LogStatusNotification', { status: 'Idle' })).toEqual({});
  });

  it('TC_F_18_CSMS: Trigger message - FirmwareStatusNotification - Idle', async () => {
    const o = await station(sys, 'OCTT-F18');
    const [req] = await trigger(o, { requestedMessage: 'FirmwareStatusNotification' });
    expect(req!.requestedMessage, 'step 1').toBe('FirmwareStatusNotification');
    expect(await o.call('FirmwareStatusNotification', { status: 'Idle' })).toEqual({});
  });

  it('TC_F_20_CSMS: Trigger message - Heartbeat', async () => {
    const o = await station(sys, 'OCTT-F20');
    const [req] = await trigger(o, { requestedMessage: 'Heartbeat' });
    expect(req!.requestedMessage, 'step 1').toBe('Heartbeat');
    expect(await o.call('Heartbeat', {})).toHaveProperty('currentTime');
  });

  it('TC_F_23_CSMS: Trigger message - StatusNotification - Specific EVSE - Available', async () => {
    const o = await station(sys, 'OCTT-F23');
    const [req] = await trigger(o, { requestedMessage: 'StatusNotification', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect({ requestedMessage: req!.requestedMessage, evseId: req!.evse?.id }, 'step 1').toEqual({ requestedMessage: 'StatusNotification', evseId: EVSE });
    expect(await o.status(EVSE, 'Available')).toEqual({});
  });

  it('TC_F_24_CSMS: Trigger message - StatusNotification - Specific EVSE - Occupied', async () => {
    const o = await station(sys, 'OCTT-F24');
    expect(await o.status(EVSE, 'Occupied')).toEqual({});
    const [req] = await trigger(o, { requestedMessage: 'StatusNotification', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect({ requestedMessage: req!.requestedMessage, evseId: req!.evse?.id }, 'step 3').toEqual({ requestedMessage: 'StatusNotification', evseId: EVSE });
    expect(await o.availabilityEvent('Occupied', 'Connector', EVSE)).toEqual({});
  });

  it('TC_F_27_CSMS: Trigger message - NotImplemented', async () => {
    const o = await station(sys, 'OCTT-F27');
    // No tool validation: the NotImplemented answer is handled, and reaches the operator.
    await trigger(o, { requestedMessage: 'SignV2GCertificate' }, 'NotImplemented');
  });
});

// ---------------------------------------------------------------------------------------------
describe('G Availability (part6 §3.8)', () => {
  let sys: System;
  let platform: Platform;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem({ ACCEPT_UNKNOWN_ID_TAGS: 'false' });
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/config/reply'] });
    await putTag(sys, VALID, { status: 'Accepted' });
  });
  afterAll(async () => {
    await platform?.close();
    await sys?.stop();
  });

  /** The operator changes availability; the ChangeAvailabilityRequest the OCTT got. */
  async function changeAvailability(o: Octt, action: string, payload: Json, status = 'Accepted'): Promise<Json> {
    o.answers['ChangeAvailability'] = { status };
    const before = o.received.length;
    expect((await viaMqtt(platform, o, action, payload))['response']).toEqual({ status });
    const sent = o.sent('ChangeAvailability', before);
    expect(sent).toHaveLength(1);
    return sent[0]!;
  }

  /** Reusable State Unavailable (l. 22673) for an EVSE: Inoperative, evse the EVSE, no connectorId. */
  async function unavailableEvse(o: Octt, evseId: number): Promise<void> {
    const req = await changeAvailability(o, 'setAvailability', { available: false, connectorId: evseId });
    expect(req, 'Unavailable step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Inoperative', evse: { id: evseId } });
    expect(await o.status(evseId, 'Unavailable')).toEqual({});
    expect(await o.availabilityEvent('Unavailable', 'EVSE', evseId)).toEqual({});
  }

  it('TC_G_03_CSMS: Change Availability EVSE - Operative to inoperative', async () => {
    await unavailableEvse(await station(sys, 'OCTT-G03'), EVSE);
  });

  it('TC_G_04_CSMS: Change Availability EVSE - Inoperative to operative', async () => {
    const o = await station(sys, 'OCTT-G04');
    await unavailableEvse(o, EVSE);
    const req = await changeAvailability(o, 'setAvailability', { available: true, connectorId: EVSE });
    expect(req, 'step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Operative', evse: { id: EVSE } });
    expect(await o.status(EVSE, 'Available')).toEqual({});
    expect(await o.availabilityEvent('Available', 'EVSE', EVSE)).toEqual({});
  });

  it('TC_G_05_CSMS: Change Availability Charging Station - Operative to inoperative', async () => {
    const o = await station(sys, 'OCTT-G05');
    const req = await changeAvailability(o, 'setAvailability', { available: false });
    expect(req, 'step 1: ChangeAvailabilityRequest, evse omitted').toEqual({ operationalStatus: 'Inoperative' });
    expect(await o.status(1, 'Unavailable')).toEqual({});
    expect(await o.availabilityEvent('Unavailable', 'Connector', 2)).toEqual({});
  });

  it('TC_G_06_CSMS: Change Availability Charging Station - Inoperative to operative', async () => {
    const o = await station(sys, 'OCTT-G06');
    expect(await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ operationalStatus: 'Inoperative' });
    for (const e of EVSES) expect(await o.status(e, 'Unavailable')).toEqual({});
    const req = await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Operative' });
    expect(req, 'step 1: ChangeAvailabilityRequest, evse omitted').toEqual({ operationalStatus: 'Operative' });
    for (const e of EVSES) expect(await o.status(e, 'Available')).toEqual({});
  });

  it('TC_G_07_CSMS: Change Availability Connector - Operative to inoperative', async () => {
    const o = await station(sys, 'OCTT-G07');
    const req = await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect(req, 'step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Inoperative', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect(await o.status(EVSE, 'Unavailable')).toEqual({});
  });

  it('TC_G_08_CSMS: Change Availability Connector - Inoperative to operative', async () => {
    const o = await station(sys, 'OCTT-G08');
    await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect(await o.availabilityEvent('Unavailable', 'Connector', EVSE)).toEqual({});
    const req = await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Operative', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect(req, 'step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Operative', evse: { id: EVSE, connectorId: CONNECTOR } });
    expect(await o.availabilityEvent('Available', 'Connector', EVSE)).toEqual({});
  });

  /** A session ends after a Scheduled change (StopAuthorized, EVConnectedPostSession, EVDisconnected). */
  async function endSession(tx: Tx): Promise<void> {
    await tx.stopAuthorizedState();
    await tx.evConnectedPostSession();
    expect(await tx.evDisconnected()).toEqual({});
  }

  it('TC_G_11_CSMS: Change Availability EVSE - With ongoing transaction', async () => {
    const o = await station(sys, 'OCTT-G11');
    const tx = new Tx(o, 'G11-TX');
    await tx.energyTransferStarted();
    const req = await changeAvailability(o, 'setAvailability', { available: false, connectorId: EVSE }, 'Scheduled');
    expect(req, 'step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Inoperative', evse: { id: EVSE } });
    await endSession(tx);
    // Post scenario: a report of every connector answered.
    expect(await o.status(EVSE, 'Unavailable')).toEqual({});
  });

  it('TC_G_14_CSMS: Change Availability Charging Station - With ongoing transaction', async () => {
    const o = await station(sys, 'OCTT-G14');
    const tx = new Tx(o, 'G14-TX');
    await tx.energyTransferStarted();
    const req = await changeAvailability(o, 'setAvailability', { available: false }, 'Scheduled');
    expect(req, 'step 1: ChangeAvailabilityRequest, evse omitted').toEqual({ operationalStatus: 'Inoperative' });
    expect(await o.status(2, 'Unavailable')).toEqual({});
    await endSession(tx);
    expect(await o.status(EVSE, 'Unavailable')).toEqual({});
  });

  it('TC_G_17_CSMS: Change Availability Connector - With ongoing transaction', async () => {
    const o = await station(sys, 'OCTT-G17');
    const tx = new Tx(o, 'G17-TX');
    await tx.energyTransferStarted();
    const req = await changeAvailability(o, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: EVSE, connectorId: CONNECTOR } }, 'Scheduled');
    expect(req, 'step 1: ChangeAvailabilityRequest').toEqual({ operationalStatus: 'Inoperative', evse: { id: EVSE, connectorId: CONNECTOR } });
    await endSession(tx);
    expect(await o.status(EVSE, 'Unavailable')).toEqual({});
  });

  it('TC_G_20_CSMS: Connector status Notification - Lock Failure', async () => {
    const o = await station(sys, 'OCTT-G20');
    expect(await o.notifyEvent([{ trigger: 'Delta', actualValue: 'true', component: { name: 'ConnectorPlugRetentionLock', evse: { id: EVSE, connectorId: CONNECTOR } }, variable: { name: 'Problem' } }])).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------
describe('J MeterValues (part6 §3.11)', () => {
  let sys: System;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem({ ACCEPT_UNKNOWN_ID_TAGS: 'false' });
    await putTag(sys, VALID, { status: 'Accepted' });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const INTERVAL = 900; // <Configured clock-aligned Meter Values interval>, s
  const aligned = (ts: string, wh: number) => ({ timestamp: ts, sampledValue: [{ value: wh, context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] });

  it('TC_J_01_CSMS: Clock-aligned Meter Values - No transaction ongoing', async () => {
    const o = await station(sys, 'OCTT-J01');
    const t0 = Math.floor(Date.now() / (INTERVAL * 1000)) * INTERVAL * 1000;
    // Three rounds, for evseId 0 and every EVSE: MeterValues, or NotifyEvent FiscalMetering.
    for (let i = 0; i < 3; i++) {
      for (const evseId of [0, ...EVSES]) expect(await o.call('MeterValues', { evseId, meterValue: [aligned(at(t0, i * INTERVAL), 1000 + i)] })).toEqual({});
    }
    expect(await o.notifyEvent([{ trigger: 'Periodic', actualValue: '1003', component: { name: 'FiscalMetering' }, variable: { name: 'EnergyImport' }, timestamp: at(t0, 3 * INTERVAL) }])).toEqual({});
  });

  it('TC_J_02_CSMS: Clock-aligned Meter Values - Transaction ongoing', async () => {
    const o = await station(sys, 'OCTT-J02');
    const tx = new Tx(o, 'J02-TX');
    await tx.energyTransferStarted();
    const t0 = Math.floor(Date.now() / (INTERVAL * 1000)) * INTERVAL * 1000;
    for (let i = 1; i <= 3; i++) {
      const ts = at(t0, i * INTERVAL);
      for (const evseId of [0, 2]) expect(await o.call('MeterValues', { evseId, meterValue: [aligned(ts, 500 + i)] })).toEqual({});
      expect(await tx.event('Updated', 'MeterValueClock', { meterValue: [aligned(ts, 2000 + i)] })).toEqual({});
    }
  });

  async function endedWithValues(identity: string, context: 'Sample.Clock' | 'Sample.Periodic', signed: boolean): Promise<void> {
    const o = await station(sys, identity);
    const tx = new Tx(o, `${identity}-TX`);
    await tx.energyTransferStarted();
    const t0 = Date.now();
    const step = context === 'Sample.Clock' ? INTERVAL : 60;
    const meterValue = [register(at(t0, step), 2100, context, signed), register(at(t0, 2 * step), 2200, context, signed), register(at(t0, 2 * step + 5), 2250, 'Transaction.End', signed)];
    expect(await tx.evDisconnected({ meterValue })).toEqual({});
  }

  it('TC_J_03_CSMS: Clock-aligned Meter Values - EventType Ended', () => endedWithValues('OCTT-J03', 'Sample.Clock', false));
  it('TC_J_04_CSMS: Clock-aligned Meter Values - Signed', () => endedWithValues('OCTT-J04', 'Sample.Clock', true));

  it('TC_J_07_CSMS: Sampled Meter Values - EventType Started - EVSE known', async () => {
    const tx = new Tx(await station(sys, 'OCTT-J07'), 'J07-TX');
    expect(await tx.evConnectedPreSession({ meterValue: [register(now(), 2000, 'Transaction.Begin')] })).toEqual({});
  });

  it('TC_J_08_CSMS: Sampled Meter Values - Context Transaction.Begin - EVSE not known', async () => {
    const tx = new Tx(await station(sys, 'OCTT-J08'), 'J08-TX');
    await tx.authorizedState();
    expect(await tx.evConnectedPreSession({ meterValue: [register(now(), 2000, 'Transaction.Begin')] })).toEqual({});
    await tx.energyTransferStarted();
  });

  it('TC_J_09_CSMS: Sampled Meter Values - EventType Updated', async () => {
    const tx = new Tx(await station(sys, 'OCTT-J09'), 'J09-TX');
    await tx.energyTransferStarted();
    const t0 = Date.now();
    for (let i = 1; i <= 3; i++) expect(await tx.event('Updated', 'MeterValuePeriodic', { meterValue: [register(at(t0, i * 60), 2000 + i * 100, 'Sample.Periodic')] })).toEqual({});
  });

  it('TC_J_10_CSMS: Sampled Meter Values - EventType Ended', () => endedWithValues('OCTT-J10', 'Sample.Periodic', false));
  it('TC_J_11_CSMS: Sampled Meter Values - Signed', () => endedWithValues('OCTT-J11', 'Sample.Periodic', true));
});

// ---------------------------------------------------------------------------------------------
describe('P DataTransfer (part6 §3.17)', () => {
  let sys: System;
  const station = stations();
  beforeAll(async () => {
    sys = await startSystem();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('TC_P_02_CSMS: Data Transfer to the CSMS - Rejected / Unknown VendorId / Unknown MessageId', async () => {
    const o = await station(sys, 'OCTT-P02');
    const r = await o.call('DataTransfer', { vendorId: 'org.openchargealliance.octt', messageId: 'OCTTTestMessage', data: 'test' });
    expect(['UnknownVendorId', 'UnknownMessageId', 'Rejected'], 'step 2: DataTransferResponse status').toContain(r.status);
  });

  it('TC_P_03_CSMS: CustomData - Receive custom data', async () => {
    const o = await station(sys, 'OCTT-P03');
    const customData = { vendorId: 'org.openchargealliance.octt', note: 'custom', nested: { n: 1 } };
    expect(await o.status(EVSE, 'Occupied', { customData })).toEqual({});
    const tx = new Tx(o, 'P03-TX');
    expect(await tx.event('Started', 'CablePluggedIn', { evse: true, chargingState: 'EVConnected', extra: { customData }, info: { customData } })).toEqual({});
  });
});
