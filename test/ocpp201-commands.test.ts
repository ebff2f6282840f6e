/**
 * Issue 5 for OCPP 2.0.1 (issue 17): every CSMS-initiated 2.0.1 action reaches a real 2.0.1
 * station (ocpp-rpc's RPCClient, protocols ['ocpp2.0.1'], strict, so the request it gets and the
 * answer it gives are validated against the official 2.0.1 schemas) over MQTT (`config` /
 * `config/reply`) and over HTTP; invalid commands (2.0.1 schema, an EVSE never reported, a
 * 1.6-only action) are refused naming the field and never sent; a CALLERROR comes back with its
 * code; the version-neutral commands become each version's own request and answer in one shape;
 * an offline 2.0.1 device answers offline, not sent. Same harness and structure as
 * test/commands.test.ts (1.6).
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRPCError, createValidator, type RPCClient } from 'ocpp-rpc';
import { CSMS_ACTIONS } from '../ocpp/ocpp201/types.ts';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

const require = createRequire(import.meta.url);
const SCHEMAS_201 = require('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as Parameters<typeof createValidator>[1];

/**
 * A refused command over HTTP: VALIDATION_FAILED, which common/errors.ts, docs/api.md ("Errors")
 * and docs/commands.md ("Over HTTP") give as 400, and test/commands.test.ts asserts for 1.6.
 */
const VALIDATION_STATUS = 400;

const now = new Date().toISOString();
const future = new Date(Date.now() + 3_600_000).toISOString();
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUJ0hcL6RP0tq6Cf0o6wqDHGOyzIswCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n';
const HASH = { hashAlgorithm: 'SHA256', issuerNameHash: 'e3b0c44298fc1c149afbf4c8996fb924', issuerKeyHash: '27ae41e4649b934ca495991b7852b855', serialNumber: '01A7' };
const CHECKSUM = '0123456789abcdef0123456789abcdef';
const idToken = { idToken: 'NOA', type: 'ISO14443' };

