/**
 * Issue 7: the simulator against the real gateway. Its chargers boot, charge and send telemetry
 * the gateway accepts without a single protocol warning, and every command the gateway can send
 * gets a correct answer (validated by the gateway's strict OCPP 1.6 schemas) with the
 * follow-up messages the spec asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CENTRAL_SYSTEM_ACTIONS } from '../ocpp/v16-types.ts';
import { startFleet, type Fleet } from '../simulator/fleet.ts';
import { ADMIN_TOKEN, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let platform: Platform;
let fleet: Fleet;
const http = () => api(sys.httpUrl, ADMIN_TOKEN);
const ids = new Map<string, string>(); // chargePointId -> deviceId
const state = (cp: string) => platform.on('/state').filter((m) => m.json['chargePointId'] === cp).at(-1)?.json as { online: boolean; connectors: Record<string, { status: string; transactionId: number | null }> } | undefined;

beforeAll(async () => {
  sys = await startSystem();
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/attrs', '+/events'] });
  // dcShare 0.5 with the golden-ratio spread: index 0 is DC, index 1 is AC.
  fleet = await startFleet({ url: sys.ocppUrl, chargers: 2, intervalS: 0.5, ramp: 10, sources: 1, dcShare: 0.5, prefix: 'SIMT-', sessionS: [Infinity, Infinity], idleS: [0.1, 0.2], restartSessions: false });
  for (const cp of ['SIMT-000000', 'SIMT-000001']) {
    const m = await platform.waitFor((x) => x.topic.endsWith('/state') && x.json['chargePointId'] === cp && (x.json as any).connectors?.['1']?.status === 'Charging', 10_000, `${cp} charging`);
    ids.set(cp, m.topic.split(/[:/]/)[1]!);
  }
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await platform?.close();
  await sys?.stop();
});

describe('simulator against the gateway', () => {
  it('DC and AC chargers send telemetry the gateway normalizes, with no protocol warning', async () => {
    const dc = await platform.waitFor((m) => m.topic === `admin:${ids.get('SIMT-000000')}/attrs` && 'power' in m.json, 5000, 'DC attrs');
    expect(Object.keys(dc.json).sort()).toEqual(expect.arrayContaining(['power', 'current', 'voltage', 'soc', 'temperature_Body', 'energy', 'powerOffered', 'currentOffered', 'transactionId']));
    expect(dc.json['power']).toBeGreaterThan(1000);
    const ac = await platform.waitFor((m) => m.topic === `admin:${ids.get('SIMT-000001')}/attrs` && 'power' in m.json, 5000, 'AC attrs');
    expect(ac.json).toMatchObject({ current_L1: expect.any(Number), current_L2: expect.any(Number), current_L3: expect.any(Number), 'voltage_L1-N': expect.any(Number) });
    // kW and kWh from the wallbox arrive in W and Wh.
    expect(ac.json['power']).toBeGreaterThan(5000);
    expect(ac.json['energy']).toBeGreaterThan(100_000);
    const bad = platform.on('/events').filter((m) => ['protocolWarning', 'badMessage', 'telemetryWarning', 'transactionWarning'].includes(m.json['type'] as string));
    expect(bad.map((m) => m.json)).toEqual([]);
    expect(fleet.stats.callErrors).toBe(0);
  });

  it('answers every command the gateway can send, correctly and with the follow-up messages', async () => {
    const device = ids.get('SIMT-000000')!;
    const tx = state('SIMT-000000')!.connectors['1']!.transactionId!;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const payloads: Record<(typeof CENTRAL_SYSTEM_ACTIONS)[number], Record<string, unknown>> = {
      GetConfiguration: { key: ['HeartbeatInterval', 'NoSuchKey'] },
      ChangeConfiguration: { key: 'MeterValueSampleInterval', value: '1' },
      ClearCache: {},
      DataTransfer: { vendorId: 'nobody' },
      GetLocalListVersion: {},
      SendLocalList: { listVersion: 3, updateType: 'Full', localAuthorizationList: [] },
      SetChargingProfile: { connectorId: 1, csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 22000 }] } } },
      GetCompositeSchedule: { connectorId: 1, duration: 600 },
      ClearChargingProfile: {},
      TriggerMessage: { requestedMessage: 'MeterValues', connectorId: 1 },
      GetDiagnostics: { location: 'ftp://diag.example/' },
      UpdateFirmware: { location: 'https://fw.example/x.bin', retrieveDate: new Date().toISOString() },
      RemoteStopTransaction: { transactionId: tx },
      // After the stop: unlocking during a session ends it first (the test below).
      UnlockConnector: { connectorId: 1 },
      ReserveNow: { connectorId: 1, expiryDate: future, idTag: 'RES', reservationId: 5 },
      CancelReservation: { reservationId: 5 },
      ChangeAvailability: { connectorId: 1, type: 'Inoperative' },
      RemoteStartTransaction: { connectorId: 1, idTag: 'REMOTE1' },
      Reset: { type: 'Soft' },
    };
    expect(Object.keys(payloads).sort()).toEqual([...CENTRAL_SYSTEM_ACTIONS].sort());
    const answers: Record<string, any> = {};
    const send = async (action: string, payload: unknown) => {
      const r = await http().post(`/devices/${device}/commands`, { action, payload });
      expect(r.status, `${action}: ${JSON.stringify(r.body)}`).toBe(200);
      answers[action] = r.body.response;
    };
    // Reset last, once the follow-ups of the others are in: a reboot ends pending uploads.
    for (const [action, payload] of Object.entries(payloads).filter(([a]) => a !== 'Reset')) {
      if (action === 'UnlockConnector') {
        // The remote stop completes (Finishing, StopTransaction, Available) before the unlock
        // and the reservation: an unlock during the session would end it itself.
        for (const deadline = Date.now() + 5000; state('SIMT-000000')?.connectors['1']?.status !== 'Available' && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      }
      if (action === 'RemoteStartTransaction') {
        await http().post(`/devices/${device}/commands`, { action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Operative' } });
        await new Promise((r) => setTimeout(r, 300));
      }
      await send(action, payload);
    }
    const ocppIn = (action: string) => platform.on('/events').filter((m) => m.topic.includes(device) && m.json['type'] === 'ocpp' && m.json['direction'] === 'in' && m.json['action'] === action);
    // Follow-ups: the triggered MeterValues, diagnostics and firmware progress, the remote session.
    await platform.waitFor(() => ocppIn('FirmwareStatusNotification').some((m) => (m.json['request'] as any).status === 'Installed'), 5000, 'firmware Installed');
    await send('Reset', payloads.Reset);
    expect(answers).toMatchObject({
      GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false }], unknownKey: ['NoSuchKey'] },
      ChangeConfiguration: { status: 'Accepted' },
      ClearCache: { status: 'Accepted' },
      DataTransfer: { status: 'UnknownVendorId' },
      GetLocalListVersion: { listVersion: 0 },
      SendLocalList: { status: 'Accepted' },
      SetChargingProfile: { status: 'Accepted' },
      GetCompositeSchedule: { status: 'Accepted', chargingSchedule: { chargingSchedulePeriod: [{ startPeriod: 0, limit: 22000 }] } },
      ClearChargingProfile: { status: 'Accepted' },
      TriggerMessage: { status: 'Accepted' },
      GetDiagnostics: { fileName: 'diagnostics-SIMT-000000.log' },
      UpdateFirmware: {},
      UnlockConnector: { status: 'Unlocked' },
      RemoteStopTransaction: { status: 'Accepted' },
      ReserveNow: { status: 'Accepted' },
      CancelReservation: { status: 'Accepted' },
      ChangeAvailability: { status: 'Accepted' },
      RemoteStartTransaction: { status: 'Accepted' },
      Reset: { status: 'Accepted' },
    });
    expect(ocppIn('DiagnosticsStatusNotification').map((m) => (m.json['request'] as any).status)).toEqual(expect.arrayContaining(['Uploading', 'Uploaded']));
    expect(ocppIn('MeterValues').some((m) => (m.json['request'] as any).meterValue[0].sampledValue[0].context === 'Trigger')).toBe(true);
    expect(ocppIn('StopTransaction').some((m) => (m.json['request'] as any).reason === 'Remote')).toBe(true);
    expect(ocppIn('StartTransaction').some((m) => (m.json['request'] as any).idTag === 'REMOTE1')).toBe(true);
    // Reset: the charger stops its session (SoftReset), reconnects and boots again.
    await platform.waitFor(() => ocppIn('StopTransaction').some((m) => (m.json['request'] as any).reason === 'SoftReset'), 5000, 'SoftReset stop');
    await platform.waitFor(() => ocppIn('BootNotification').length >= 2, 10_000, 'second boot');
    const bad = platform.on('/events').filter((m) => ['protocolWarning', 'badMessage'].includes(m.json['type'] as string));
    expect(bad.map((m) => m.json)).toEqual([]);
  });

  it('finishes the session before unlocking a connector in use (1.6 §5.18)', async () => {
    const device = ids.get('SIMT-000001')!;
    const tx = state('SIMT-000001')!.connectors['1']!.transactionId!;
    expect(tx).toBeGreaterThan(0);
    const r = await http().post(`/devices/${device}/commands`, { action: 'UnlockConnector', payload: { connectorId: 1 } });
    expect(r.body.response).toEqual({ status: 'Unlocked' });
    // The events travel over MQTT and may land after the HTTP answer: wait for the stop's, then
    // check from the gateway's own timestamps that it was answered before the unlock was.
    const isStop = (m: { topic: string; json: Record<string, unknown> }) =>
      m.topic.includes(device) && m.json['type'] === 'ocpp' && m.json['action'] === 'StopTransaction' && (m.json['request'] as any)?.reason === 'UnlockCommand';
    const stop = await platform.waitFor(isStop, 5000, 'the UnlockCommand StopTransaction event');
    expect(stop.json['request']).toMatchObject({ transactionId: tx });
    const unlock = await platform.waitFor((m) => m.topic.includes(device) && m.json['type'] === 'command' && m.json['action'] === 'UnlockConnector', 5000, 'the UnlockConnector command event');
    // Our answer to the StopTransaction went out before the charger's Unlocked came back.
    expect(Date.parse(stop.json['respondedAt'] as string)).toBeLessThanOrEqual(Date.parse(unlock.json['answeredAt'] as string));
  });
});
