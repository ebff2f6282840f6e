/**
 * Issue 16, the durable shadow, from outside: a real OCPP client (ocpp-rpc, strict) as the
 * charger, MQTT.js as the platform. An OCPP 1.6 charger sends no BootNotification and no
 * StatusNotification on a plain reconnect (§4.2: after a reboot; §4.9: on a change), so what
 * the shadow knew must come back from the gateway: across a restart (graceful, and kill -9),
 * with or without the broker's retained store, and across a reconnect.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';
import { runRole, type Proc } from './processes.ts';

let sys: System | undefined;
const platforms: Platform[] = [];
const chargers: RPCClient[] = [];
const procs: Proc[] = [];
afterEach(async () => {
  await Promise.all(chargers.splice(0).map((c) => c.close({ force: true }).catch(() => undefined)));
  for (const p of platforms.splice(0)) await p.close();
  for (const p of procs.splice(0)) await p.stop();
  await sys?.stop();
  sys = undefined;
});

/** A charger in a session: booted, connector 1 Charging with a transaction, connector 2 Faulted. */
async function chargeOn(ocppUrl: string, identity: string): Promise<{ cp: RPCClient; transactionId: number }> {
  const cp = await connectCharger({ ocppUrl }, identity);
  chargers.push(cp);
  await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54', firmwareVersion: '1.6.2', chargePointSerialNumber: 'T54-0001' });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
  const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 2087100, timestamp: new Date().toISOString() })) as { transactionId: number };
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  await cp.call('StatusNotification', { connectorId: 2, status: 'Faulted', errorCode: 'GroundFailure', info: 'leak', vendorErrorCode: 'E42' });
  // Barrier: an exchange after the last change, so the shadow writes of the turns before it
  // have run (they follow each answer within its event-loop turn).
  await cp.call('Heartbeat', {});
  return { cp, transactionId };
}

/** A charger coming back after the restart: a new connection, and nothing but a Heartbeat. */
async function reconnect(ocppUrl: string, identity: string): Promise<RPCClient> {
  const cp = await connectCharger({ ocppUrl }, identity);
  chargers.push(cp);
  await cp.call('Heartbeat', {});
  return cp;
}

async function deviceIdOf(httpUrl: string, identity: string): Promise<string> {
  return (await api(httpUrl, ADMIN_TOKEN).get(`/devices?chargePointId=${identity}`)).body.items[0].id as string;
}

