/**
 * The hot path (one MeterValues frame in, MQTT publishes out) makes no storage round-trip:
 * the device record travels with the connection (issue 3, house rule). Every store method is
 * wrapped with a counter after the charger has connected.
 */
import { afterEach, expect, it } from 'vitest';
import { connectCharger, Platform, startSystem, type System } from './harness.ts';

let sys: System | undefined;
afterEach(async () => {
  await sys?.stop();
  sys = undefined;
});

it('MeterValues frames cause no registry call', async () => {
  sys = await startSystem();
  const platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/attrs'] });
  const cp = await connectCharger(sys, 'HOT-1');
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  const calls: string[] = [];
  const store = sys.store as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(store)) {
    if (typeof fn !== 'function') continue;
    store[name] = (...args: unknown[]) => {
      calls.push(name);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }

  for (let i = 0; i < 20; i++) {
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId: 5,
      meterValue: [{ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), sampledValue: [{ value: String(i), measurand: 'Power.Active.Import', unit: 'W' }] }],
    });
  }
  await platform.waitFor((m) => m.json['power'] === 19);
  expect(calls).toEqual([]);
  // The counter does see calls: an Authorize looks the idTag up.
  await cp.call('Authorize', { idTag: 'X' });
  expect(calls).toEqual(['getIdTag']);
  await cp.close();
  await platform.close();
});
