/**
 * Issue 5: every central-system-initiated OCPP 1.6 operation reaches a real OCPP-J client over
 * MQTT (`config` / `config/reply`) and over HTTP, with offline, timeout, CALLERROR and invalid
 * commands answered clearly and nothing invalid sent to the charger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRPCError, type RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

const future = new Date(Date.now() + 3_600_000).toISOString();
// action, payload, the charger's answer (valid per the 1.6 .conf schemas)
const OPERATIONS: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ['RemoteStartTransaction', { idTag: 'NOA', connectorId: 1 }, { status: 'Accepted' }],
  ['RemoteStopTransaction', { transactionId: 7 }, { status: 'Accepted' }],
  ['Reset', { type: 'Hard' }, { status: 'Accepted' }],
  ['ChangeAvailability', { connectorId: 1, type: 'Inoperative' }, { status: 'Accepted' }],
  ['ChangeConfiguration', { key: 'HeartbeatInterval', value: '30' }, { status: 'Accepted' }],
  ['GetConfiguration', { key: ['HeartbeatInterval'] }, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '30' }] }],
  ['ClearCache', {}, { status: 'Accepted' }],
  ['UnlockConnector', { connectorId: 1 }, { status: 'Unlocked' }],
  ['TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }, { status: 'Accepted' }],
  ['DataTransfer', { vendorId: 'ABB', messageId: 'GetTemp', data: '{}' }, { status: 'Accepted', data: '35.5' }],
  [
    'SetChargingProfile',
    { connectorId: 1, csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] } } },
    { status: 'Accepted' },
  ],
  ['ClearChargingProfile', { id: 1 }, { status: 'Accepted' }],
  ['GetCompositeSchedule', { connectorId: 1, duration: 3600 }, { status: 'Accepted', connectorId: 1 }],
  ['ReserveNow', { connectorId: 1, expiryDate: future, idTag: 'NOA', reservationId: 1 }, { status: 'Accepted' }],
  ['CancelReservation', { reservationId: 1 }, { status: 'Accepted' }],
  ['SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'NOA', idTagInfo: { status: 'Accepted' } }] }, { status: 'Accepted' }],
  ['GetLocalListVersion', {}, { listVersion: 2 }],
  ['UpdateFirmware', { location: 'https://fw.example/terra54-1.7.bin', retrieveDate: future }, {}],
  ['GetDiagnostics', { location: 'ftp://diag.example/upload/' }, { fileName: 'diag-2026.zip' }],
];

/** A real OCPP-J client that records every call it gets and answers from a table. */
class RecordingCharger {
  received: Array<{ action: string; payload: unknown }> = [];
  mode: 'answer' | 'silent' | 'error' = 'answer';
  readonly client: RPCClient;
  constructor(client: RPCClient) {
    this.client = client;
    client.handle(async ({ method, params }) => {
      this.received.push({ action: method!, payload: params });
      if (this.mode === 'silent') return new Promise<Record<string, unknown>>(() => undefined);
      if (this.mode === 'error') throw createRPCError('NotSupported', 'not on this model');
      return OPERATIONS.find(([a]) => a === method)![2];
    });
  }
}

let sys: System;
let platform: Platform;
let charger: RecordingCharger;
let deviceId: string;
let offlineId: string;
const http = () => api(sys.httpUrl, ADMIN_TOKEN);

beforeAll(async () => {
  sys = await startSystem({ OCPP_CALL_TIMEOUT_MS: '2000' });
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/config/reply', '+/events', '+/state'] });
  charger = new RecordingCharger(await connectCharger(sys, 'CMD-1'));
  await charger.client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  deviceId = (await platform.waitFor((m) => m.json['chargePointId'] === 'CMD-1')).topic.split(/[:/]/)[1]!;
  offlineId = (await http().post('/devices', { chargePointId: 'CMD-OFF' })).body.id;
});
afterAll(async () => {
  await charger?.client.close({ force: true });
  await platform?.close();
  await sys?.stop();
});

let seq = 0;
async function viaMqtt(target: string, action: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const id = `m-${++seq}`;
  await platform.client.publishAsync(`admin:${target}/config`, JSON.stringify({ id, action, payload, ...extra }), { qos: 1 });
  return (await platform.waitFor((m) => m.topic === `admin:${target}/config/reply` && m.json['id'] === id, 8000)).json;
}

