/**
 * A gateway process against a real Mosquitto that stalls (SIGSTOP: sockets open, nothing
 * acknowledged). With an external broker a MeterValues is answered only after the broker's
 * PUBACK of its attrs (issue 13, "acknowledged means durable": gateway/telemetry-sink.ts), so
 * the charger (one CALL at a time) stops sending; when the broker comes back every held
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

  it('answers only once the broker has the telemetry, and loses nothing when it resumes', async () => {
    await platform.client.publishAsync('probe', '1', { qos: 1 }); // the platform is live
    mosquitto.pause();
    const N = 40;
    const answeredAt: number[] = [];
    const calls = Array.from({ length: N }, (_, i) =>
      charger
        .call('MeterValues', {
          connectorId: 1,
          meterValue: [{ timestamp: new Date(Date.UTC(2026, 10, 23, 12, 0, i)).toISOString(), sampledValue: [{ value: String(1000 + i), measurand: 'Power.Active.Import', unit: 'W' }] }],
        })
        .then(() => answeredAt.push(Date.now())),
    );
    // The window in which an early answer would show up; the assertion below is on times.
    await new Promise((r) => setTimeout(r, 1500));
    const resumedAt = Date.now();
    mosquitto.resume();
    await Promise.all(calls);
    expect(answeredAt).toHaveLength(N);
    // No answer went out while the broker could not acknowledge: all came after it resumed.
    expect(Math.min(...answeredAt)).toBeGreaterThanOrEqual(resumedAt);
    await platform.waitFor(() => platform.messages.filter((m) => m.topic.endsWith('/attrs')).length >= N, 10_000, `${N} attrs`);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive right behind
    const powers = platform.messages.filter((m) => m.topic.endsWith('/attrs')).map((m) => m.json['power']);
    expect(powers).toEqual(Array.from({ length: N }, (_, i) => 1000 + i));
  }, 30_000);
});