// action, payload, the station's answer (both valid per the 2.0.1 .req / .conf schemas)
const OPERATIONS: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ['CancelReservation', { reservationId: 1 }, { status: 'Accepted' }],
  ['CertificateSigned', { certificateChain: PEM, certificateType: 'ChargingStationCertificate' }, { status: 'Accepted' }],
  ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1, connectorId: 1 } }, { status: 'Accepted' }],
  ['ClearCache', {}, { status: 'Accepted' }],
  ['ClearChargingProfile', { chargingProfileId: 1, chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0 } }, { status: 'Accepted' }],
  ['ClearDisplayMessage', { id: 1 }, { status: 'Accepted' }],
  ['ClearVariableMonitoring', { id: [1, 2] }, { clearMonitoringResult: [{ status: 'Accepted', id: 1 }, { status: 'NotFound', id: 2 }] }],
  ['CostUpdated', { totalCost: 12.34, transactionId: 'TX-COST-1' }, {}],
  ['CustomerInformation', { requestId: 1, report: true, clear: false, idToken }, { status: 'Accepted' }],
  ['DataTransfer', { vendorId: 'ABB', messageId: 'GetTemp', data: { probe: 1 } }, { status: 'Accepted', data: { temperature: 35.5 } }],
  ['DeleteCertificate', { certificateHashData: HASH }, { status: 'Accepted' }],
  ['GetBaseReport', { requestId: 2, reportBase: 'FullInventory' }, { status: 'Accepted' }],
  ['GetChargingProfiles', { requestId: 3, evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } }, { status: 'NoProfiles' }],
  [
    'GetCompositeSchedule',
    { duration: 3600, evseId: 1, chargingRateUnit: 'W' },
    { status: 'Accepted', schedule: { evseId: 1, duration: 3600, scheduleStart: now, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] } },
  ],
  ['GetDisplayMessages', { requestId: 4 }, { status: 'Unknown' }],
  ['GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }, { status: 'Accepted', certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: HASH }] }],
  ['GetLocalListVersion', {}, { versionNumber: 2 }],
  ['GetLog', { log: { remoteLocation: 'ftp://diag.example/upload/' }, logType: 'DiagnosticsLog', requestId: 5 }, { status: 'Accepted', filename: 'diag-2026.zip' }],
  ['GetMonitoringReport', { requestId: 6, monitoringCriteria: ['ThresholdMonitoring'] }, { status: 'Accepted' }],
  ['GetReport', { requestId: 7, componentCriteria: ['Problem'] }, { status: 'EmptyResultSet' }],
  ['GetTransactionStatus', { transactionId: 'TX-0' }, { ongoingIndicator: false, messagesInQueue: false }],
  [
    'GetVariables',
    { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
    { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '30', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  ],
  ['InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: PEM }, { status: 'Accepted' }],
  ['PublishFirmware', { location: 'https://fw.example/terra54-2.0.bin', checksum: CHECKSUM, requestId: 8 }, { status: 'Accepted' }],
  ['RequestStartTransaction', { idToken, remoteStartId: 42, evseId: 1 }, { status: 'Accepted', transactionId: 'TX-RS-1' }],
  ['RequestStopTransaction', { transactionId: 'TX-RS-1' }, { status: 'Accepted' }],
  ['ReserveNow', { id: 1, expiryDateTime: future, idToken, evseId: 2 }, { status: 'Accepted' }],
  ['Reset', { type: 'OnIdle', evseId: 2 }, { status: 'Accepted' }],
  ['SendLocalList', { versionNumber: 3, updateType: 'Full', localAuthorizationList: [{ idToken, idTokenInfo: { status: 'Accepted' } }] }, { status: 'Accepted' }],
  [
    'SetChargingProfile',
    {
      evseId: 0,
      chargingProfile: {
        id: 1,
        stackLevel: 0,
        chargingProfilePurpose: 'ChargingStationMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: 1, startSchedule: now, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] }],
      },
    },
    { status: 'Accepted' },
  ],
  ['SetDisplayMessage', { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Out of order until 14:00' } } }, { status: 'Accepted' }],
  ['SetMonitoringBase', { monitoringBase: 'All' }, { status: 'Accepted' }],
  ['SetMonitoringLevel', { severity: 5 }, { status: 'Accepted' }],
  [
    'SetNetworkProfile',
    { configurationSlot: 1, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://csms.example/ocpp', messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' } },
    { status: 'Accepted' },
  ],
  [
    'SetVariableMonitoring',
    { setMonitoringData: [{ value: 80, type: 'UpperThreshold', severity: 4, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] },
    { setMonitoringResult: [{ id: 1, status: 'Accepted', type: 'UpperThreshold', severity: 4, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] },
  ],
  [
    'SetVariables',
    { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' }] },
    { setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } }] },
  ],
  ['TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }, { status: 'Accepted' }],
  ['UnlockConnector', { evseId: 1, connectorId: 1 }, { status: 'Unlocked' }],
  ['UnpublishFirmware', { checksum: CHECKSUM }, { status: 'Unpublished' }],
  ['UpdateFirmware', { requestId: 9, firmware: { location: 'https://fw.example/terra54-2.0.bin', retrieveDateTime: future } }, { status: 'Accepted' }],
];

// The 1.6 station's answers (1.6 .conf schemas) to what the neutral commands become.
const ANSWERS_16: Record<string, Record<string, unknown>> = {
  Reset: { status: 'Accepted' },
  RemoteStartTransaction: { status: 'Accepted' },
  RemoteStopTransaction: { status: 'Accepted' },
  UnlockConnector: { status: 'Unlocked' },
  ChangeAvailability: { status: 'Accepted' },
  GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '30' }] },
  ChangeConfiguration: { status: 'Accepted' },
  ClearCache: { status: 'Accepted' },
};
const ANSWERS_201: Record<string, Record<string, unknown>> = Object.fromEntries(OPERATIONS.map(([a, , answer]) => [a, answer]));

/** A real OCPP-J client that records every call it gets (and every strict-mode failure) and answers from a table. */
class RecordingStation {
  received: Array<{ action: string; payload: unknown }> = [];
  strictFailures: Array<{ method: string; outbound: boolean; error: string }> = [];
  mode: 'answer' | 'error' = 'answer';
  errorCode = 'NotSupported';
  readonly client: RPCClient;
  constructor(client: RPCClient, answers: Record<string, Record<string, unknown>>) {
    this.client = client;
    client.on('strictValidationFailure', (e: { method: string; outbound: boolean; error: Error }) => {
      this.strictFailures.push({ method: e.method, outbound: e.outbound, error: String(e.error) });
    });
    client.handle(async ({ method, params }) => {
      this.received.push({ action: method!, payload: params });
      if (this.mode === 'error') throw createRPCError(this.errorCode, 'not on this model');
      const answer = Object.hasOwn(answers, method!) ? answers[method!] : undefined;
      if (!answer) throw createRPCError('NotImplemented', `no answer for ${method}`);
      return answer;
    });
  }
}

let sys: System;
let platform: Platform;
let station: RecordingStation;
let deviceId: string;
const http = () => api(sys.httpUrl, ADMIN_TOKEN);
const stateOf = (cpId: string) => (m: Received) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId;
const idOf = (m: Received) => m.topic.split(/[:/]/)[1]!;
const connectors = (m: Received) => (m.json['connectors'] ?? {}) as Record<string, Record<string, unknown>>;

beforeAll(async () => {
  sys = await startSystem({ OCPP_CALL_TIMEOUT_MS: '2000' });
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/config/reply', '+/events', '+/state'] });
  station = new RecordingStation(await connectCharger(sys, 'CMD201-1', { protocols: ['ocpp2.0.1'] }), ANSWERS_201);
  expect(station.client.protocol).toBe('ocpp2.0.1');
  expect(await station.client.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ABB', model: 'Terra 54', serialNumber: 'T54-CMD' } })).toMatchObject({ status: 'Accepted' });
  expect(await station.client.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 })).toEqual({});
  expect(await station.client.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 2, connectorId: 1 })).toEqual({});
  const known = await platform.waitFor((m) => stateOf('CMD201-1')(m) && m.json['protocol'] === 'ocpp2.0.1' && connectors(m)['1']?.['evseId'] === 1 && connectors(m)['2']?.['evseId'] === 2, 5000, 'the shadow with EVSEs 1 and 2');
  deviceId = idOf(known);
});
afterAll(async () => {
  await station?.client.close({ force: true });
  await platform?.close();
  await sys?.stop();
});
afterEach(() => {
  // The station validated every request it got and every answer it gave (strict mode).
  expect(station.strictFailures).toEqual([]);
  station.mode = 'answer';
  station.errorCode = 'NotSupported';
});

let seq = 0;
async function viaMqtt(target: string, action: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const id = `m201-${++seq}`;
  await platform.client.publishAsync(`admin:${target}/config`, JSON.stringify({ id, action, payload, ...extra }), { qos: 1 });
  return (await platform.waitFor((m) => m.topic === `admin:${target}/config/reply` && m.json['id'] === id, 8000, `reply ${id}`)).json;
}

/** Asserts a command is refused as invalid naming `field` (MQTT `error.field`, HTTP `body.<field>`). */
async function expectInvalid(via: 'mqtt' | 'http', target: string, action: string, payload: Record<string, unknown>, field: string, soft = false) {
  // soft: every case of a test is checked and reported, not only the first that fails.
  const check = soft ? expect.soft : expect;
  if (via === 'mqtt') {
    const r = await viaMqtt(target, action, payload);
    check(r, `${action} ${JSON.stringify(payload)}`).toMatchObject({ action, status: 'error', error: { code: 'invalid', field } });
  } else {
    const r = await http().post(`/devices/${target}/commands`, { action, payload });
    check({ status: r.status, type: r.type, code: r.body.code, field: r.body.errors?.[0]?.field }, `${action} ${JSON.stringify(payload)}: ${r.text}`).toEqual({
      status: VALIDATION_STATUS,
      type: expect.stringContaining('application/problem+json'),
      code: 'VALIDATION_FAILED',
      field: `body.${field}`,
    });
  }
}

it('the table covers every CSMS-initiated 2.0.1 action exactly, and each request and answer is valid per the 2.0.1 schemas', () => {
  expect(OPERATIONS.map(([a]) => a).sort()).toEqual([...CSMS_ACTIONS].sort());
  expect(new Set(OPERATIONS.map(([a]) => a)).size).toBe(OPERATIONS.length);
  const validator = createValidator('ocpp2.0.1', SCHEMAS_201);
  for (const [action, payload, answer] of OPERATIONS) {
    expect(() => validator.validate(`urn:${action}.req`, payload), `${action}.req`).not.toThrow();
    expect(() => validator.validate(`urn:${action}.conf`, answer), `${action}.conf`).not.toThrow();
  }
});

describe.each(['mqtt', 'http'] as const)('over %s', (via) => {
  it.each(OPERATIONS)('%s reaches the 2.0.1 station exactly as sent and returns its answer', async (action, payload, answer) => {
    const before = station.received.length;
    if (via === 'mqtt') {
      const r = await viaMqtt(deviceId, action, payload);
      expect(r).toEqual({ id: expect.any(String), action, status: 'ok', response: answer });
    } else {
      const r = await http().post(`/devices/${deviceId}/commands`, { action, payload });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual({ id: expect.any(String), action, status: 'ok', response: answer });
    }
    expect(station.received.slice(before)).toEqual([{ action, payload }]);
  });

  it('invalid commands get a clear error naming the field, and nothing is sent', async () => {
    const before = station.received.length;
    const bad: Array<[string, Record<string, unknown>, string]> = [
      // The 2.0.1 schemas.
      ['Reset', { type: 'Hard' }, 'payload.type'],
      ['UnlockConnector', { evseId: 1 }, 'payload.connectorId'],
      ['SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: 30 }] }, 'payload.setVariableData.0.attributeValue'],
      ['RequestStartTransaction', { idToken, remoteStartId: 1, connectorId: 1 }, 'payload.connectorId'],
      ['GetVariables', { getVariableData: [] }, 'payload.getVariableData'],
      // An EVSE the station never reported (it reported 1 and 2).
      ['UnlockConnector', { evseId: 9, connectorId: 1 }, 'payload.evseId'],
      ['RequestStartTransaction', { idToken, remoteStartId: 2, evseId: 9 }, 'payload.evseId'],
      ['TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 9 } }, 'payload.evse.id'],
      ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 9 } }, 'payload.evse.id'],
      // 1.6-only actions to a 2.0.1 station.
      ['RemoteStartTransaction', { idTag: 'NOA', connectorId: 1 }, 'action'],
      ['GetConfiguration', { key: ['HeartbeatInterval'] }, 'action'],
    ];
    for (const [action, payload, field] of bad) await expectInvalid(via, deviceId, action, payload, field);
    // The barrier: a valid command sent after them is the next thing the station receives.
    if (via === 'mqtt') expect(await viaMqtt(deviceId, 'ClearCache', {})).toMatchObject({ status: 'ok' });
    else expect((await http().post(`/devices/${deviceId}/commands`, { action: 'ClearCache', payload: {} })).status).toBe(200);
    expect(station.received.slice(before)).toEqual([{ action: 'ClearCache', payload: {} }]);
  });

  it.each(['NotSupported', 'OccurrenceConstraintViolation'])('a CALLERROR %s from the station comes back with its OCPP error code', async (code) => {
    station.mode = 'error';
    station.errorCode = code;
    const before = station.received.length;
    if (via === 'mqtt') {
      expect(await viaMqtt(deviceId, 'ClearCache', {})).toMatchObject({ action: 'ClearCache', status: 'error', error: { code } });
    } else {
      const r = await http().post(`/devices/${deviceId}/commands`, { action: 'ClearCache', payload: {} });
      expect(r.status).toBe(502);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'CHARGER_ERROR', errors: [{ field: 'ocppErrorCode', message: code }] });
    }
    expect(station.received.slice(before)).toEqual([{ action: 'ClearCache', payload: {} }]);
  });
});

