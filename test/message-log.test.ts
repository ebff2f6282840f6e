/**
 * Issue 19, the OCPP message log, end to end: a real OCPP-J client (ocpp-rpc, strict) boots,
 * reports status and meter values and answers a command sent over HTTP; the log is read back over
 * HTTP by charger, action, direction, message id and time range, exported as JSON lines, replayed
 * to a real MQTT.js subscriber, confined to its tenant, and kept across a restart; days past the
 * retention are dropped at start.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { createEmbeddedLog } from '../message-log/backends/embedded.ts';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

const CP = 'LOG-1';
let sys: System;
let platform: Platform;
let charger: RPCClient;
let deviceId: string;
const http = (token = ADMIN_TOKEN) => api(sys.httpUrl, token);
const events = () => platform.messages.filter((m) => m.topic === `admin:${deviceId}/events`);

/** Waits until the log holds `n` events of the charger: the barrier before any assertion. */
async function logHolds(n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await http().get(`/message-log?deviceId=${deviceId}&limit=1`);
    if (r.body.total === n) return;
    if (r.body.total > n || Date.now() > deadline) throw new Error(`the log holds ${r.body.total} events of ${deviceId}, expected ${n}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function jsonLines(query: string, token = ADMIN_TOKEN): Promise<{ type: string; lines: any[] }> {
  const res = await fetch(`${sys.httpUrl}/message-log?${query}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' } });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return { type: res.headers.get('content-type') ?? '', lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

beforeAll(async () => {
  sys = await startSystem();
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/events', '+/state'] });
  charger = await connectCharger(sys, CP);
  charger.handle('Reset', async () => ({ status: 'Accepted' }));
  await charger.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
  deviceId = (await platform.waitFor((m) => m.json['chargePointId'] === CP)).topic.split(/[:/]/)[1]!;
  await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  await charger.call('MeterValues', {
    connectorId: 1,
    meterValue: [1, 2, 3].map((i) => ({ timestamp: new Date(Date.now() - (4 - i) * 10_000).toISOString(), sampledValue: [{ value: String(1000 * i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] })),
  });
  const cmd = await http().post(`/devices/${deviceId}/commands`, { action: 'Reset', payload: { type: 'Soft' } });
  expect(cmd.status).toBe(200);
  await platform.waitFor((m) => m.topic.endsWith('/events') && m.json['type'] === 'command', 5000, 'the command event');
});
afterAll(async () => {
  await charger?.close({ force: true });
  await platform?.close();
  await sys?.stop();
});

describe('the message log', () => {
  it('stores every event of the charger, in both directions, with the exchange as published', async () => {
    await logHolds(events().length);
    const r = await http().get(`/message-log?deviceId=${deviceId}&limit=1000`);
    expect(r.status).toBe(200);
    // Exactly what was published on `events`, in order.
    expect(r.body.items.map((i: any) => i.event)).toEqual(events().map((m) => m.json));
    const actions = r.body.items.map((i: any) => `${i.type}:${i.direction}:${i.action}`);
    expect(actions).toEqual(expect.arrayContaining(['connected:null:null', 'ocpp:in:BootNotification', 'ocpp:in:StatusNotification', 'ocpp:in:MeterValues', 'command:out:Reset']));
    const reset = r.body.items.find((i: any) => i.type === 'command');
    expect(reset.event).toMatchObject({ action: 'Reset', request: { type: 'Soft' }, response: { status: 'Accepted' } });
  });

  it('is queried by charger (deviceId or chargePointId), action, direction, message id and time range', async () => {
    await logHolds(events().length);
    const q = async (query: string) => (await http().get(`/message-log?${query}`)).body;
    expect((await q(`chargePointId=${CP}`)).total).toBe(events().length);
    expect((await q('chargePointId=NOPE-404')).code).toBe('NOT_FOUND');
    const mv = await q(`deviceId=${deviceId}&action=MeterValues`);
    expect(mv.items).toHaveLength(1);
    expect(mv.items[0].event.request.meterValue).toHaveLength(3);
    expect((await q(`deviceId=${deviceId}&direction=out`)).items.map((i: any) => i.action)).toEqual(['Reset']);
    const boot = events().find((m) => m.json['action'] === 'BootNotification')!;
    const byId = await q(`deviceId=${deviceId}&messageId=${encodeURIComponent(String(boot.json['messageId']))}`);
    expect(byId.items.map((i: any) => i.action)).toEqual(['BootNotification']);
    // A time range: exactly the published events whose ts is in [from, to).
    const status = events().find((m) => m.json['action'] === 'StatusNotification')!;
    const from = String(status.json['ts']);
    const to = new Date(Date.parse(String(events().at(-1)!.json['ts'])) + 1).toISOString();
    const inRange = (m: Received) => Date.parse(String(m.json['ts'])) >= Date.parse(from) && Date.parse(String(m.json['ts'])) < Date.parse(to);
    const ranged = await q(`deviceId=${deviceId}&from=${from}&to=${to}&limit=1000`);
    expect(ranged.items.map((i: any) => i.event)).toEqual(events().filter(inRange).map((m) => m.json));
    expect(ranged.items.map((i: any) => i.action)).not.toContain('BootNotification');
    // Newest first, for "the last N".
    const last = await q(`deviceId=${deviceId}&order=desc&limit=2`);
    expect(last.items.map((i: any) => i.event)).toEqual(events().slice(-2).reverse().map((m) => m.json));
    expect((await q('from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')).code).toBe('VALIDATION_FAILED');
    expect((await q('direction=sideways')).code).toBe('VALIDATION_FAILED');
  });

  it('pages with X-Total-Count and Link headers', async () => {
    await logHolds(events().length);
    const res = await fetch(`${sys.httpUrl}/message-log?deviceId=${deviceId}&limit=2&offset=0`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await res.json()) as { items: unknown[]; total: number };
    expect(body.items).toHaveLength(2);
    expect(res.headers.get('x-total-count')).toBe(String(events().length));
    expect(res.headers.get('link')).toContain('rel="next"');
  });

  it('exports every matching exchange as valid JSON lines', async () => {
    await logHolds(events().length);
    const { type, lines } = await jsonLines(`deviceId=${deviceId}`);
    expect(type).toContain('application/x-ndjson');
    const list = (await http().get(`/message-log?deviceId=${deviceId}&limit=1000`)).body.items;
    expect(lines).toEqual(list);
    expect(lines.map((l) => l.event)).toEqual(events().map((m) => m.json));
    expect((await jsonLines(`deviceId=${deviceId}&action=MeterValues,BootNotification`)).lines.map((l) => l.action)).toEqual(['BootNotification', 'MeterValues']);
  });

  it('replays a range to MQTT, marked as replayed, without logging it again', async () => {
    await logHolds(events().length);
    const replays = await Platform.connect(sys.mqttUrl, { subscribe: ['+/events/replay'] });
    try {
      const stored = (await http().get(`/message-log?deviceId=${deviceId}&limit=1000`)).body.items;
      const r = await http().post('/message-log/replay', { deviceId, from: stored[0].ts, to: new Date(Date.parse(stored.at(-1).ts) + 1).toISOString() });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ published: stored.length, truncated: false, topic: `admin:${deviceId}/events/replay` });
      await replays.waitFor(() => replays.messages.length >= stored.length, 5000, 'every replayed event');
      expect(replays.messages.map((m) => m.topic)).toEqual(stored.map(() => `admin:${deviceId}/events/replay`));
      expect(replays.messages.map((m) => m.json)).toEqual(stored.map((i: any) => ({ ...i.event, replayed: true })));
      // Barrier: one exchange after the replay; once it is in the log, the replay would be too.
      const before = events().length;
      await charger.call('Heartbeat', {});
      await platform.waitFor(() => events().length > before);
      await logHolds(stored.length + 1);
      // Bounded: a replay past MESSAGE_LOG_REPLAY_MAX says where to go on. Read-only may not replay.
      const reader = (await http().post('/tokens', { role: 'read-only' })).body.token as string;
      expect((await http(reader).post('/message-log/replay', { deviceId, from: stored[0].ts, to: stored.at(-1).ts })).body.code).toBe('FORBIDDEN');
      expect((await http().post('/message-log/replay', { deviceId })).body.code).toBe('VALIDATION_FAILED');
    } finally {
      await replays.close();
    }
  });

  it('logs a handshake refused for the security profile (securityRefused), queryable by type', async () => {
    const created = await http().post('/devices', { chargePointId: 'LOG-P2', ocppPassword: 'p2-password-0123456789', securityProfile: 2 });
    expect(created.status).toBe(201);
    // A profile-2 device over plain ws: refused at the handshake, never connected.
    await expect(connectCharger(sys, 'LOG-P2', { password: 'p2-password-0123456789' })).rejects.toThrow();
    await expect
      .poll(async () => (await http().get(`/message-log?chargePointId=LOG-P2&type=securityRefused`)).body.items.map((i: any) => [i.type, i.event.reason, i.event.status]), { timeout: 10_000 })
      .toEqual([['securityRefused', 'TLS_REQUIRED', 403]]);
  });

  it('logs a handshake refused for a missing or wrong password (handshakeRefused)', async () => {
    expect((await http().post('/devices', { chargePointId: 'LOG-PW', ocppPassword: 'pw-password-0123456789' })).status).toBe(201);
    await expect(connectCharger(sys, 'LOG-PW', { password: 'not-the-password-0000' })).rejects.toThrow();
    await expect
      .poll(async () => (await http().get(`/message-log?chargePointId=LOG-PW&type=handshakeRefused`)).body.items.map((i: any) => [i.event.reason, i.event.status]), { timeout: 10_000 })
      .toEqual([['PASSWORD_WRONG', 401]]);
  });

  it('writes on a thread of its own, and says how far it got in /metrics', async () => {
    await logHolds(events().length);
    let text = '';
    const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    // The writer thread reports its counters four times a second.
    await expect
      .poll(async () => {
        text = (await http().get('/metrics')).text;
        return metric('chargebridge_message_log_events_written_total');
      })
      .toBeGreaterThanOrEqual(events().length);
    expect(metric('chargebridge_message_log_events_dropped_total')).toBe(0);
    const thread = (role: string) => Number(new RegExp(`^chargebridge_thread_id\\{role="${role}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(thread('message-log')).toBeGreaterThan(0);
    expect(thread('message-log')).not.toBe(thread('http'));
    expect(thread('message-log')).not.toBe(thread('gateway'));
  });

  it('confines a tenant to its own log', async () => {
    await logHolds(events().length);
    const beta = (await http().post('/tokens', { tenant: 'beta', role: 'admin' })).body.token as string;
    expect((await http(beta).get('/message-log')).body).toEqual({ items: [], total: 0 });
    expect((await http(beta).get(`/message-log?deviceId=${deviceId}`)).body.total).toBe(0);
    expect((await http(beta).get(`/message-log?chargePointId=${CP}`)).body.code).toBe('NOT_FOUND');
    expect((await jsonLines(`deviceId=${deviceId}`, beta)).lines).toEqual([]);
    const r = await http(beta).post('/message-log/replay', { deviceId, from: '2020-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    expect(r.body.published).toBe(0);
    expect((await http().get(`/message-log?deviceId=${deviceId}`)).body.total).toBe(events().length);
  });
});

describe('durability and retention', () => {
  it('keeps the log across a restart and drops days past MESSAGE_LOG_RETENTION_DAYS at start', async () => {
    const s1 = await startSystem({ MESSAGE_LOG_RETENTION_DAYS: '7' });
    const dir = s1.dir;
    let s2: System | undefined;
    try {
      const p = await Platform.connect(s1.mqttUrl, { subscribe: ['+/events'] });
      const c = await connectCharger(s1, 'LOG-DUR');
      await c.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve' });
      await c.call('Heartbeat', {});
      await p.waitFor((m) => m.json['action'] === 'Heartbeat');
      const id = p.messages[0]!.topic.split(/[:/]/)[1]!;
      const deadline = Date.now() + 10_000;
      while ((await api(s1.httpUrl, ADMIN_TOKEN).get(`/message-log?deviceId=${id}&action=Heartbeat`)).body.total !== 1) {
        if (Date.now() > deadline) throw new Error('Heartbeat never logged');
        await new Promise((r) => setTimeout(r, 50));
      }
      await c.close({ force: true });
      await p.close();
      await s1.stop({ keepData: true });
      // An event of 30 days ago, stored while it was within the retention.
      const old = Date.now() - 30 * 86_400_000;
      const seed = createEmbeddedLog({ file: path.join(dir, 'message-log.db'), retentionDays: 7 });
      await seed.write([{ time: old, tenant: 'admin', device: id, type: 'ocpp', direction: 'in', action: 'Heartbeat', messageId: 'old-1', error: null, payload: JSON.stringify({ type: 'ocpp', ts: new Date(old).toISOString() }) }], old);
      await seed.close();

      s2 = await startSystem({ MESSAGE_LOG_RETENTION_DAYS: '7' }, dir);
      const after = (await api(s2.httpUrl, ADMIN_TOKEN).get(`/message-log?deviceId=${id}&limit=1000`)).body;
      expect(after.items.map((i: any) => i.action)).toEqual(expect.arrayContaining(['BootNotification', 'Heartbeat']));
      expect(after.items.filter((i: any) => i.type === 'disconnected')).toHaveLength(1);
      expect(after.items.map((i: any) => i.messageId)).not.toContain('old-1');
    } finally {
      await (s2 ?? s1).stop().catch(() => undefined);
    }
  });
});

const pgUrl = process.env['TEST_DATABASE_URL'];
describe('on PostgreSQL (DATABASE_URL)', () => {
  it('logs, queries and keeps the log across a restart in PostgreSQL', async () => {
    // Never skipped: a missing database is a failure, not a pass (.ci/run creates one).
    if (!pgUrl) throw new Error('TEST_DATABASE_URL is not set (e.g. postgres://chargebridge:chargebridge@127.0.0.1:5432/chargebridge_test; .ci/run creates it)');
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const schema = `msglog_e2e_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(pgUrl!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const env = { DATABASE_URL: u.toString() };
    const s1 = await startSystem(env);
    let s2: System | undefined;
    try {
      const p = await Platform.connect(s1.mqttUrl, { subscribe: ['+/events'] });
      const c = await connectCharger(s1, 'LOG-PG');
      await c.call('BootNotification', { chargePointVendor: 'Etrel', chargePointModel: 'INCH' });
      await c.call('Heartbeat', {});
      const hb = await p.waitFor((m) => m.json['action'] === 'Heartbeat');
      const id = hb.topic.split(/[:/]/)[1]!;
      await expect.poll(async () => (await api(s1.httpUrl, ADMIN_TOKEN).get(`/message-log?deviceId=${id}&messageId=${encodeURIComponent(String(hb.json['messageId']))}`)).body.items.map((i: any) => i.event), { timeout: 10_000 }).toEqual([hb.json]);
      await c.close({ force: true });
      await p.close();
      await s1.stop({ keepData: true });
      // The rows are in PostgreSQL, not in a file of the data directory.
      expect(Number((await admin.query(`SELECT COUNT(*) AS n FROM ${schema}.message_log WHERE device = $1`, [id])).rows[0].n)).toBeGreaterThanOrEqual(3);
      s2 = await startSystem(env, s1.dir);
      const after = (await api(s2.httpUrl, ADMIN_TOKEN).get(`/message-log?deviceId=${id}&type=ocpp`)).body;
      expect(after.items.map((i: any) => i.action)).toEqual(['BootNotification', 'Heartbeat']);
    } finally {
      await (s2 ?? s1).stop().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
