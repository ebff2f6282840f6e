/**
 * Issue 14 "The all-in-one process uses the machine", from outside: the OCPP gateway answers
 * chargers on a thread of its own, so whatever holds the main thread (the HTTP API, the
 * dashboard feed, the broker's fan-out) cannot delay a charger's answer. Here the main thread is
 * held for seconds by a real fault: the registry database locked by another process, so that an
 * HTTP write waits synchronously on SQLite's busy timeout. MeterValues are answered all the
 * while; the telemetry reaches MQTT once the main thread is free, and history stores all of it.
 */
import path from 'node:path';
import { openSqlite } from '../common/sqlite.ts';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ADMIN_TOKEN, connectCharger, Platform } from './harness.ts';
import { api } from './http.ts';
import { runRole, type Proc } from './processes.ts';

// Recent (retention), and far enough back for one sample a second of a fast test run.
const T0 = Date.now() - 86_400_000;
const sample = (i: number) => ({ connectorId: 1, meterValue: [{ timestamp: new Date(T0 + i * 1000).toISOString(), sampledValue: [{ value: String(i), measurand: 'Power.Active.Import', unit: 'W' }] }] });

describe('the gateway on its own thread', () => {
  // A process of its own: the test must not share the thread it holds.
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-threads-'));
  let proc: Proc;
  let sys: { ocppUrl: string; mqttUrl: string; httpUrl: string; dir: string };
  let cp: RPCClient;
  let platform: Platform;
  afterAll(async () => {
    await cp?.close({ force: true }).catch(() => undefined);
    await platform?.close().catch(() => undefined);
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers chargers while the main thread is held for seconds by an HTTP request', async () => {
    proc = runRole('start', { DATA_DIR: dir, API_TOKEN: ADMIN_TOKEN });
    const ports = await proc.ready;
    sys = { ocppUrl: `ws://127.0.0.1:${ports.ocpp}`, mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, httpUrl: `http://127.0.0.1:${ports.http}`, dir };
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/attrs'] });
    cp = await connectCharger(sys, 'MAIN-HELD');
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const http = api(sys.httpUrl, ADMIN_TOKEN);
    await cp.call('MeterValues', sample(0));
    await platform.waitFor((m) => m.json['power'] === 0);

    // Another process holds the registry's write lock: the next HTTP write waits on SQLite's busy
    // timeout (5 s), synchronously, on the main thread.
    const other = openSqlite(path.join(sys.dir, 'registry.db'));
    other.exec('BEGIN EXCLUSIVE');
    let n = 1;
    let heldFor = 0;
    try {
      const started = Date.now();
      const write = http.post('/devices', { chargePointId: 'WAITS-FOR-LOCK' });
      // The main thread is stuck in that write from about now: while it is, every MeterValues
      // gets its answer within 3.5 s (the write holds the thread for 5).
      await new Promise((r) => setTimeout(r, 200));
      for (; Date.now() - started < 4000; n++) await cp.call('MeterValues', sample(n), { callTimeoutMs: 3500 });
      heldFor = Date.now() - started;
      other.exec('COMMIT');
      // The write was refused after its busy timeout (503) or went through once the lock was
      // gone (201); either way it answered only after we were done.
      expect([201, 503]).toContain((await write).status);
    } finally {
      if (other.isTransaction) other.exec('COMMIT');
      other.close();
    }
    expect(heldFor).toBeGreaterThanOrEqual(4000);
    expect(n).toBeGreaterThan(10);
    // Everything acknowledged reaches the platform and history.
    await platform.waitFor((m) => m.json['power'] === n - 1, 10_000);
    const dev = (await http.get('/devices?chargePointId=MAIN-HELD')).body.items[0];
    let got = 0;
    for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 200))) {
      got = ((await http.get(`/devices/${dev.id}/history?attr=power&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`)).body.power ?? []).length;
      if (got >= n) break;
    }
    expect(got).toBe(n);
  }, 60_000);

  it('runs on another thread than the HTTP API', async () => {
    const text = (await api(sys.httpUrl, ADMIN_TOKEN).get('/metrics')).text as string;
    const gatewayThread = Number(/^chargebridge_thread_id\{role="gateway"\} (\d+)$/m.exec(text)?.[1]);
    const historyThread = Number(/^chargebridge_thread_id\{role="history"\} (\d+)$/m.exec(text)?.[1]);
    expect(gatewayThread).toBeGreaterThan(0);
    expect(historyThread).toBeGreaterThan(0);
    const httpThread = Number(/^chargebridge_thread_id\{role="http"\} (\d+)$/m.exec(text)?.[1]);
    expect(httpThread).toBe(0);
    expect(new Set([httpThread, gatewayThread, historyThread]).size).toBe(3);
  });
});