describe('version-neutral commands: one command, each version its own request, one answer shape', () => {
  let v16: RecordingStation;
  let v16Id: string;
  /** Our transaction ids (the ledger's) of a session running on each station. */
  let tx201: number;
  let tx16: number;

  beforeAll(async () => {
    v16 = new RecordingStation(await connectCharger(sys, 'CMD16-N'), ANSWERS_16);
    expect(v16.client.protocol).toBe('ocpp1.6');
    await v16.client.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra AC' });
    await v16.client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    v16Id = idOf(await platform.waitFor((m) => stateOf('CMD16-N')(m) && m.json['protocol'] === 'ocpp1.6' && connectors(m)['1']?.['status'] === 'Available', 5000, 'the 1.6 shadow'));

    // A session on each: 2.0.1 TransactionEvent Started (the station's id TX-1), 1.6 StartTransaction.
    await station.client.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await station.client.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: new Date().toISOString(),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'TX-1', chargingState: 'EVConnected' },
      evse: { id: 1, connectorId: 1 },
      idToken,
    });
    const running = await platform.waitFor((m) => m.topic === `admin:${deviceId}/state` && connectors(m)['1']?.['chargerTransactionId'] === 'TX-1' && typeof connectors(m)['1']?.['transactionId'] === 'number', 5000, 'TX-1 in the shadow');
    tx201 = connectors(running)['1']!['transactionId'] as number;
    tx16 = ((await v16.client.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number }).transactionId;
    expect(Number.isInteger(tx201)).toBe(true);
    expect(Number.isInteger(tx16)).toBe(true);
  });
  afterAll(async () => {
    await v16?.client.close({ force: true });
  });
  afterEach(() => {
    expect(v16.strictFailures).toEqual([]);
  });

  // neutral action, its payload, what the 2.0.1 station gets, what the 1.6 station gets, the neutral answer of both.
  type Req = { action: string; payload: Record<string, unknown> };
  const NEUTRAL: Array<[string, Record<string, unknown>, Req, Req, Record<string, unknown>]> = [
    ['reset', { hard: true }, { action: 'Reset', payload: { type: 'Immediate' } }, { action: 'Reset', payload: { type: 'Hard' } }, { status: 'Accepted' }],
    [
      'remoteStart',
      { idTag: 'NOA', connectorId: 1 },
      { action: 'RequestStartTransaction', payload: { idToken: { idToken: 'NOA', type: 'Central' }, evseId: 1, remoteStartId: expect.any(Number) } },
      { action: 'RemoteStartTransaction', payload: { idTag: 'NOA', connectorId: 1 } },
      { status: 'Accepted' },
    ],
    ['unlock', { connectorId: 1 }, { action: 'UnlockConnector', payload: { evseId: 1, connectorId: 1 } }, { action: 'UnlockConnector', payload: { connectorId: 1 } }, { status: 'Unlocked' }],
    [
      'setAvailability',
      { available: false, connectorId: 1 },
      { action: 'ChangeAvailability', payload: { operationalStatus: 'Inoperative', evse: { id: 1 } } },
      { action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Inoperative' } },
      { status: 'Accepted' },
    ],
    [
      'getSetting',
      { key: 'HeartbeatInterval' },
      { action: 'GetVariables', payload: { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] } },
      { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval'] } },
      { key: 'HeartbeatInterval', status: 'Accepted', value: '30' },
    ],
    [
      'setSetting',
      { key: 'MeterValueSampleInterval', value: '30' },
      { action: 'SetVariables', payload: { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' }] } },
      { action: 'ChangeConfiguration', payload: { key: 'MeterValueSampleInterval', value: '30' } },
      { status: 'Accepted' },
    ],
  ];

  async function neutral(via: 'mqtt' | 'http', target: string, action: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (via === 'mqtt') return viaMqtt(target, action, payload);
    const r = await http().post(`/devices/${target}/commands`, { action, payload });
    expect(r.status, r.text).toBe(200);
    return r.body as Record<string, unknown>;
  }

  describe.each(['mqtt', 'http'] as const)('over %s', (via) => {
    it.each(NEUTRAL)('%s: the 2.0.1 and the 1.6 station each get their own request, the reply has one shape', async (action, payload, to201, to16, answer) => {
      const b201 = station.received.length;
      const b16 = v16.received.length;
      const r201 = await neutral(via, deviceId, action, payload);
      const r16 = await neutral(via, v16Id, action, payload);
      expect(station.received.slice(b201)).toEqual([to201]);
      expect(v16.received.slice(b16)).toEqual([to16]);
      expect(r201).toMatchObject({ action, status: 'ok', response: answer, ocpp: { action: to201.action, response: ANSWERS_201[to201.action] } });
      expect(r16).toMatchObject({ action, status: 'ok', response: answer, ocpp: { action: to16.action, response: ANSWERS_16[to16.action] } });
      if (action === 'remoteStart') {
        // Ours, an integer, echoed back so the Started event it causes can be matched (2.0.1 F01).
        const sent = (station.received.at(-1)!.payload as { remoteStartId: number }).remoteStartId;
        expect(Number.isInteger(sent) && sent > 0).toBe(true);
        expect((r201['response'] as { remoteStartId?: unknown }).remoteStartId).toBe(sent);
      }
    });

    it('remoteStop: our transaction id becomes the 2.0.1 station its own (TX-1), and the 1.6 station ours', async () => {
      const b201 = station.received.length;
      const b16 = v16.received.length;
      expect(await neutral(via, deviceId, 'remoteStop', { transactionId: tx201 })).toMatchObject({ action: 'remoteStop', status: 'ok', response: { status: 'Accepted' }, ocpp: { action: 'RequestStopTransaction' } });
      expect(await neutral(via, v16Id, 'remoteStop', { transactionId: tx16 })).toMatchObject({ action: 'remoteStop', status: 'ok', response: { status: 'Accepted' }, ocpp: { action: 'RemoteStopTransaction' } });
      expect(station.received.slice(b201)).toEqual([{ action: 'RequestStopTransaction', payload: { transactionId: 'TX-1' } }]);
      expect(v16.received.slice(b16)).toEqual([{ action: 'RemoteStopTransaction', payload: { transactionId: tx16 } }]);
    });

    /** A valid command after the refused ones is the next thing each station receives. */
    async function barrier(b201: number, b16: number) {
      for (const target of [deviceId, v16Id]) {
        if (via === 'mqtt') expect(await viaMqtt(target, 'ClearCache', {})).toMatchObject({ status: 'ok' });
        else expect((await http().post(`/devices/${target}/commands`, { action: 'ClearCache', payload: {} })).status).toBe(200);
      }
      expect(station.received.slice(b201)).toEqual([{ action: 'ClearCache', payload: {} }]);
      expect(v16.received.slice(b16)).toEqual([{ action: 'ClearCache', payload: {} }]);
    }

    it('invalid neutral payloads are refused naming the field, and nothing is sent', async () => {
      const b201 = station.received.length;
      const b16 = v16.received.length;
      // A transaction not running on the 2.0.1 station: we do not know its id for it.
      await expectInvalid(via, deviceId, 'remoteStop', { transactionId: tx201 + 1000 }, 'payload.transactionId');
      for (const target of [deviceId, v16Id]) await expectInvalid(via, target, 'reset', { hard: 'yes' }, 'payload.hard');
      await barrier(b201, b16);
    });

    it('a connector (2.0.1: an EVSE) the station never reported is named in the neutral command\'s terms, and nothing is sent', async () => {
      const b201 = station.received.length;
      const b16 = v16.received.length;
      for (const target of [deviceId, v16Id]) {
        await expectInvalid(via, target, 'unlock', { connectorId: 9 }, 'payload.connectorId', true);
        await expectInvalid(via, target, 'setAvailability', { available: false, connectorId: 9 }, 'payload.connectorId', true);
      }
      await barrier(b201, b16);
    });
  });
});

describe('a 2.0.1 device that is not connected', () => {
  let goneId: string;
  let registeredId: string;
  beforeAll(async () => {
    // One that connected in 2.0.1 and left ...
    const gone = await connectCharger(sys, 'CMD201-GONE', { protocols: ['ocpp2.0.1'] });
    await gone.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ABB', model: 'Terra 54' } });
    goneId = idOf(await platform.waitFor((m) => stateOf('CMD201-GONE')(m) && m.json['protocol'] === 'ocpp2.0.1' && m.json['vendor'] === 'ABB', 5000, 'the shadow of CMD201-GONE'));
    await gone.close({ force: true });
    await platform.waitFor((m) => stateOf('CMD201-GONE')(m) && m.json['online'] === false, 5000, 'CMD201-GONE offline');
    // ... and one registered to speak 2.0.1 that never connected.
    const created = await http().post('/devices', { chargePointId: 'CMD201-NEVER', ocppProtocol: 'ocpp2.0.1' });
    expect(created.status).toBe(201);
    registeredId = created.body.id;
  });

  describe.each(['mqtt', 'http'] as const)('over %s', (via) => {
    const CASES: Array<[string, Record<string, unknown>]> = [
      ['Reset', { type: 'Immediate' }],
      ['GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }],
      ['reset', { hard: true }],
    ];
    it.each(['connected once in 2.0.1', 'registered with ocppProtocol ocpp2.0.1, never connected'])('%s: answers offline at once, not sent', async (what) => {
      const target = what.startsWith('connected') ? goneId : registeredId;
      for (const [action, payload] of CASES) {
        const t0 = Date.now();
        let commandId = (id: unknown) => String(id).startsWith('http-');
        if (via === 'mqtt') {
          const r = await viaMqtt(target, action, payload);
          expect(r, action).toMatchObject({ action, status: 'error', error: { code: 'offline', sent: false } });
          commandId = (id) => id === r['id'];
        } else {
          const r = await http().post(`/devices/${target}/commands`, { action, payload });
          expect.soft({ status: r.status, code: r.body.code, sent: r.body.sent }, `${action}: ${r.text}`).toEqual({ status: 409, code: 'CHARGER_OFFLINE', sent: false });
          if (r.status !== 409) continue;
        }
        expect(Date.now() - t0).toBeLessThan(1500);
        await platform.waitFor(
          (m) => {
            const e = m.json['error'] as { code?: string; sent?: boolean } | undefined;
            return m.topic === `admin:${target}/events` && m.json['type'] === 'command' && m.json['action'] === action && commandId(m.json['id']) && e?.code === 'offline' && e.sent === false;
          },
          5000,
          `the offline command event (${action})`,
        );
      }
    });
  });
});
