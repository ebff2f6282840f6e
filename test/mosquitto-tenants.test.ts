/**
 * Issue 18, "Tenants on any broker": two tenants on a real Mosquitto confined by the documented
 * ACL file (deploy/mosquitto/acl) alone. A chargebridge gateway process runs against it as it
 * does scaled out (MQTT_URL, its service account MQTT_USERNAME/MQTT_PASSWORD, the shared
 * command subscription) in the tenant-level topic layout; a real OCPP client per tenant, and
 * each tenant's platform a real MQTT.js client logging in with its own account. Each platform
 * sees only its own tenant's attrs and state and commands only its own devices: a command
 * published on the other tenant's config topic is refused by Mosquitto and never reaches that
 * tenant's charger, both ways.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsFor } from '../contracts/topics.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import { ADMIN_TOKEN, connectCharger, Platform } from './harness.ts';
import { runRole, startMosquitto, type Proc } from './processes.ts';

const ACL = path.resolve(import.meta.dirname, '../deploy/mosquitto/acl');
const topics = topicsFor('tenant-level');
const secret = () => randomBytes(12).toString('hex');
const PASSWORDS = { chargebridge: secret(), acme: secret(), beta: secret() };
const TENANTS = ['acme', 'beta'] as const;
type Tenant = (typeof TENANTS)[number];
const other = (t: Tenant): Tenant => (t === 'acme' ? 'beta' : 'acme');

describe('two tenants on Mosquitto with the documented ACL (MQTT_TOPIC_LAYOUT=tenant-level)', () => {
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  let gateway: Proc;
  const ids = {} as Record<Tenant, string>;
  const chargers = {} as Record<Tenant, RPCClient>;
  const platforms = {} as Record<Tenant, Platform>;
  /** Per tenant, one more client of its account subscribed to everything it may try: `#`, `+/#`, `+/+/attrs`. */
  const greedy = {} as Record<Tenant, Platform>;
  /** Reset ids each charger received. */
  const resets = { acme: [] as string[], beta: [] as string[] };

  beforeAll(async () => {
    mosquitto = await startMosquitto({ passwords: PASSWORDS, aclFile: ACL });
    const dir = mkdtempSync(path.join(tmpdir(), 'cb-tenants-'));
    // The registry's devices, written before the gateway starts (its store is DATA_DIR's; scaled
    // out it would be the shared PostgreSQL).
    const store = createSqliteStore({ file: path.join(dir, 'registry.db') });
    await store.migrate();
    for (const t of TENANTS) ids[t] = (await store.createDevice({ tenant: t, chargePointId: `TEN-${t.toUpperCase()}` })).id;
    await store.close();
    gateway = runRole('gateway', {
      MQTT_URL: mosquitto.url,
      MQTT_USERNAME: 'chargebridge',
      MQTT_PASSWORD: PASSWORDS.chargebridge,
      MQTT_TOPIC_LAYOUT: 'tenant-level',
      DATA_DIR: dir,
      API_TOKEN: ADMIN_TOKEN,
      AUTO_PROVISION: 'false',
      OCPP_CALL_TIMEOUT_MS: '3000',
    });
    const ports = await gateway.ready;
    for (const t of TENANTS) {
      const login = { username: t, password: PASSWORDS[t] };
      platforms[t] = await Platform.connect(mosquitto.url, { ...login, subscribe: [topics.ofTenant(t, 'attrs'), topics.ofTenant(t, 'state'), topics.ofTenant(t, 'config/reply')] });
      greedy[t] = await Platform.connect(mosquitto.url, { ...login, subscribe: ['#', '+/#', '+/+/attrs', '+/+/state', `${other(t)}/#`, `${other(t)}/+/attrs`] });
    }
    for (const t of TENANTS) {
      const c = await connectCharger({ ocppUrl: `ws://127.0.0.1:${ports.ocpp}` }, `TEN-${t.toUpperCase()}`);
      c.handle('Reset', async ({ params }) => {
        resets[t].push((params as { type: string }).type);
        return { status: 'Accepted' };
      });
      await c.call('BootNotification', { chargePointVendor: 'V', chargePointModel: t });
      await c.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: t === 'acme' ? '1111' : '2222', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
      chargers[t] = c;
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of Object.values(chargers)) await c.close({ force: true }).catch(() => undefined);
    for (const p of [...Object.values(platforms), ...Object.values(greedy)]) await p.close().catch(() => undefined);
    if (gateway) expect(await gateway.stop()).toBe(0);
    await mosquitto?.stop();
  });

  it.each(TENANTS)("%s's platform sees its own device's attrs and state on {tenant}/{deviceId}/...", async (t) => {
    const attrs = await platforms[t].waitFor((m) => m.topic === topics.device(t, ids[t], 'attrs'), 10_000, `${t} attrs`);
    expect(attrs.json['energy']).toBe(t === 'acme' ? 1111 : 2222);
    const state = await platforms[t].waitFor((m) => m.topic === topics.device(t, ids[t], 'state') && m.json['registration'] === 'Accepted', 10_000, `${t} state`);
    expect(state.json).toMatchObject({ tenant: t, deviceId: ids[t], online: true, model: t });
  });

  it.each(TENANTS)("%s's clients never receive the other tenant's messages, whatever they subscribe to", async (t) => {
    // Both tenants' devices have published by now (the test above waited for both).
    await platforms[other(t)].waitFor((m) => m.topic === topics.device(other(t), ids[other(t)], 'attrs'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    // `#` and `+/+/attrs` are granted (Mosquitto 2.0 checks `read` at each delivery): the
    // tenant's own messages arrive on them, as on the embedded broker, and nothing else.
    await greedy[t].waitFor((m) => m.topic === topics.device(t, ids[t], 'attrs'), 10_000, `${t} attrs on its wildcard client`);
    for (const p of [platforms[t], greedy[t]]) expect(p.messages.filter((m) => !m.topic.startsWith(`${t}/`)).map((m) => m.topic)).toEqual([]);
  });

  it.each(TENANTS)('%s commands its own charger over MQTT and gets the reply', async (t) => {
    const id = `own-${t}`;
    await platforms[t].client.publishAsync(topics.device(t, ids[t], 'config'), JSON.stringify({ id, action: 'Reset', payload: { type: t === 'acme' ? 'Soft' : 'Hard' } }), { qos: 1 });
    const reply = await platforms[t].waitFor((m) => m.topic === topics.device(t, ids[t], 'config/reply') && m.json['id'] === id, 10_000, `${t} reply`);
    expect(reply.json).toMatchObject({ id, status: 'ok', response: { status: 'Accepted' } });
    expect(resets[t]).toContain(t === 'acme' ? 'Soft' : 'Hard');
  });

  it.each(TENANTS)("%s's command on the other tenant's config topic is refused by Mosquitto and never reaches that charger", async (t) => {
    const victim = other(t);
    const before = [...resets[victim]];
    // MQTT 5: Mosquitto answers the PUBACK with 0x87 (not authorized) and delivers nothing.
    const c = await mqtt.connectAsync(mosquitto.url, { username: t, password: PASSWORDS[t], protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await expect(c.publishAsync(topics.device(victim, ids[victim], 'config'), JSON.stringify({ id: `foreign-${t}`, action: 'Reset', payload: { type: 'Hard' } }), { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
      // The gateway's service account does not act on a tenant's behalf either: a command
      // published under the attacker's own tenant for the victim's device id is answered offline.
      await c.subscribeAsync(topics.ofTenant(t, 'config/reply'), { qos: 1 });
      const replies: Array<{ id: string; status: string; error?: { code: string } }> = [];
      c.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString()) as (typeof replies)[number]));
      await c.publishAsync(topics.device(t, ids[victim], 'config'), JSON.stringify({ id: `borrowed-${t}`, action: 'Reset', payload: { type: 'Hard' } }), { qos: 1 });
      const deadline = Date.now() + 10_000;
      while (!replies.some((r) => r.id === `borrowed-${t}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(replies.find((r) => r.id === `borrowed-${t}`)).toMatchObject({ status: 'error', error: { code: 'offline' } });
    } finally {
      await c.endAsync(true);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(resets[victim]).toEqual(before);
    expect(platforms[victim].messages.filter((m) => String(m.json['id'] ?? '').includes(t))).toEqual([]);
  });

  it('refuses an account that is not in the password file, and a tenant writing telemetry', async () => {
    await expect(mqtt.connectAsync(mosquitto.url, { username: 'gamma', password: 'x', reconnectPeriod: 0 })).rejects.toThrow();
    const c = await mqtt.connectAsync(mosquitto.url, { username: 'acme', password: PASSWORDS.acme, protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await expect(c.publishAsync(topics.device('acme', ids.acme, 'state'), JSON.stringify({ online: false }), { qos: 1, retain: true })).rejects.toMatchObject({ code: 0x87 });
      // chargebridge/# (forwarded and private commands, the alerts role's control topic): Mosquitto
      // 2.0 grants the subscription and checks `read` at each delivery, so nothing arrives.
      const got: string[] = [];
      c.on('message', (topic) => got.push(topic));
      await c.subscribeAsync('chargebridge/#', { qos: 1 });
      const gw = await mqtt.connectAsync(mosquitto.url, { username: 'chargebridge', password: PASSWORDS.chargebridge, protocolVersion: 5, reconnectPeriod: 0 });
      await gw.publishAsync('chargebridge/alerts/control', '{}', { qos: 1 });
      await gw.endAsync();
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual([]);
    } finally {
      await c.endAsync(true);
    }
  });
});
