/**
 * Issue 17 "Done when": an independent OCPP 2.0.1 client (ocpp-rpc's RPCClient with
 * protocols ['ocpp2.0.1'] in strict mode, so every answer of ours is validated against the
 * official 2.0.1 schemas) drives boot, status, authorize, a whole TransactionEvent session with
 * the meter values a DC and an AC station send, and a real MQTT client sees the same device
 * model as for 1.6: the same attrs keys in the same units, the same shadow, the same ledger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api } from './http.ts';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';

const T0 = '2026-11-22T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

let sys: System | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

const stateOf = (cpId: string) => (m: Received) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId;

const uom = (unit: string, multiplier?: number) => ({ unitOfMeasure: multiplier === undefined ? { unit } : { unit, multiplier } });

// The measurands of the 1.6 DC test (test/e2e-session.test.ts) as a 2.0.1 station sends them:
// numbers, units in unitOfMeasure, energy in kWh by multiplier 3. Temperature is not a 2.0.1
// measurand (MeasurandEnumType): a 2.0.1 station reports it through its device model.
const dcSample = (timestamp: string, wh = 2087600) => ({
  timestamp,
  sampledValue: [
    { value: 120.5, measurand: 'Current.Import', ...uom('A'), context: 'Sample.Periodic' },
    { value: wh / 1000, measurand: 'Energy.Active.Import.Register', ...uom('Wh', 3), context: 'Sample.Periodic' },
    { value: 48.2, measurand: 'Power.Active.Import', ...uom('kW'), context: 'Sample.Periodic' },
    { value: 45, measurand: 'SoC', ...uom('Percent'), location: 'EV', context: 'Sample.Periodic' },
    { value: 400.2, measurand: 'Voltage', ...uom('V'), context: 'Sample.Periodic' },
    { value: 125, measurand: 'Current.Offered', ...uom('A'), context: 'Sample.Periodic' },
    { value: 50, measurand: 'Power.Offered', ...uom('kW'), context: 'Sample.Periodic' },
  ],
});

const dcAttrs = {
  current: 120.5,
  energy: 2087600,
  power: 48200,
  soc: 45,
  soc_EV: 45,
  voltage: 400.2,
  currentOffered: 125,
  powerOffered: 50000,
};

const register = (timestamp: string, wh: number, context: string) => ({ timestamp, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', context, ...uom('Wh') }] });

async function deviceBase(p: Platform, cpId: string): Promise<string> {
  return (await p.waitFor(stateOf(cpId))).topic.split('/')[0]!;
}

describe('an OCPP 2.0.1 station on the same device model', () => {
  it('boots, reports status, authorizes and runs a TransactionEvent session: attrs, shadow and ledger as for 1.6', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const cp = await connectCharger(sys, 'TERRA-201', { protocols: ['ocpp2.0.1'] });
    expect(cp.protocol).toBe('ocpp2.0.1');

    const boot = (await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ABB', model: 'Terra 54', serialNumber: 'T54-201', firmwareVersion: '2.0.1-a', modem: { iccid: '8931', imsi: '2040' } } })) as Record<string, unknown>;
    expect(boot).toMatchObject({ status: 'Accepted', interval: 60 });
    const online = await platform.waitFor((m) => stateOf('TERRA-201')(m) && m.json['vendor'] === 'ABB');
    expect(online.json).toMatchObject({ online: true, protocol: 'ocpp2.0.1', model: 'Terra 54', firmware: '2.0.1-a', serialNumber: 'T54-201', registration: 'Accepted' });
    const base = online.topic.split('/')[0]!;
    const deviceId = base.split(':')[1]!;
    const device = (await admin.get(`/devices/${deviceId}`)).body;
    expect(device.attrs).toMatchObject({ vendor: 'ABB', model: 'Terra 54', chargePointSerialNumber: 'T54-201', firmwareVersion: '2.0.1-a', iccid: '8931', imsi: '2040' });

    expect(await cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 })).toEqual({});
    const avail = await platform.waitFor((m) => m.topic === `${base}/state` && (m.json['connectors'] as Record<string, { status?: string }> | undefined)?.['1']?.status === 'Available');
    expect((avail.json['connectors'] as Record<string, unknown>)['1']).toMatchObject({ status: 'Available', connectorStatus: 'Available', evseId: 1, evseConnectorId: 1, errorCode: 'NoError' });

    const idToken = { idToken: 'NOA', type: 'ISO14443' };
    expect(await cp.call('Authorize', { idToken })).toEqual({ idTokenInfo: { status: 'Accepted' } });

    await cp.call('StatusNotification', { timestamp: at(1), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    const started = (await cp.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: at(2),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'TX-ABB-0001', chargingState: 'EVConnected' },
      evse: { id: 1, connectorId: 1 },
      idToken,
      meterValue: [register(at(2), 2087100, 'Transaction.Begin')],
    })) as Record<string, unknown>;
    expect(started).toEqual({ idTokenInfo: { status: 'Accepted' } });
    const begin = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['context'] === 'Transaction.Begin');
    const txId = begin.json['transactionId'] as number;
    expect(Number.isInteger(txId)).toBe(true);
    expect(begin.json).toEqual({ timestamp: at(2), connectorId: 1, evseId: 1, transactionId: txId, chargerTransactionId: 'TX-ABB-0001', context: 'Transaction.Begin', energy: 2087100 });

    await cp.call('TransactionEvent', { eventType: 'Updated', timestamp: at(3), triggerReason: 'ChargingStateChanged', seqNo: 1, transactionInfo: { transactionId: 'TX-ABB-0001', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 } });
    const charging = await platform.waitFor((m) => m.topic === `${base}/state` && (m.json['connectors'] as Record<string, { status?: string }> | undefined)?.['1']?.status === 'Charging');
    expect((charging.json['connectors'] as Record<string, unknown>)['1']).toMatchObject({ status: 'Charging', chargingState: 'Charging', transactionId: txId, chargerTransactionId: 'TX-ABB-0001', idTag: 'NOA' });

    // MeterValuePeriodic inside TransactionEvent (TC_J_09_CSMS).
    expect(await cp.call('TransactionEvent', { eventType: 'Updated', timestamp: at(10), triggerReason: 'MeterValuePeriodic', seqNo: 2, transactionInfo: { transactionId: 'TX-ABB-0001' }, meterValue: [dcSample(at(10)), dcSample(at(20), 2088000)] })).toEqual({});
    const attrs = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === at(10));
    expect(attrs.json).toEqual({ timestamp: at(10), connectorId: 1, evseId: 1, transactionId: txId, chargerTransactionId: 'TX-ABB-0001', context: 'Sample.Periodic', ...dcAttrs });
    await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === at(20) && m.json['energy'] === 2088000);

    // A Started resent (the station lost our answer): the same session, not a second one.
    await cp.call('TransactionEvent', { eventType: 'Started', timestamp: at(2), triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'TX-ABB-0001' }, evse: { id: 1, connectorId: 1 }, idToken, meterValue: [register(at(2), 2087100, 'Transaction.Begin')] });

    const ended = await cp.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp: at(30),
      triggerReason: 'EVCommunicationLost',
      seqNo: 3,
      transactionInfo: { transactionId: 'TX-ABB-0001', chargingState: 'EVConnected', stoppedReason: 'EVDisconnected' },
      meterValue: [register(at(30), 2088500, 'Transaction.End')],
    });
    expect(ended).toEqual({});
    const txs = (await admin.get(`/transactions?deviceId=${deviceId}`)).body;
    expect(txs.items).toHaveLength(1);
    expect(txs.items[0]).toMatchObject({ id: txId, connectorId: 1, evseId: 1, chargerTransactionId: 'TX-ABB-0001', idTag: 'NOA', meterStart: 2087100, meterStop: 2088500, energyWh: 1400, stopReason: 'EVDisconnected', status: 'completed', startedAt: at(2), stoppedAt: at(30) });
    const after = await platform.waitFor((m) => {
      const c = (m.json['connectors'] as Record<string, { transactionId?: unknown; chargerTransactionId?: unknown }> | undefined)?.['1'];
      return m.topic === `${base}/state` && c?.transactionId === null && c.chargerTransactionId === null;
    });
    expect((after.json['connectors'] as Record<string, unknown>)['1']).toMatchObject({ transactionId: null, chargerTransactionId: null, status: 'Finishing', chargingState: 'EVConnected' });

    // Heartbeat and an AC station's MeterValues (evseId 1, per phase, kW and kWh).
    expect(Date.parse(((await cp.call('Heartbeat', {})) as { currentTime: string }).currentTime)).not.toBeNaN();
    const ac = await connectCharger(sys, 'ALFEN-201', { protocols: ['ocpp2.0.1'] });
    await ac.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alfen', model: 'Eve' } });
    const acBase = await deviceBase(platform, 'ALFEN-201');
    await ac.call('MeterValues', {
      evseId: 1,
      meterValue: [
        {
          timestamp: at(5),
          sampledValue: [
            { value: 16.1, measurand: 'Current.Import', phase: 'L1', ...uom('A') },
            { value: 15.9, measurand: 'Current.Import', phase: 'L2', ...uom('A') },
            { value: 16.0, measurand: 'Current.Import', phase: 'L3', ...uom('A') },
            { value: 230.1, measurand: 'Voltage', phase: 'L1-N', ...uom('V') },
            { value: 229.8, measurand: 'Voltage', phase: 'L2-N', ...uom('V') },
            { value: 231.0, measurand: 'Voltage', phase: 'L3-N', ...uom('V') },
            { value: 3.7, measurand: 'Power.Active.Import', phase: 'L1', ...uom('kW') },
            { value: 3.6, measurand: 'Power.Active.Import', phase: 'L2', ...uom('kW') },
            { value: 3.8, measurand: 'Power.Active.Import', phase: 'L3', ...uom('kW') },
            { value: 1.234, measurand: 'Energy.Active.Import.Register', phase: 'L1', ...uom('kWh') },
            { value: 1.1, measurand: 'Energy.Active.Import.Register', phase: 'L2', ...uom('kWh') },
            { value: 1.3, measurand: 'Energy.Active.Import.Register', phase: 'L3', ...uom('kWh') },
            { value: 50.01, measurand: 'Frequency', ...uom('Hz') },
          ],
        },
      ],
    });
    const acAttrs = (await platform.waitFor((m) => m.topic === `${acBase}/attrs`)).json;
    expect(acAttrs).toMatchObject({ timestamp: at(5), connectorId: 1, evseId: 1, current_L1: 16.1, 'voltage_L1-N': 230.1, power_L1: 3700, power: 11100, energy_L1: 1234, energy: 3634, frequency: 50.01 });
    await ac.close();
    await cp.close();
  });

  it('GetBaseReport: the NotifyReport parts that follow are stored and listed over HTTP', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const cp = await connectCharger(sys, 'MODEL-201', { protocols: ['ocpp2.0.1'] });
    cp.handle('GetBaseReport', async ({ params }) => {
      const requestId = (params as { requestId: number }).requestId;
      // The report follows the answer, in two parts (seqNo, tbc), as a station sends it (B07).
      setTimeout(() => {
        const generatedAt = new Date().toISOString();
        void cp
          .call('NotifyReport', { requestId, generatedAt, seqNo: 0, tbc: true, reportData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ type: 'Actual', value: '60', mutability: 'ReadWrite' }], variableCharacteristics: { dataType: 'integer', supportsMonitoring: false, unit: 's' } }] })
          .then(() => cp.call('NotifyReport', { requestId, generatedAt, seqNo: 1, reportData: [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, variableAttribute: [{ type: 'Actual', value: '22000', mutability: 'ReadOnly' }, { type: 'MaxSet', value: '22000', mutability: 'ReadOnly' }] }] }));
      }, 10);
      return { status: 'Accepted' };
    });
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    const deviceId = (await deviceBase(platform, 'MODEL-201')).split(':')[1]!;
    const r = await admin.post(`/devices/${deviceId}/commands`, { action: 'GetBaseReport', payload: { requestId: 7, reportBase: 'FullInventory' } });
    expect(r.status).toBe(200);
    expect(r.body.response).toEqual({ status: 'Accepted' });
    let vars: { status: number; body: { items: Array<Record<string, unknown>> } } | undefined;
    for (let i = 0; i < 50; i++) {
      vars = await admin.get(`/devices/${deviceId}/variables`);
      if (vars.body.items?.length === 3) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(vars!.status).toBe(200);
    expect(vars!.body.items.map((v) => [v['component'], v['evseId'], v['variable'], v['attributeType'], v['value']])).toEqual([
      ['EVSE', 1, 'Power', 'Actual', '22000'],
      ['EVSE', 1, 'Power', 'MaxSet', '22000'],
      ['OCPPCommCtrlr', null, 'HeartbeatInterval', 'Actual', '60'],
    ]);
    await cp.close();
  });

  it('a signed meter value is kept as text beside the number', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'SIGNED-201', { protocols: ['ocpp2.0.1'] });
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    const base = await deviceBase(platform, 'SIGNED-201');
    await cp.call('MeterValues', { evseId: 1, meterValue: [{ timestamp: at(1), sampledValue: [{ value: 1500, measurand: 'Energy.Active.Import.Register', signedMeterValue: { signedMeterData: 'AQID', signingMethod: 'ECDSA-secp256r1-SHA256', encodingMethod: 'OCMF', publicKey: 'pk' } }] }] });
    const a = (await platform.waitFor((m) => m.topic === `${base}/attrs`)).json;
    expect(a).toMatchObject({ energy: 1500, energy_signed: 'AQID' });
    await cp.close();
  });

  it('bad input gets 2.0.1 error codes and the connection stays up', async () => {
    sys = await startSystem({ OCPP_LENIENT: 'false' });
    const cp = await connectCharger(sys, 'BAD-201', { protocols: ['ocpp2.0.1'], strictMode: false });
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    await expect(cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1 })).rejects.toMatchObject({ rpcErrorCode: 'OccurrenceConstraintViolation' });
    await expect(cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Charging', evseId: 1, connectorId: 1 })).rejects.toMatchObject({ rpcErrorCode: 'PropertyConstraintViolation' });
    await expect(cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 'one', connectorId: 1 })).rejects.toMatchObject({ rpcErrorCode: 'TypeConstraintViolation' });
    await expect(cp.call('StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 0, timestamp: at(0) })).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
    expect(await cp.call('Heartbeat', {})).toHaveProperty('currentTime');
    await cp.close();
  });

  it('while the boot is Pending every other CALL gets SecurityError (B02.FR.09, TC_B_30_CSMS)', async () => {
    sys = await startSystem({ BOOT_REGISTRATION_STATUS: 'Pending' });
    const cp = await connectCharger(sys, 'PENDING-201', { protocols: ['ocpp2.0.1'] });
    expect(await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } })).toMatchObject({ status: 'Pending' });
    await expect(cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 })).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    await expect(cp.call('Heartbeat', {})).rejects.toMatchObject({ rpcErrorCode: 'SecurityError' });
    expect(await cp.call('NotifyReport', { requestId: 1, generatedAt: at(0), seqNo: 0 })).toEqual({});
    expect(await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } })).toMatchObject({ status: 'Pending' });
    await cp.close();
  });

  it('a charger offering several versions gets its own first choice, or the device preference', async () => {
    sys = await startSystem();
    const first = await connectCharger(sys, 'MULTI-1', { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    expect(first.protocol).toBe('ocpp2.0.1');
    await first.close();
    const second = await connectCharger(sys, 'MULTI-2', { protocols: ['ocpp1.6', 'ocpp2.0.1'] });
    expect(second.protocol).toBe('ocpp1.6');
    await second.close();
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const d = (await admin.post('/devices', { chargePointId: 'MULTI-3', ocppProtocol: 'ocpp1.6' })).body;
    expect(d.ocppProtocol).toBe('ocpp1.6');
    const third = await connectCharger(sys, 'MULTI-3', { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    expect(third.protocol).toBe('ocpp1.6');
    await third.close();
    // One device whatever the version it connects with.
    const again = await connectCharger(sys, 'MULTI-1', { protocols: ['ocpp1.6'] });
    await again.close();
    const list = (await admin.get('/devices?limit=100')).body.items.filter((x: { chargePointId: string }) => x.chargePointId === 'MULTI-1');
    expect(list).toHaveLength(1);
  });
});