describe.each(['mqtt', 'http'] as const)('over %s', (via) => {
  it.each(OPERATIONS)('%s reaches the charger and returns its answer', async (action, payload, answer) => {
    charger.mode = 'answer';
    const before = charger.received.length;
    if (via === 'mqtt') {
      expect(await viaMqtt(deviceId, action, payload)).toMatchObject({ action, status: 'ok', response: answer });
    } else {
      const r = await http().post(`/devices/${deviceId}/commands`, { action, payload });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ action, status: 'ok', response: answer });
    }
    expect(charger.received.slice(before)).toEqual([{ action, payload }]);
  });

  it('a charger that is not connected answers offline at once', async () => {
    const t0 = Date.now();
    if (via === 'mqtt') expect((await viaMqtt(offlineId, 'Reset', { type: 'Soft' })).error).toMatchObject({ code: 'offline' });
    else expect((await http().post(`/devices/${offlineId}/commands`, { action: 'Reset', payload: { type: 'Soft' } })).body.code).toBe('CHARGER_OFFLINE');
    expect(Date.now() - t0).toBeLessThan(1500);
    await platform.waitFor((m) => m.topic === `admin:${offlineId}/events` && m.json['type'] === 'command' && (m.json['error'] as { code: string })?.code === 'offline');
  });

  it('a charger that does not answer in time gives timeout', async () => {
    charger.mode = 'silent';
    if (via === 'mqtt') expect((await viaMqtt(deviceId, 'ClearCache', {}, { timeoutMs: 300 })).error).toMatchObject({ code: 'timeout' });
    else expect((await http().post(`/devices/${deviceId}/commands`, { action: 'ClearCache', payload: {}, timeoutMs: 300 })).body.code).toBe('CHARGER_TIMEOUT');
    await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'command' && (m.json['error'] as { code: string })?.code === 'timeout');
    charger.mode = 'answer';
    // ocpp-rpc sends one call at a time: let the timed-out one clear before the next test.
    await new Promise((r) => setTimeout(r, 50));
  });

  it("a CALLERROR from the charger comes back with the OCPP error code", async () => {
    charger.mode = 'error';
    if (via === 'mqtt') expect((await viaMqtt(deviceId, 'ClearCache', {})).error).toMatchObject({ code: 'NotSupported' });
    else {
      const r = await http().post(`/devices/${deviceId}/commands`, { action: 'ClearCache', payload: {} });
      expect(r.status).toBe(502);
      expect(r.body).toMatchObject({ code: 'CHARGER_ERROR', errors: [{ field: 'ocppErrorCode', message: 'NotSupported' }] });
    }
    charger.mode = 'answer';
  });

  it('invalid commands get a clear error and nothing is sent', async () => {
    const before = charger.received.length;
    const bad: Array<[string, unknown, string]> = [
      ['FlyToTheMoon', {}, 'action'],
      ['Reset', { type: 'Medium' }, 'payload'],
      ['Reset', {}, 'payload'],
      ['UnlockConnector', { connectorId: 9 }, 'payload.connectorId'],
    ];
    for (const [action, payload, field] of bad) {
      if (via === 'mqtt') {
        const r = await viaMqtt(deviceId, action, payload);
        expect(r).toMatchObject({ status: 'error', error: { code: 'invalid' } });
        expect(String((r['error'] as { field: string }).field)).toContain(field);
      } else {
        const r = await http().post(`/devices/${deviceId}/commands`, { action, payload });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('VALIDATION_FAILED');
      }
    }
    expect(charger.received.length).toBe(before);
  });
});

it("another tenant cannot command your charger", async () => {
  const acmeToken = (await http().post('/tokens', { tenant: 'acme', role: 'admin' })).body.token;
  const before = charger.received.length;
  const r = await api(sys.httpUrl, acmeToken).post(`/devices/${deviceId}/commands`, { action: 'Reset', payload: { type: 'Hard' } });
  expect(r.status).toBe(404);
  const acme = await Platform.connect(sys.mqttUrl, { username: 'acme', password: acmeToken, subscribe: [] });
  acme.client.publish(`admin:${deviceId}/config`, JSON.stringify({ id: 'evil', action: 'Reset', payload: { type: 'Hard' } }), { qos: 0 });
  await new Promise((r2) => setTimeout(r2, 300));
  expect(charger.received.length).toBe(before);
  await acme.close();
});

