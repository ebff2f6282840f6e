/**
 * Issue 2 "Done when": a real OCPP-J client drives a whole session through the gateway and a
 * real MQTT client receives attrs (fixed units), the retained state shadow and the events.
 * Then a restart keeps devices and transactions and the next transactionId is larger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BootNotificationResponse, StartTransactionResponse } from '../ocpp/v16-types.ts';
import { connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';

const T0 = '2026-11-22T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

// The eight phase-less measurands an ABB Terra 54 sends every 10 s (field notes).
const dcSample = (timestamp: string) => ({
  timestamp,
  sampledValue: [
    { value: '120.5', measurand: 'Current.Import', unit: 'A', context: 'Sample.Periodic' },
    { value: '2087600', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
    { value: '48200', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
    { value: '45', measurand: 'SoC', unit: 'Percent', location: 'EV', context: 'Sample.Periodic' },
    { value: '400.2', measurand: 'Voltage', unit: 'V', context: 'Sample.Periodic' },
    { value: '125', measurand: 'Current.Offered', unit: 'A', context: 'Sample.Periodic' },
    { value: '50', measurand: 'Power.Offered', unit: 'kW', context: 'Sample.Periodic' },
    { value: '35.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body', context: 'Sample.Periodic' },
  ],
});

// A three-phase AC wallbox: per-phase values only, power in kW, energy in kWh, strings.
const acSample = (timestamp: string) => ({
  timestamp,
  sampledValue: [
    { value: '16.1', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
    { value: '15.9', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
    { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
    { value: '230.1', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
    { value: '229.8', measurand: 'Voltage', phase: 'L2-N', unit: 'V' },
    { value: '231.0', measurand: 'Voltage', phase: 'L3-N', unit: 'V' },
    { value: '3.7', measurand: 'Power.Active.Import', phase: 'L1', unit: 'kW' },
    { value: '3.6', measurand: 'Power.Active.Import', phase: 'L2', unit: 'kW' },
    { value: '3.8', measurand: 'Power.Active.Import', phase: 'L3', unit: 'kW' },
    { value: '1.234', measurand: 'Energy.Active.Import.Register', phase: 'L1', unit: 'kWh' },
    { value: '1.1', measurand: 'Energy.Active.Import.Register', phase: 'L2', unit: 'kWh' },
    { value: '1.3', measurand: 'Energy.Active.Import.Register', phase: 'L3', unit: 'kWh' },
    { value: '50.01', measurand: 'Frequency' },
  ],
});

let sys: System | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

const stateOf = (p: Platform, cpId: string) => (m: Received) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId;

describe('a charging session end to end', () => {
  it('publishes attrs in fixed units, the state shadow and events, and survives a restart', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);

    const cp = await connectCharger(sys, 'ABB-T54-001');
    const boot = (await cp.call('BootNotification', {
      chargePointVendor: 'ABB',
      chargePointModel: 'Terra 54',
      chargePointSerialNumber: 'T54-0001',
      firmwareVersion: '1.6.2',
    })) as BootNotificationResponse;
    expect(boot).toMatchObject({ status: 'Accepted', interval: 60 });
    expect(Date.parse(boot.currentTime)).not.toBeNaN();

    // The device id comes from the retained shadow: `admin:{deviceId}/state`.
    const online = await platform.waitFor((m) => stateOf(platform!, 'ABB-T54-001')(m) && m.json['vendor'] === 'ABB');
    const [head] = online.topic.split('/');
    expect(head).toMatch(/^admin:[0-9a-f]{8}$/);
    const base = head!;
    expect(online.retain).toBe(false); // live delivery; retained flag is set only for late subscribers
    expect(online.json).toMatchObject({ online: true, model: 'Terra 54', firmware: '1.6.2', registration: 'Accepted' });

    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    expect(await cp.call('Authorize', { idTag: 'NOA' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    const start = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 2087100, timestamp: at(0) })) as StartTransactionResponse;
    expect(start.idTagInfo.status).toBe('Accepted');
    const txId: number = start.transactionId;
    expect(Number.isInteger(txId)).toBe(true);
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });

    expect(await cp.call('MeterValues', { connectorId: 1, transactionId: txId, meterValue: [dcSample(at(10)), dcSample(at(20))] })).toEqual({});

    const attrs = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === at(10));
    expect(attrs.json).toEqual({
      timestamp: at(10),
      connectorId: 1,
      transactionId: txId,
      context: 'Sample.Periodic',
      current: 120.5,
      energy: 2087600,
      power: 48200,
      soc: 45,
      soc_EV: 45,
      voltage: 400.2,
      currentOffered: 125,
      powerOffered: 50000,
      temperature: 35.5,
      temperature_Body: 35.5,
    });
    // One message per meterValue element, each with the charger's own time.
    await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === at(20));
    // The start register reading is published too.
    const begin = platform.on('/attrs').find((m) => m.json['context'] === 'Transaction.Begin');
    expect(begin?.json).toMatchObject({ energy: 2087100, transactionId: txId, timestamp: at(0) });

    // A three-phase AC wallbox on the same gateway.
    const ac = await connectCharger(sys, 'ETREL-AC-7', { path: '/ocpp' });
    await ac.call('BootNotification', { chargePointVendor: 'Etrel', chargePointModel: 'INCH' });
    const acState = await platform.waitFor(stateOf(platform, 'ETREL-AC-7'));
    const acBase = acState.topic.split('/')[0]!;
    expect(acBase).not.toBe(base); // two chargers, two devices
    await ac.call('MeterValues', { connectorId: 1, meterValue: [acSample(at(5))] });
    const acAttrs = (await platform.waitFor((m) => m.topic === `${acBase}/attrs`)).json;
    expect(acAttrs).toMatchObject({
      timestamp: at(5),
      connectorId: 1,
      current_L1: 16.1,
      current_L2: 15.9,
      current_L3: 16,
      'voltage_L1-N': 230.1,
      power_L1: 3700,
      power_L2: 3600,
      power_L3: 3800,
      power: 11100,
      energy_L1: 1234,
      energy_L2: 1100,
      energy_L3: 1300,
      energy: 3634,
      frequency: 50.01,
    });
    expect(acAttrs['current']).toBeCloseTo(16.0, 6); // mean, not sum
    expect(acAttrs['voltage']).toBeCloseTo(230.3, 6); // mean: never 690 V
    expect(acAttrs).not.toHaveProperty('transactionId');

    const stop = await cp.call('StopTransaction', {
      transactionId: txId,
      meterStop: 2123400,
      timestamp: at(3600),
      reason: 'EVDisconnected',
      idTag: 'NOA',
      transactionData: [
        { timestamp: at(3600), sampledValue: [{ value: '2123.4', measurand: 'Energy.Active.Import.Register', unit: 'kWh', context: 'Transaction.End' }] },
      ],
    });
    expect(stop).toEqual({ idTagInfo: { status: 'Accepted' } });
    const end = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['context'] === 'Transaction.End');
    expect(end.json).toMatchObject({ energy: 2123400, transactionId: txId, timestamp: at(3600) });
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });

    // Events: one per exchange, request and response, with timestamps.
    const ev = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['action'] === 'StopTransaction');
    expect(ev.json).toMatchObject({ type: 'ocpp', direction: 'in', request: { transactionId: txId }, response: stop });
    expect(Date.parse(String(ev.json['receivedAt']))).not.toBeNaN();
    // The charger has its answer when the platform may not yet have the event: wait for the last.
    await platform.waitFor((m) => m.topic === `${base}/events` && m.json['action'] === 'StatusNotification' && (m.json['request'] as { status?: string }).status === 'Available');
    const actions = platform.on('/events').filter((m) => m.topic.startsWith(base) && m.json['type'] === 'ocpp').map((m) => m.json['action']);
    expect(actions).toEqual(['BootNotification', 'StatusNotification', 'Authorize', 'StartTransaction', 'StatusNotification', 'MeterValues', 'StopTransaction', 'StatusNotification']);
    expect(platform.on('/events').some((m) => m.topic.startsWith(base) && m.json['type'] === 'connected')).toBe(true);

    const shadow = await platform.waitFor((m) => m.topic === `${base}/state` && (m.json['connectors'] as Record<string, { status: string }>)['1']?.status === 'Available');
    expect(shadow.json['connectors']).toMatchObject({ '1': { status: 'Available', transactionId: null } });

    // The session is stored with its energy.
    const stored = await sys.store.getTransaction(txId);
    expect(stored).toMatchObject({ status: 'completed', meterStart: 2087100, meterStop: 2123400, energyWh: 36300, stopReason: 'EVDisconnected' });

    // Disconnect: the retained shadow says offline.
    await cp.close();
    await platform.waitFor((m) => m.topic === `${base}/state` && m.json['online'] === false && m.json['offlineReason'] === 'closed');
    await ac.close();
    await platform.close();

    // Restart on the same DATA_DIR.
    const dir = sys.dir;
    await sys.stop({ keepData: true });
    sys = await startSystem({}, dir);
    platform = await Platform.connect(sys.mqttUrl);
    const again = await connectCharger(sys, 'ABB-T54-001');
    await again.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const st = await platform.waitFor(stateOf(platform, 'ABB-T54-001'));
    expect(st.topic.split('/')[0]).toBe(base); // same device after restart
    expect(await sys.store.getTransaction(txId)).toMatchObject({ energyWh: 36300 });
    const next = (await again.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 2123400, timestamp: at(7200) })) as StartTransactionResponse;
    expect(next.transactionId).toBeGreaterThan(txId);
    await again.close();
  });
});
