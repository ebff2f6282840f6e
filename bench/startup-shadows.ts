/**
 * node bench/startup-shadows.ts --devices 18000 — the start of the all-in-one
 * process with a fleet registered (issue 16): how long until every device's stored shadow has
 * been republished (a platform subscribed to `+/state` has them all), and how soon a charger
 * that connects meanwhile is answered. Run twice on the same DATA_DIR: the first start writes
 * every shadow into the broker's retained store, the second finds them there (nothing written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite, prepare, transaction } from '../common/sqlite.ts';
import { Command } from 'commander';
import mqtt from 'mqtt';
import ocppRpc from 'ocpp-rpc';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { startAll } from '../bin/start.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import { topicsFor } from '../contracts/topics.ts';

const o = new Command().option('--devices <n>', 'registered devices, each with a stored shadow', '18000').parse(process.argv).opts<{ devices: string }>();
const N = Number(o.devices);
const TOKEN = 'bench-admin-token-0123456789abcdef';
const dir = mkdtempSync(path.join(tmpdir(), 'cb-startup-'));

// The fleet, written straight into the registry file (createDevice commits one by one).
const store = createSqliteStore({ file: path.join(dir, 'registry.db') });
await store.migrate();
await store.close();
const db = openSqlite(path.join(dir, 'registry.db'));
const at = new Date().toISOString();
transaction(db, () => {
  const dev = db.prepare("INSERT INTO devices (id, tenant, charge_point_id, label, templates, attrs, created_at, updated_at) VALUES (?, 'admin', ?, ?, '[]', '{}', ?, ?)");
  const sh = db.prepare('INSERT INTO device_shadows (device_id, shadow, connected_at, updated_at) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < N; i++) {
    const id = i.toString(16).padStart(8, '0');
    const cp = `BENCH-${i}`;
    dev.run(id, cp, cp, at, at);
    const shadow = { deviceId: id, tenant: 'admin', chargePointId: cp, online: false, lastSeen: at, connectedAt: at, disconnectedAt: at, offlineReason: 'shutdown', protocol: 'ocpp1.6', gateway: 'gw-old', registration: 'Accepted', vendor: 'ABB', model: 'Terra 54', firmware: '1.6.2', serialNumber: `T54-${i}`, firmwareStatus: null, diagnosticsStatus: null, connectors: { '1': { status: 'Charging', errorCode: 'NoError', transactionId: i + 1, idTag: 'NOA', updatedAt: at } } };
    sh.run(id, JSON.stringify(shadow), at, at);
  }
})();
db.close();

async function once(label: string): Promise<void> {
  const config = loadConfig({ HOST: '127.0.0.1', OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dir, API_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  const t0 = performance.now();
  const sys = await startAll(config, createLogger(config.LOG_LEVEL));
  const ready = performance.now() - t0;
  const seen = new Set<string>();
  const platform = await mqtt.connectAsync(`mqtt://127.0.0.1:${sys.ports.mqtt}`, { username: 'admin', password: TOKEN, reconnectPeriod: 0 });
  let all!: () => void;
  const done = new Promise<void>((r) => (all = r));
  platform.on('message', (topic, payload) => {
    const s = JSON.parse(payload.toString()) as { registration?: string };
    if (s.registration === 'Accepted') seen.add(topic);
    if (seen.size === N) all();
  });
  await platform.subscribeAsync(topicsFor(config.MQTT_TOPIC_LAYOUT).every('state'), { qos: 1 });
  // A charger connecting during the republish.
  const t1 = performance.now();
  const cp = new ocppRpc.RPCClient({ endpoint: `ws://127.0.0.1:${sys.ports.ocpp}`, identity: 'BENCH-0', protocols: ['ocpp1.6'], reconnect: false } as ConstructorParameters<typeof ocppRpc.RPCClient>[0]);
  await cp.connect();
  await cp.call('Heartbeat', {});
  const answered = performance.now() - t1;
  await done;
  const republished = performance.now() - t0;
  console.log(`${label}: ${N} devices; ready (listening) after ${ready.toFixed(0)} ms; a charger connected and answered ${answered.toFixed(0)} ms later; every shadow at a subscriber ${republished.toFixed(0)} ms after start`);
  await cp.close();
  await platform.endAsync();
  await sys.close();
}

await once('first start (retained store empty)');
await once('second start (retained store filled)');

rmSync(dir, { recursive: true, force: true });