it('a malformed command message gets an invalid reply', async () => {
  await platform.client.publishAsync(`admin:${deviceId}/config`, 'not json', { qos: 1 });
  await platform.waitFor((m) => m.topic === `admin:${deviceId}/config/reply` && (m.json['error'] as { code: string } | undefined)?.code === 'invalid' && m.json['id'] === '');
});

describe('charging limits', () => {
  it('a daily 32 A window becomes a SetChargingProfile in the unit the charger accepts', async () => {
    charger.mode = 'answer';
    const before = charger.received.length;
    // The recording charger answers GetConfiguration with HeartbeatInterval only: no
    // ChargingScheduleAllowedChargingRateUnit, so amperes (the OCPP default) are used.
    const r = await http().post(`/devices/${deviceId}/charging-limit`, { connectorId: 1, limit: 32, unit: 'A', daily: { from: '18:00', to: '20:00' } });
    expect(r.status).toBe(200);
    const sent = charger.received.slice(before).map((x) => x.action);
    expect(sent).toEqual(['GetConfiguration', 'SetChargingProfile']);
    expect(charger.received.at(-1)!.payload).toMatchObject({
      connectorId: 1,
      csChargingProfiles: { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', chargingSchedule: { duration: 7200, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] } },
    });
  });

  it('uses watts when the registry says the charger takes watts', async () => {
    expect((await http().patch(`/devices/${deviceId}`, { attrs: { chargingRateUnit: 'W' } })).body).toMatchObject({ attrs: { chargingRateUnit: 'W' } });
    const before = charger.received.length;
    const r = await http().post(`/devices/${deviceId}/charging-limit`, { connectorId: 0, limit: 32, unit: 'A' });
    expect(r.status).toBe(200);
    // GetConfiguration still asks for ConnectorPhaseRotation (AC or DC, phases); 32 A of supply
    // current is 22,080 W at 3 × 230 V whatever the charger delivers.
    expect(charger.received.slice(before).map((x) => x.action)).toEqual(['GetConfiguration', 'SetChargingProfile']);
    expect(charger.received.at(-1)!.payload).toMatchObject({ connectorId: 0, csChargingProfiles: { chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ limit: 22080 }] } } });
    expect((await http().del(`/devices/${deviceId}/charging-limit?connectorId=0`)).status).toBe(200);
    expect(charger.received.at(-1)).toMatchObject({ action: 'ClearChargingProfile', payload: { id: 9000 } });
  });

  it('a DC charger gets watts as asked, never an AC conversion; one that takes only amperes is refused 422', async () => {
    const dc = await connectCharger(sys, 'CMD-DC');
    let rateUnit: string | undefined;
    const profiles: unknown[] = [];
    dc.handle('GetConfiguration', async () => ({
      configurationKey: [{ key: 'ConnectorPhaseRotation', readonly: true, value: '1.NotApplicable' }, ...(rateUnit ? [{ key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: rateUnit }] : [])],
    }));
    dc.handle('SetChargingProfile', async ({ params }) => {
      profiles.push(params);
      return { status: 'Accepted' };
    });
    await dc.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54 CJG' });
    const id = (await platform.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === 'CMD-DC' && m.json['model'] === 'Terra 54 CJG', 5000, 'DC shadow')).topic.split(/[:/]/)[1]!;
    // It does not report ChargingScheduleAllowedChargingRateUnit (issue 16's charger).
    const ok = await http().post(`/devices/${id}/charging-limit`, { connectorId: 1, limit: 20_000, unit: 'W' });
    expect(ok.status).toBe(200);
    expect(profiles.at(-1)).toMatchObject({ csChargingProfiles: { chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20_000 }] } } });
    rateUnit = 'Current';
    const refused = await http().post(`/devices/${id}/charging-limit`, { connectorId: 1, limit: 20_000, unit: 'W' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'UNIT_NOT_SUPPORTED', errors: [{ field: 'body.unit' }] });
    expect(profiles).toHaveLength(1);
    await dc.close({ force: true });
  });

  it('refuses a bad window with 400 naming the field', async () => {
    const r = await http().post(`/devices/${deviceId}/charging-limit`, { limit: 32, unit: 'A', daily: { from: '18h', to: '20:00' } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('body.daily.from');
  });
});
