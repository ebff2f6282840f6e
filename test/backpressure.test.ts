/**
 * Backpressure (gateway/backpressure.ts): a gateway process against a real Mosquitto that stalls
 * (SIGSTOP: sockets open, nothing acknowledged). Past GATEWAY_MAX_PENDING_PUBLISHES the gateway
 * holds its answers, so the charger stops sending; when the broker comes back every held
 * MeterValues is answered and every sample reaches the platform exactly once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform } from './harness.ts';
import { runRole, startMosquitto, type Proc } from './processes.ts';

describe('backpressure from a stalled broker to the chargers', () => {
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  let gateway: Proc;
  let platform: Platform;
  let charger: RPCClient;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    gateway = runRole('gateway', {
      MQTT_URL: mosquitto.url,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cb-bp-')),
      API_TOKEN: ADMIN_TOKEN,
      GATEWAY_MAX_PENDING_PUBLISHES: '20',
    });
    const ports = await gateway.ready;
    platform = await Platform.connect(mosquitto.url, { subscribe: ['+/attrs'] });
    charger = await connectCharger({ ocppUrl: `ws://127.0.0.1:${ports.ocpp}` }, 'BP-1');
    await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  }, 60_000);

  afterAll(async () => {
    await charger?.close({ force: true }).catch(() => undefined);
    await platform?.close().catch(() => undefined);
    if (gateway) expect(await gateway.stop()).toBe(0);
    await mosquitto?.stop();
  }, 30_000);

  it('holds answers while the broker is stalled and loses nothing when it resumes', async () => {
    await platform.client.publishAsync('probe', '1', { qos: 1 }); // the platform is live
    mosquitto.pause();
    const N = 40;
    let answered = 0;
    const calls = Array.from({ length: N }, (_, i) =>
      charger
        .call('MeterValues', {
          connectorId: 1,
          meterValue: [{ timestamp: new Date(Date.UTC(2026, 10, 23, 12, 0, i)).toISOString(), sampledValue: [{ value: String(1000 + i), measurand: 'Power.Active.Import', unit: 'W' }] }],
        })
        .then(() => answered++),
    );
    // Each MeterValues makes two publishes (attrs and the exchange's event): past 20 pending the
    // gateway stops answering, so the charger (one CALL at a time) stops sending.
    await new Promise((r) => setTimeout(r, 2000));
    expect(answered).toBeGreaterThanOrEqual(5);
    expect(answered).toBeLessThan(N);
    expect(gateway.out()).toContain('broker behind: holding answers to chargers');

    mosquitto.resume();
    await Promise.all(calls);
    expect(answered).toBe(N);
    await platform.waitFor(() => platform.messages.filter((m) => m.topic.endsWith('/attrs')).length >= N, 10_000, `${N} attrs`);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive right behind
    const powers = platform.messages.filter((m) => m.topic.endsWith('/attrs')).map((m) => m.json['power']);
    expect(powers).toEqual(Array.from({ length: N }, (_, i) => 1000 + i));
    expect(gateway.out()).toContain('broker caught up: answering chargers again');
  }, 30_000);
});