/** A fresh subscriber's retained `state` of the device (one that matches `pred`, once the gateway has published it). */
async function retainedState(mqttUrl: string, deviceId: string, pred: (s: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  const topic = `admin:${deviceId}/state`;
  // A first subscriber waits until the gateway has published what is expected (a barrier)...
  const watcher = await Platform.connect(mqttUrl, { subscribe: [topic] });
  platforms.push(watcher);
  await watcher.waitFor((m) => pred(m.json), 15_000, what);
  // ...then a fresh one gets it as the broker retains it.
  const fresh = await Platform.connect(mqttUrl, { subscribe: [topic] });
  platforms.push(fresh);
  const m: Received = await fresh.waitFor((x) => x.retain, 5_000, `retained ${what}`);
  return m.json;
}

function expectLastState(s: Record<string, unknown>, transactionId: number): void {
  expect(s).toMatchObject({ chargePointId: expect.any(String), registration: 'Accepted', vendor: 'ABB', model: 'Terra 54', firmware: '1.6.2', serialNumber: 'T54-0001' });
  const connectors = s['connectors'] as Record<string, Record<string, unknown>>;
  expect(connectors['1']).toMatchObject({ status: 'Charging', errorCode: 'NoError', transactionId, idTag: 'NOA' });
  expect(connectors['2']).toMatchObject({ status: 'Faulted', errorCode: 'GroundFailure', info: 'leak', vendorErrorCode: 'E42', transactionId: null });
}

describe('the shadow across a gateway restart', () => {
  it('offline with its last state after the restart; online again with it after a reconnect without BootNotification or StatusNotification', async () => {
    sys = await startSystem();
    const dir = sys.dir;
    const { transactionId } = await chargeOn(sys.ocppUrl, 'DUR-1');
    const deviceId = await deviceIdOf(sys.httpUrl, 'DUR-1');
    await sys.stop({ keepData: true });
    chargers.splice(0); // closed by the gateway (1001)

    sys = await startSystem({}, dir);
    const before = await retainedState(sys.mqttUrl, deviceId, (s) => s['online'] === false, 'the offline shadow');
    expect(before).toMatchObject({ deviceId, online: false, offlineReason: 'shutdown' });
    expectLastState(before, transactionId);

    await reconnect(sys.ocppUrl, 'DUR-1');
    const after = await retainedState(sys.mqttUrl, deviceId, (s) => s['online'] === true, 'the shadow online again');
    expect(after).toMatchObject({ deviceId, online: true, offlineReason: null });
    expect(Date.parse(after['connectedAt'] as string)).toBeGreaterThan(Date.parse(before['connectedAt'] as string));
    expectLastState(after, transactionId);
  }, 60_000);

  it('the broker lost its retained store: the state comes back from the registry at start', async () => {
    sys = await startSystem();
    const dir = sys.dir;
    const { transactionId } = await chargeOn(sys.ocppUrl, 'DUR-2');
    const deviceId = await deviceIdOf(sys.httpUrl, 'DUR-2');
    await sys.stop({ keepData: true });
    chargers.splice(0);
    for (const f of ['retained.db', 'retained.db-wal', 'retained.db-shm']) rmSync(path.join(dir, f), { force: true });

    sys = await startSystem({}, dir);
    const s = await retainedState(sys.mqttUrl, deviceId, (x) => x['online'] === false, 'the shadow republished from the registry');
    expect(s).toMatchObject({ deviceId, online: false, offlineReason: 'shutdown' });
    expectLastState(s, transactionId);
  }, 60_000);

  it('kill -9: offline since the restart (reason restart) with its last state, then online again with it', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cb-shadow-crash-'));
    const env = { DATA_DIR: dataDir, API_TOKEN: ADMIN_TOKEN };
    try {
      const first = runRole('start', env);
      procs.push(first);
      const p1 = await first.ready;
      const { transactionId } = await chargeOn(`ws://127.0.0.1:${p1.ocpp}`, 'DUR-3');
      const deviceId = await deviceIdOf(`http://127.0.0.1:${p1.http}`, 'DUR-3');
      first.child.kill('SIGKILL');
      expect(await first.stop()).toBeNull();
      await Promise.all(chargers.splice(0).map((c) => c.close({ force: true }).catch(() => undefined)));

      const second = runRole('start', env);
      procs.push(second);
      const p2 = await second.ready;
      const mqttUrl = `mqtt://127.0.0.1:${p2.mqtt}`;
      const s = await retainedState(mqttUrl, deviceId, (x) => x['offlineReason'] === 'restart', 'the shadow offline after the crash');
      expect(s).toMatchObject({ deviceId, online: false, offlineReason: 'restart' });
      expect(Date.parse(s['disconnectedAt'] as string)).toBeGreaterThan(Date.parse(s['connectedAt'] as string));
      expectLastState(s, transactionId);

      await reconnect(`ws://127.0.0.1:${p2.ocpp}`, 'DUR-3');
      const after = await retainedState(mqttUrl, deviceId, (x) => x['online'] === true, 'the shadow online again');
      expectLastState(after, transactionId);
    } finally {
      for (const p of procs.splice(0)) await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('the shadow across a reconnect', () => {
  it('a plain reconnect (no restart) keeps it: registration, model, connectors with the transaction', async () => {
    sys = await startSystem();
    const { cp, transactionId } = await chargeOn(sys.ocppUrl, 'DUR-4');
    const deviceId = await deviceIdOf(sys.httpUrl, 'DUR-4');
    const platform = await Platform.connect(sys.mqttUrl, { subscribe: [`admin:${deviceId}/state`] });
    platforms.push(platform);
    await cp.close();
    await platform.waitFor((m) => m.json['online'] === false, 5_000, 'the shadow offline');
    const offline = platform.messages.length;

    await reconnect(sys.ocppUrl, 'DUR-4');
    const back = await platform.waitFor((m) => platform.messages.indexOf(m) >= offline && m.json['online'] === true, 5_000, 'the shadow online again');
    expect(back.json).toMatchObject({ online: true, offlineReason: null });
    expectLastState(back.json, transactionId);
    // And a fresh subscriber finds the same, retained.
    expectLastState(await retainedState(sys.mqttUrl, deviceId, (s) => s['online'] === true, 'the retained shadow'), transactionId);
    // What the broker retains is counted (docs/mqtt.md "Retained messages").
    const metrics = (await api(sys.httpUrl, ADMIN_TOKEN).get('/metrics')).text as string;
    expect(metrics).toMatch(/^chargebridge_mqtt_retained_messages(\{[^}]*\})? [1-9]/m);
    expect(metrics).toMatch(/^chargebridge_mqtt_retained_refused_total(\{[^}]*\})? 0$/m);
  }, 30_000);
});

describe('a deleted device', () => {
  /** The retained states a fresh subscriber gets are the kept device's alone, now and after a restart. */
  async function onlyKeptRetained(dir: string, keptId: string): Promise<void> {
    const states = async (mqttUrl: string) => {
      const p = await Platform.connect(mqttUrl, { subscribe: ['+/state'] });
      platforms.push(p);
      // Retained messages come in the order they were stored: the kept one's state, stored
      // last, is the barrier for "the other one is not there".
      await p.waitFor((m) => m.retain && m.topic === `admin:${keptId}/state`, 10_000, 'the retained state of the device kept');
      return p.messages.filter((m) => m.retain).map((m) => m.topic);
    };
    expect(await states(sys!.mqttUrl)).toEqual([`admin:${keptId}/state`]);
    await sys!.stop({ keepData: true });
    chargers.splice(0);
    sys = await startSystem({}, dir);
    expect(await states(sys.mqttUrl)).toEqual([`admin:${keptId}/state`]);
  }

  it('its retained state is removed, and stays removed after a restart', async () => {
    sys = await startSystem();
    const dir = sys.dir;
    const gone = await connectCharger(sys, 'DUR-5');
    chargers.push(gone);
    await gone.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    // A second device, retained after the first: a new subscription gets retained messages in
    // the order they were stored, so its state is the barrier for "the first one is not there".
    const kept = await connectCharger(sys, 'DUR-6');
    chargers.push(kept);
    await kept.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const goneId = await deviceIdOf(sys.httpUrl, 'DUR-5');
    const keptId = await deviceIdOf(sys.httpUrl, 'DUR-6');
    await gone.close();
    expect((await api(sys.httpUrl, ADMIN_TOKEN).del(`/devices/${goneId}`)).status).toBe(204);

    await onlyKeptRetained(dir, keptId);
  }, 60_000);

  it('deleted while its charger is connected: the connection is closed, and no state of it is retained, now or after a restart', async () => {
    sys = await startSystem();
    const dir = sys.dir;
    const live = await connectCharger(sys, 'DUR-7');
    chargers.push(live);
    await live.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    await live.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    const kept = await connectCharger(sys, 'DUR-8');
    chargers.push(kept);
    await kept.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const liveId = await deviceIdOf(sys.httpUrl, 'DUR-7');
    const keptId = await deviceIdOf(sys.httpUrl, 'DUR-8');
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
    // The gateway's offline state of this close would come after the removal of the retained
    // state if the gateway were not told first (it publishes nothing for the device any more).
    expect((await api(sys.httpUrl, ADMIN_TOKEN).del(`/devices/${liveId}`)).status).toBe(204);
    await closed;

    await onlyKeptRetained(dir, keptId);
  }, 60_000);
});
