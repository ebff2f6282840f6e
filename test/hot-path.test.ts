/**
 * The hot path (one MeterValues frame in, MQTT publishes out) makes no storage round-trip:
 * the device record travels with the connection (issue 3, house rule). The gateway counts its
 * registry calls by method (`chargebridge_gateway_registry_calls_total`, from the gateway's own
 * thread): 20 MeterValues add none; one Authorize adds its idTag lookup. Shadow writes (issue 16)
 * follow state changes only (connect, boot, status, transactions), never a MeterValues.
 */
import { afterEach, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System | undefined;
afterEach(async () => {
  await sys?.stop();
  sys = undefined;
});

async function registryCalls(s: System): Promise<Record<string, number>> {
  const text = (await api(s.httpUrl, ADMIN_TOKEN).get('/metrics')).text as string;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^chargebridge_gateway_registry_calls_total\{method="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** The gateway thread reports four times a second: wait for a report taken after `since`. */
async function settled(s: System, pred: (c: Record<string, number>) => boolean): Promise<Record<string, number>> {
  for (const t = Date.now(); Date.now() - t < 5000; await new Promise((r) => setTimeout(r, 50))) {
    const c = await registryCalls(s);
    if (pred(c)) return c;
  }
  return registryCalls(s);
}

it('MeterValues frames cause no registry call', async () => {
  sys = await startSystem();
  const platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/attrs'] });
  const cp = await connectCharger(sys, 'HOT-1');
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  // Barrier: the registry calls of the handshake and the boot (the device, its stored shadow,
  // the shadow writes that follow the answers within their turn) were made before this
  // Authorize was read, so the report that shows its lookup counts them all.
  await cp.call('Authorize', { idTag: 'X' });
  // The handshake looked the device up (and auto-provisioned it): the counter counts. And the
  // BootNotification stored the charger's attributes: a report taken between the two (a loaded
  // machine) would otherwise count that write after `before`.
  const before = await settled(sys, (c) => (c['getIdTag'] ?? 0) === 1 && (c['getDeviceByChargePointId'] ?? 0) >= 1 && (c['updateDevice'] ?? 0) >= 1);
  expect(before['getDeviceByChargePointId']).toBeGreaterThanOrEqual(1);
  expect(before['getIdTag']).toBe(1);

  for (let i = 0; i < 20; i++) {
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId: 5,
      meterValue: [{ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), sampledValue: [{ value: String(i), measurand: 'Power.Active.Import', unit: 'W' }] }],
    });
  }
  await platform.waitFor((m) => m.json['power'] === 19);
  // Barrier: an Authorize after the MeterValues adds exactly its one lookup, so once it shows,
  // the report covers every MeterValues before it.
  await cp.call('Authorize', { idTag: 'X' });
  const after = await settled(sys, (c) => (c['getIdTag'] ?? 0) === (before['getIdTag'] ?? 0) + 1);
  expect(after).toEqual({ ...before, getIdTag: (before['getIdTag'] ?? 0) + 1 });
  await cp.close();
  await platform.close();
});

it('OCPP 2.0.1: the TransactionEvent Updated frames of a running session cause no registry call', async () => {
  sys = await startSystem();
  const platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/attrs'] });
  const cp = await connectCharger(sys, 'HOT-201', { protocols: ['ocpp2.0.1'] });
  await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
  const idToken = { idToken: 'X', type: 'ISO14443' };
  await cp.call('TransactionEvent', { eventType: 'Started', timestamp: new Date().toISOString(), triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'HOT-TX', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: 0, measurand: 'Energy.Active.Import.Register' }] }] });
  // Barrier as above: the Started's lookups and writes were made before this Authorize was read.
  await cp.call('Authorize', { idToken });
  const before = await settled(sys, (c) => (c['getIdTag'] ?? 0) === 2 && (c['startTransaction'] ?? 0) === 1);
  expect(before['startTransaction']).toBe(1);

  for (let i = 1; i <= 20; i++) {
    await cp.call('TransactionEvent', {
      eventType: 'Updated',
      timestamp: new Date().toISOString(),
      triggerReason: 'MeterValuePeriodic',
      seqNo: i,
      // As stations send it: the chargingState repeated in every Updated (a change only the first time).
      transactionInfo: { transactionId: 'HOT-TX', chargingState: 'Charging' },
      meterValue: [{ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), sampledValue: [{ value: i, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } }] }],
    });
  }
  await platform.waitFor((m) => m.json['power'] === 20);
  await cp.call('Authorize', { idToken });
  const after = await settled(sys, (c) => (c['getIdTag'] ?? 0) === (before['getIdTag'] ?? 0) + 1);
  expect(after).toEqual({ ...before, getIdTag: (before['getIdTag'] ?? 0) + 1 });
  await cp.close();
  await platform.close();
});
