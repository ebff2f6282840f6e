/**
 * Issue 16 "Deviations that still cost data or the charger": what real chargers bend reaches
 * platforms, with a protocolWarning event, and the rest of the frame is published; what is
 * unusable still gets its CALLERROR (OCPP-J 1.6 §4.2.3). The chargers are real OCPP-J clients
 * (ocpp-rpc) with strict mode off, so they send what strict mode would refuse on their side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { ADMIN_TOKEN } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let platform: Platform;
beforeAll(async () => {
  sys = await startSystem({ OCPP_LENIENT: 'true' });
  platform = await Platform.connect(sys.mqttUrl);
});
afterAll(async () => {
  await platform?.close();
  await sys?.stop();
});

async function bendyCharger(cpId: string) {
  const cp = await connectCharger(sys, cpId, { strictMode: false });
  const m = await platform.waitFor((x) => x.topic.endsWith('/state') && x.json['chargePointId'] === cpId);
  return { cp, base: m.topic.split('/')[0]! };
}
const onTopic = (topic: string, pred: (j: Record<string, unknown>) => boolean) => (m: Received) => m.topic === topic && pred(m.json);
type Deviation = { path: string; kind: string; detail: string };
const deviationsOf = (m: Received) => (m.json['deviations'] as Deviation[]).map((d) => `${d.path}:${d.kind}`);

describe('deviations real chargers send (docs/chargers.md)', () => {
  it('an errorCode outside the enumeration reaches the shadow as OtherError, the original in vendorErrorCode', async () => {
    const { cp, base } = await bendyCharger('DEV-ERR');
    expect(await cp.call('StatusNotification', { connectorId: 1, errorCode: 'Error', status: 'Faulted', info: 'contactor' })).toEqual({});
    const state = await platform.waitFor(onTopic(`${base}/state`, (j) => (j['connectors'] as Record<string, unknown>)['1'] !== undefined));
    expect((state.json['connectors'] as Record<string, unknown>)['1']).toMatchObject({ status: 'Faulted', errorCode: 'OtherError', vendorErrorCode: 'Error', info: 'contactor' });
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === 'StatusNotification'));
    expect(deviationsOf(warn)).toEqual(['errorCode:enumFallback', 'vendorErrorCode:enumFallback']);
    expect(warn.json).not.toHaveProperty('error');
    await cp.close();
  });

  it('Frequency in Hz beside a power sample: both published, in one attrs message', async () => {
    const { cp, base } = await bendyCharger('DEV-HZ');
    const timestamp = '2026-11-22T10:00:00.000Z';
    const res = await cp.call('MeterValues', {
      connectorId: 1,
      meterValue: [
        {
          timestamp,
          sampledValue: [
            { value: '50.02', measurand: 'Frequency', unit: 'Hz' },
            { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' },
            { value: '23', measurand: 'Temperature', unit: '°C', location: 'body' },
          ],
        },
      ],
    });
    expect(res).toEqual({});
    const attrs = await platform.waitFor(onTopic(`${base}/attrs`, (j) => j['timestamp'] === timestamp));
    expect(attrs.json).toMatchObject({ frequency: 50.02, power: 7400, temperature: 23, temperature_Body: 23 });
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === 'MeterValues'));
    expect(deviationsOf(warn)).toEqual(['meterValue[0].sampledValue[0].unit:enumKeptRaw', 'meterValue[0].sampledValue[2].unit:enumSynonym', 'meterValue[0].sampledValue[2].location:enumCase']);
    await cp.close();
  });

  it('one unusable sampled value (no value) is dropped; its neighbours are published', async () => {
    const { cp, base } = await bendyCharger('DEV-HOLE');
    const timestamp = '2026-11-22T10:00:10.000Z';
    await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp, sampledValue: [{ measurand: 'Voltage', unit: 'V' }, { value: '16', measurand: 'Current.Import', unit: 'A' }] }] });
    const attrs = await platform.waitFor(onTopic(`${base}/attrs`, (j) => j['timestamp'] === timestamp));
    expect(attrs.json['current']).toBe(16);
    expect(attrs.json).not.toHaveProperty('voltage');
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === 'MeterValues'));
    expect(deviationsOf(warn)).toEqual(['meterValue[0].sampledValue[0]:sampleDropped']);
    await cp.close();
  });

  it('a 42-character chargeBoxSerialNumber: the charger registers, the serial cut to 25, a warning', async () => {
    const { cp, base } = await bendyCharger('DEV-SERIAL');
    const serial = 'SN-0123456789-ABCDEFGHIJ-0123456789-XYZ-42';
    expect(serial).toHaveLength(42);
    const boot = (await cp.call('BootNotification', { chargePointVendor: 'Alfen BV', chargePointModel: 'Eve Single', chargeBoxSerialNumber: serial })) as { status: string };
    expect(boot.status).toBe('Accepted');
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === 'BootNotification'));
    expect(deviationsOf(warn)).toEqual(['chargeBoxSerialNumber:tooLong']);
    const state = await platform.waitFor(onTopic(`${base}/state`, (j) => j['registration'] === 'Accepted'));
    expect(state.json['serialNumber']).toBe(serial.slice(0, 25));
    const devices = await api(sys.httpUrl, ADMIN_TOKEN).get('/devices?chargePointId=DEV-SERIAL');
    expect(devices.body.items[0].attrs).toMatchObject({ vendor: 'Alfen BV', chargeBoxSerialNumber: serial.slice(0, 25) });
    await cp.close();
  });

  it('a StopTransaction reason outside §7.36 closes the session as Other; a context in another spelling', async () => {
    const { cp, base } = await bendyCharger('DEV-REASON');
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 100, timestamp: '2026-11-22T10:00:00.000Z' })) as { transactionId: number };
    const res = await cp.call('StopTransaction', {
      transactionId,
      meterStop: 900,
      timestamp: '2026-11-22T11:00:00.000Z',
      reason: 'Timeout',
      transactionData: [{ timestamp: '2026-11-22T11:00:00.000Z', sampledValue: [{ value: '900', context: 'transaction_end' }] }],
    });
    expect(res).toEqual({});
    const deviceId = base.split(':')[1]!;
    const txs = (await api(sys.httpUrl, ADMIN_TOKEN).get(`/transactions?deviceId=${deviceId}`)).body.items as Array<Record<string, unknown>>;
    expect(txs.find((t) => t['id'] === transactionId)).toMatchObject({ status: 'completed', stopReason: 'Other', energyWh: 800 });
    const attrs = await platform.waitFor(onTopic(`${base}/attrs`, (j) => j['timestamp'] === '2026-11-22T11:00:00.000Z' && j['context'] === 'Transaction.End'));
    expect(attrs.json['energy']).toBe(900);
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === 'StopTransaction'));
    expect(deviationsOf(warn)).toEqual(['reason:enumFallback', 'transactionData[0].sampledValue[0].context:enumSynonym']);
    await cp.close();
  });

  it('line-to-line voltages only give voltage as phase-to-neutral: mean L-L / √3 (docs/measurands.md)', async () => {
    // Compliant: a strict client.
    const cp = await connectCharger(sys, 'DEV-LL');
    const base = (await platform.waitFor((x) => x.topic.endsWith('/state') && x.json['chargePointId'] === 'DEV-LL')).topic.split('/')[0]!;
    const timestamp = '2026-11-22T10:00:20.000Z';
    await cp.call('MeterValues', {
      connectorId: 1,
      meterValue: [
        {
          timestamp,
          sampledValue: [
            { value: '400', measurand: 'Voltage', phase: 'L1-L2', unit: 'V' },
            { value: '401', measurand: 'Voltage', phase: 'L2-L3', unit: 'V' },
            { value: '399', measurand: 'Voltage', phase: 'L3-L1', unit: 'V' },
          ],
        },
      ],
    });
    const attrs = await platform.waitFor(onTopic(`${base}/attrs`, (j) => j['timestamp'] === timestamp));
    expect(attrs.json).toMatchObject({ 'voltage_L1-L2': 400, 'voltage_L2-L3': 401, 'voltage_L3-L1': 399 });
    expect(attrs.json['voltage']).toBeCloseTo(400 / Math.sqrt(3), 6);
    await cp.close();
  });

  it.each([
    ['a status nobody defined', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Dancing' }, 'PropertyConstraintViolation'],
    ['an idTag over 20 characters (cut, it would be another tag)', 'Authorize', { idTag: 'X'.repeat(21) }, 'FormationViolation'],
    ['a required field missing beside an out-of-enum one', 'StatusNotification', { connectorId: 1, errorCode: 'Error' }, 'OccurenceConstraintViolation'],
  ])('still refused with its CALLERROR: %s', async (_what, action, params, code) => {
    const { cp, base } = await bendyCharger(`DEV-NO-${code.slice(0, 8)}`);
    await expect(cp.call(action, params)).rejects.toMatchObject({ rpcErrorCode: code });
    const warn = await platform.waitFor(onTopic(`${base}/events`, (j) => j['type'] === 'protocolWarning' && j['action'] === action));
    expect(warn.json['error']).toMatchObject({ code });
    // The connection stays up and serves the next request.
    expect(await cp.call('Heartbeat', {})).toHaveProperty('currentTime');
    await cp.close();
  });
});
