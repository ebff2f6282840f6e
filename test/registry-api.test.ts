/**
 * Issue 3: the registry API over real HTTP, its error cases, tenant isolation (HTTP and MQTT),
 * charger Basic auth at the OCPP handshake, and a session that shows up in /transactions.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StartTransactionResponse } from '../ocpp/v16-types.ts';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let admin: ReturnType<typeof api>;
let acmeToken: string;
let acmeReader: string;

beforeAll(async () => {
  sys = await startSystem({ AUTO_PROVISION: 'false', ACCEPT_UNKNOWN_ID_TAGS: 'false' });
  admin = api(sys.httpUrl, ADMIN_TOKEN);
  acmeToken = (await admin.post('/tokens', { tenant: 'acme', role: 'admin', label: 'acme admin' })).body.token;
  acmeReader = (await admin.post('/tokens', { tenant: 'acme', role: 'read-only' })).body.token;
});
afterAll(async () => {
  await sys?.stop();
});

const problem = (r: { status: number; type: string; body: any }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.type).toContain('application/problem+json');
  expect(r.body.code).toBe(code);
};

describe('devices', () => {
  it('create, read, list, filter, update, delete; never returns the password', async () => {
    const acme = api(sys.httpUrl, acmeToken);
    const created = await acme.post('/devices', {
      chargePointId: 'ACME-CP-1',
      label: 'Depot bay 1',
      ocppPassword: 'a-very-long-secret-1',
      site: { name: 'Depot', address: '1 Bus Road', lat: -22.9, lng: -47.06 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ chargePointId: 'ACME-CP-1', tenant: 'acme', label: 'Depot bay 1', hasPassword: true, enabled: true, online: false });
    expect(created.body.id).toMatch(/^[0-9a-f]{8}$/);
    expect(created.text).not.toContain('a-very-long-secret-1');
    expect(created.text).not.toMatch(/scrypt|passwordHash/);
    const id = created.body.id;

    expect((await acme.get(`/devices/${id}`)).body.site).toEqual({ name: 'Depot', address: '1 Bus Road', lat: -22.9, lng: -47.06 });
    const list = await acme.get('/devices?chargePointId=ACME-CP-1');
    expect(list.body).toMatchObject({ total: 1, items: [{ id }] });
    expect((await acme.get('/devices?online=true')).body.total).toBe(0);
    expect((await acme.get('/devices?online=false')).body.items.map((d: any) => d.id)).toContain(id);

    const patched = await acme.patch(`/devices/${id}`, { label: 'Bay 1', enabled: false, attrs: { note: 'x' } });
    expect(patched.body).toMatchObject({ label: 'Bay 1', enabled: false, attrs: { note: 'x' } });
    // Concurrent updates of different attributes all land.
    await Promise.all(Array.from({ length: 10 }, (_, i) => acme.patch(`/devices/${id}`, { attrs: { [`k${i}`]: i } })));
    const after = (await acme.get(`/devices/${id}`)).body;
    for (let i = 0; i < 10; i++) expect(after.attrs[`k${i}`]).toBe(i);

    expect((await acme.del(`/devices/${id}`)).status).toBe(204);
    problem(await acme.get(`/devices/${id}`), 404, 'NOT_FOUND');
  });

  it('rejects bad input with 400 naming the field, and writes nothing', async () => {
    const before = (await admin.get('/devices')).body.total;
    const r = await admin.post('/devices', { chargePointId: 'BAD-1', site: { lat: 123 } });
    problem(r, 400, 'VALIDATION_FAILED');
    expect(r.body.errors.map((e: any) => e.field)).toContain('body.site.lat');
    const r2 = await admin.post('/devices', { label: 'no id' });
    problem(r2, 400, 'VALIDATION_FAILED');
    expect(r2.body.errors.map((e: any) => e.field)).toContain('body.chargePointId');
    const r3 = await admin.post('/devices', { chargePointId: 'BAD-2', ocppPassword: 'short' });
    expect(r3.body.errors.map((e: any) => e.field)).toContain('body.ocppPassword');
    const r4 = await admin.post('/devices', '{not json');
    problem(r4, 400, 'VALIDATION_FAILED');
    const r5 = await admin.post('/devices', { chargePointId: 'BAD-3', templates: ['nope'] });
    problem(r5, 400, 'VALIDATION_FAILED');
    expect(r5.body.errors[0].field).toBe('body.templates.0');
    expect((await admin.get('/devices')).body.total).toBe(before);
  });

  it('a security profile per device (1, 2, 3; default 1); profile 2 needs a password', async () => {
    const d = await admin.post('/devices', { chargePointId: 'SP-1' });
    expect(d.body.securityProfile).toBe(1);
    problem(await admin.post('/devices', { chargePointId: 'SP-BAD', securityProfile: 4 }), 400, 'VALIDATION_FAILED');
    const noPw = await admin.post('/devices', { chargePointId: 'SP-BAD', securityProfile: 2 });
    problem(noPw, 400, 'VALIDATION_FAILED');
    expect(noPw.body.errors[0].field).toBe('body.securityProfile');
    expect((await admin.patch(`/devices/${d.body.id}`, { securityProfile: 3 })).body.securityProfile).toBe(3);
    problem(await admin.patch(`/devices/${d.body.id}`, { securityProfile: 2 }), 400, 'VALIDATION_FAILED');
    expect((await admin.patch(`/devices/${d.body.id}`, { securityProfile: 2, ocppPassword: 'a-profile-2-password' })).body).toMatchObject({ securityProfile: 2, hasPassword: true });
    // Clearing the password of a profile-2 device would leave it unable to authenticate.
    const clear = await admin.patch(`/devices/${d.body.id}`, { ocppPassword: null });
    problem(clear, 400, 'VALIDATION_FAILED');
    expect(clear.body.errors[0].field).toBe('body.ocppPassword');
    expect((await admin.get(`/devices/${d.body.id}`)).body).toMatchObject({ securityProfile: 2, hasPassword: true });
  });

  it('ocppProtocol: null by default, set at creation, patched, cleared; an unknown one is 400', async () => {
    const d = await admin.post('/devices', { chargePointId: 'PROTO-1' });
    expect(d.body.ocppProtocol).toBeNull();
    const pinned = await admin.post('/devices', { chargePointId: 'PROTO-2', ocppProtocol: 'ocpp2.0.1' });
    expect(pinned.status).toBe(201);
    expect(pinned.body.ocppProtocol).toBe('ocpp2.0.1');
    expect((await admin.get(`/devices/${pinned.body.id}`)).body.ocppProtocol).toBe('ocpp2.0.1');
    expect((await admin.post('/devices', { chargePointId: 'PROTO-3', ocppProtocol: null })).body.ocppProtocol).toBeNull();

    expect((await admin.patch(`/devices/${d.body.id}`, { ocppProtocol: 'ocpp2.1' })).body.ocppProtocol).toBe('ocpp2.1');
    expect((await admin.patch(`/devices/${d.body.id}`, { label: 'kept' })).body.ocppProtocol).toBe('ocpp2.1');
    expect((await admin.patch(`/devices/${d.body.id}`, { ocppProtocol: 'ocpp1.6' })).body.ocppProtocol).toBe('ocpp1.6');
    expect((await admin.patch(`/devices/${d.body.id}`, { ocppProtocol: null })).body.ocppProtocol).toBeNull();
    expect((await admin.get(`/devices?chargePointId=PROTO-1`)).body.items[0].ocppProtocol).toBeNull();

    const before = (await admin.get('/devices')).body.total;
    for (const bad of ['ocpp2.0', 'OCPP1.6', '', 16]) {
      const r = await admin.post('/devices', { chargePointId: 'PROTO-BAD', ocppProtocol: bad });
      problem(r, 400, 'VALIDATION_FAILED');
      expect(r.body.errors[0].field).toBe('body.ocppProtocol');
      const p = await admin.patch(`/devices/${pinned.body.id}`, { ocppProtocol: bad });
      problem(p, 400, 'VALIDATION_FAILED');
      expect(p.body.errors[0].field).toBe('body.ocppProtocol');
    }
    expect((await admin.get('/devices')).body.total).toBe(before);
    expect((await admin.get(`/devices/${pinned.body.id}`)).body.ocppProtocol).toBe('ocpp2.0.1');
  });

  it('409 on a duplicate chargePointId, across tenants too', async () => {
    expect((await admin.post('/devices', { chargePointId: 'DUP-1' })).status).toBe(201);
    const r = await api(sys.httpUrl, acmeToken).post('/devices', { chargePointId: 'DUP-1' });
    problem(r, 409, 'DUPLICATE');
    expect(r.body.errors[0].field).toBe('body.chargePointId');
  });
});

describe('access control', () => {
  it('401 without or with a wrong token; /health stays open', async () => {
    problem(await api(sys.httpUrl).get('/devices'), 401, 'UNAUTHORIZED');
    problem(await api(sys.httpUrl, 'cb_wrong').get('/devices'), 401, 'UNAUTHORIZED');
    expect((await api(sys.httpUrl).get('/health')).status).toBe(200);
  });

  it("another tenant's device is 404, and lists show only the own tenant", async () => {
    const mine = (await admin.post('/devices', { chargePointId: 'ADMIN-ONLY-1' })).body;
    const acme = api(sys.httpUrl, acmeToken);
    problem(await acme.get(`/devices/${mine.id}`), 404, 'NOT_FOUND');
    problem(await acme.patch(`/devices/${mine.id}`, { label: 'stolen' }), 404, 'NOT_FOUND');
    problem(await acme.del(`/devices/${mine.id}`), 404, 'NOT_FOUND');
    expect((await acme.get('/devices')).body.items.every((d: any) => d.tenant === 'acme')).toBe(true);
    problem(await acme.post('/devices', { chargePointId: 'X-9', tenant: 'admin' }), 403, 'FORBIDDEN');
    expect((await admin.get(`/devices/${mine.id}`)).body.label).toBe('ADMIN-ONLY-1');
  });

  it('read-only tokens read but do not write; only admins manage tokens', async () => {
    const reader = api(sys.httpUrl, acmeReader);
    expect((await reader.get('/devices')).status).toBe(200);
    problem(await reader.post('/devices', { chargePointId: 'RO-1' }), 403, 'FORBIDDEN');
    problem(await reader.post('/tokens', { role: 'admin' }), 403, 'FORBIDDEN');
    // A tenant admin may not issue tokens for another tenant.
    problem(await api(sys.httpUrl, acmeToken).post('/tokens', { tenant: 'admin', role: 'admin' }), 403, 'FORBIDDEN');
  });

  it('tokens are listed without secrets and stop working when revoked', async () => {
    const acme = api(sys.httpUrl, acmeToken);
    const t = (await acme.post('/tokens', { role: 'operator', label: 'ci' })).body;
    expect(t.token).toMatch(/^cb_/);
    const listed = await acme.get('/tokens');
    expect(listed.text).not.toContain(t.token);
    expect(listed.body.items.map((x: any) => x.id)).toContain(t.id);
    expect((await api(sys.httpUrl, t.token).get('/devices')).status).toBe(200);
    expect((await acme.del(`/tokens/${t.id}`)).status).toBe(204);
    problem(await api(sys.httpUrl, t.token).get('/devices'), 401, 'UNAUTHORIZED');
  });

  it('tokens may expire: refused from then on, over HTTP and MQTT; the last use is listed', async () => {
    const acme = api(sys.httpUrl, acmeToken);
    problem(await acme.post('/tokens', { role: 'operator', expiresAt: '2000-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED');
    problem(await acme.post('/tokens', { role: 'operator', expiresAt: 'tomorrow' }), 400, 'VALIDATION_FAILED');
    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const t = (await acme.post('/tokens', { role: 'operator', expiresAt })).body;
    expect(t).toMatchObject({ expiresAt, lastUsedAt: null });
    expect((await api(sys.httpUrl, t.token).get('/devices')).status).toBe(200);
    const mqttOk = await Platform.connect(sys.mqttUrl, { username: 'acme', password: t.token, subscribe: [] });
    await mqttOk.close();
    // Used: the list says when (kept to the minute, written in the background).
    await expect.poll(async () => (await acme.get('/tokens')).body.items.find((x: any) => x.id === t.id)?.lastUsedAt, { timeout: 5000 }).toEqual(expect.any(String));
    // Past its expiry it is refused, cached or not.
    await expect.poll(async () => (await api(sys.httpUrl, t.token).get('/devices')).status, { timeout: 10_000, interval: 200 }).toBe(401);
    await expect(Platform.connect(sys.mqttUrl, { username: 'acme', password: t.token, subscribe: [] })).rejects.toThrow();
  });

  it('serves the OpenAPI document and browsable docs', async () => {
    const doc = await api(sys.httpUrl).get('/docs/json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/devices', '/devices/{id}', '/transactions', '/templates', '/id-tags', '/tokens']));
    // The OCPP 2.0.1 fields are in the documented schemas: bodies, device and session views.
    const json = (v: unknown) => JSON.stringify(v);
    const devices = doc.body.paths['/devices'];
    for (const schema of [devices.post.requestBody, devices.post.responses['201'], doc.body.paths['/devices/{id}'].patch.requestBody]) {
      expect(json(schema)).toMatch(/"ocppProtocol":\{[^}]*"enum":\["ocpp1\.6","ocpp2\.0\.1","ocpp2\.1"/);
    }
    const session = json(doc.body.paths['/transactions/{id}'].get.responses['200']);
    expect(session).toContain('"chargerTransactionId"');
    expect(session).toContain('"evseId"');
    expect((await api(sys.httpUrl).get('/docs/')).type).toContain('text/html');
  });
});

describe('templates and id tags', () => {
  it('template CRUD, devices refer to templates', async () => {
    const t = await admin.post('/templates', { label: 'ev-charger', attrs: [{ label: 'power', type: 'dynamic', valueType: 'float' }, { label: 'vendor', type: 'static', valueType: 'string', staticValue: 'ABB' }] });
    expect(t.status).toBe(201);
    problem(await admin.post('/templates', { label: 'ev-charger', attrs: [] }), 409, 'DUPLICATE');
    problem(await admin.post('/templates', { label: 'x', attrs: [{ label: 'a', type: 'weird', valueType: 'float' }] }), 400, 'VALIDATION_FAILED');
    const d = await admin.post('/devices', { chargePointId: 'TPL-1', templates: [t.body.id] });
    expect(d.body.templates).toEqual([t.body.id]);
    expect((await admin.patch(`/templates/${t.body.id}`, { label: 'dc-charger' })).body.label).toBe('dc-charger');
    expect((await admin.get('/templates')).body.items.map((x: any) => x.label)).toContain('dc-charger');
    problem(await api(sys.httpUrl, acmeToken).get(`/templates/${t.body.id}`), 404, 'NOT_FOUND');
    expect((await admin.del(`/templates/${t.body.id}`)).status).toBe(204);
  });

  it('id tags answer Authorize and StartTransaction', async () => {
    await admin.post('/devices', { chargePointId: 'TAGS-1' });
    expect((await admin.post('/id-tags', { idTag: 'GOOD' })).status).toBe(201);
    problem(await admin.post('/id-tags', { idTag: 'GOOD' }), 409, 'DUPLICATE');
    await admin.put('/id-tags/BLOCKED1', { status: 'Blocked' });
    await admin.put('/id-tags/OLD', { status: 'Accepted', expiryDate: '2020-01-01T00:00:00Z' });
    await admin.put('/id-tags/CHILD', { status: 'Accepted', parentIdTag: 'FLEET' });
    problem(await admin.put('/id-tags/X', { status: 'Maybe' }), 400, 'VALIDATION_FAILED');
    problem(await admin.post('/id-tags', { idTag: 'X'.repeat(21) }), 400, 'VALIDATION_FAILED');
    const cp = await connectCharger(sys, 'TAGS-1');
    expect(await cp.call('Authorize', { idTag: 'GOOD' })).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.call('Authorize', { idTag: 'BLOCKED1' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await cp.call('Authorize', { idTag: 'OLD' })).toMatchObject({ idTagInfo: { status: 'Expired' } });
    expect(await cp.call('Authorize', { idTag: 'CHILD' })).toEqual({ idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET' } });
    expect(await cp.call('Authorize', { idTag: 'UNKNOWN' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    const st = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'BLOCKED1', meterStart: 0, timestamp: new Date().toISOString() })) as StartTransactionResponse;
    expect(st.idTagInfo.status).toBe('Blocked');
    expect((await admin.get('/id-tags')).body.items.map((t: any) => t.idTag)).toEqual(expect.arrayContaining(['GOOD', 'BLOCKED1']));
    expect((await admin.del('/id-tags/GOOD')).status).toBe(204);
    expect(await cp.call('Authorize', { idTag: 'GOOD' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    await cp.close();
  });
});

describe('charger authentication at the OCPP handshake (security profile 1)', () => {
  async function handshakeStatus(identity: string, password?: string): Promise<number> {
    const headers: Record<string, string> = password === undefined ? {} : { authorization: 'Basic ' + Buffer.from(`${identity}:${password}`).toString('base64') };
    const ws = new WebSocket(`${sys.ocppUrl}/${encodeURIComponent(identity)}`, ['ocpp1.6'], { headers });
    ws.on('error', () => undefined);
    const [ev, res] = await Promise.race([once(ws, 'open').then(() => ['open', null]), once(ws, 'unexpected-response').then((a) => ['refused', a[1]])]) as [string, { statusCode: number; resume(): void } | null];
    if (ev === 'open') {
      ws.close();
      return 101;
    }
    res!.resume();
    return res!.statusCode;
  }

  it('accepts the right password, refuses a wrong or missing one with 401, an unknown charger with 404', async () => {
    await admin.post('/devices', { chargePointId: 'AUTH-1', ocppPassword: 'correct-horse-battery' });
    expect(await handshakeStatus('AUTH-1', 'correct-horse-battery')).toBe(101);
    expect(await handshakeStatus('AUTH-1', 'wrong-horse-battery!!')).toBe(401);
    // Past the backoff a failure earns (docs/chargers.md "Failed authentications").
    await new Promise((r) => setTimeout(r, 250));
    expect(await handshakeStatus('AUTH-1')).toBe(401);
    expect(await handshakeStatus('NOT-REGISTERED', 'whatever-password-1')).toBe(404);
  });

  it('a disabled device gets BootNotification Rejected', async () => {
    const d = (await admin.post('/devices', { chargePointId: 'OFF-1', enabled: false })).body;
    const cp = await connectCharger(sys, 'OFF-1');
    expect(await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).toMatchObject({ status: 'Rejected' });
    await admin.patch(`/devices/${d.id}`, { enabled: true });
    expect(await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).toMatchObject({ status: 'Accepted' });
    await cp.close();
  });
});

describe('MQTT tenant isolation', () => {
  it("another tenant's client can neither read nor write your topics", async () => {
    const d = (await admin.post('/devices', { chargePointId: 'ISO-1' })).body;
    const mine = await Platform.connect(sys.mqttUrl, { subscribe: ['#'] });
    const theirs = await Platform.connect(sys.mqttUrl, { username: 'acme', password: acmeToken, subscribe: ['#', '+/attrs'] });
    // Direct subscription to another tenant's topic is refused (SUBACK 128).
    await expect(theirs.client.subscribeAsync(`admin:${d.id}/attrs`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    // A publish to another tenant's command topic goes nowhere (and the client is disconnected).
    theirs.client.publish(`admin:${d.id}/config`, JSON.stringify({ id: 'x', action: 'Reset', payload: { type: 'Hard' } }), { qos: 0 });
    const cp = await connectCharger(sys, 'ISO-1');
    await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1' }] }] });
    await mine.waitFor((m) => m.topic === `admin:${d.id}/attrs`);
    await new Promise((r) => setTimeout(r, 200));
    expect(mine.messages.some((m) => m.topic === `admin:${d.id}/config`)).toBe(false);
    expect(theirs.messages.filter((m) => !m.topic.startsWith('acme:'))).toEqual([]);
    await cp.close();
    await mine.close();
    await theirs.close();
  });

  it('refuses a wrong token, and a token used with another tenant as username', async () => {
    await expect(Platform.connect(sys.mqttUrl, { username: 'acme', password: 'cb_nope' })).rejects.toThrow();
    await expect(Platform.connect(sys.mqttUrl, { username: 'admin', password: acmeToken })).rejects.toThrow();
  });
});

describe('sessions in /transactions', () => {
  it('a session driven by an OCPP client appears with its energy, and in the CSV export', async () => {
    const d = (await admin.post('/devices', { chargePointId: 'TX-1' })).body;
    await admin.put('/id-tags/NOA', { status: 'Accepted' });
    const cp = await connectCharger(sys, 'TX-1');
    const start = (await cp.call('StartTransaction', { connectorId: 2, idTag: 'NOA', meterStart: 2087100, timestamp: '2026-03-04T13:37:18.616Z' })) as StartTransactionResponse;
    await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: 2123400, timestamp: '2026-03-04T17:37:18.616Z', reason: 'EVDisconnected', idTag: 'OTHER' });
    const list = await admin.get(`/transactions?deviceId=${d.id}`);
    expect(list.body).toMatchObject({
      total: 1,
      items: [{ id: start.transactionId, deviceId: d.id, chargerTransactionId: null, evseId: null, connectorId: 2, idTag: 'NOA', stopIdTag: 'OTHER', startedAt: '2026-03-04T13:37:18.616Z', stoppedAt: '2026-03-04T17:37:18.616Z', meterStart: 2087100, meterStop: 2123400, energyWh: 36300, durationSeconds: 14400, stopReason: 'EVDisconnected', status: 'completed' }],
    });
    expect((await admin.get(`/transactions?deviceId=${d.id}&from=2026-03-05T00:00:00Z`)).body.total).toBe(0);
    problem(await admin.get('/transactions?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z'), 400, 'VALIDATION_FAILED');
    problem(await admin.get('/transactions?from=yesterday'), 400, 'VALIDATION_FAILED');
    const csv = await admin.get(`/transactions?deviceId=${d.id}`, { accept: 'text/csv' });
    expect(csv.type).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    // The 2.0.1 columns come last: consumers reading the export by position are unaffected.
    expect(lines[0]).toBe('id,deviceId,chargePointId,label,connectorId,idTag,stopIdTag,startedAt,stoppedAt,meterStart,meterStop,energyWh,durationSeconds,stopReason,status,chargerTransactionId,evseId');
    expect(lines[1]).toBe(`${start.transactionId},${d.id},TX-1,${d.label},2,NOA,OTHER,2026-03-04T13:37:18.616Z,2026-03-04T17:37:18.616Z,2087100,2123400,36300,14400,EVDisconnected,completed,,`);
    problem(await api(sys.httpUrl, acmeToken).get(`/transactions/${start.transactionId}`), 404, 'NOT_FOUND');
    await cp.close();
  });
});

describe('OCPP 2.0.1 sessions in /transactions', () => {
  it('the charger-assigned transactionId and the EVSE are in the JSON views and the CSV export', async () => {
    const d = (await admin.post('/devices', { chargePointId: 'TX-201', ocppProtocol: 'ocpp2.0.1' })).body;
    // Stored the way the gateway stores a TransactionEvent Started (the store is shared).
    const t = await sys.store.startTransaction({
      deviceId: d.id,
      tenant: 'admin',
      evseId: 2,
      connectorId: 1,
      chargerTransactionId: '=cmd|x', // a spreadsheet formula: quoted in the CSV
      idTag: 'NOA',
      meterStart: 100,
      startedAt: '2026-03-04T13:00:00.000Z',
    });
    await sys.store.stopTransaction(t.id, { meterStop: 1100, stoppedAt: '2026-03-04T14:00:00.000Z' });
    const one = await admin.get(`/transactions/${t.id}`);
    expect(one.body).toMatchObject({ id: t.id, chargerTransactionId: '=cmd|x', evseId: 2, connectorId: 1, energyWh: 1000 });
    expect((await admin.get(`/transactions?deviceId=${d.id}`)).body.items).toEqual([one.body]);
    const csv = (await admin.get(`/transactions?deviceId=${d.id}`, { accept: 'text/csv' })).text.trim().split('\r\n');
    expect(csv[1]).toBe(`${t.id},${d.id},TX-201,TX-201,1,NOA,,2026-03-04T13:00:00.000Z,2026-03-04T14:00:00.000Z,100,1100,1000,3600,,completed,'=cmd|x,2`);
  });
});

describe('long session lists', () => {
  it('the CSV export streams every matching session (more than a page), and the JSON list has paging headers', async () => {
    const d = (await admin.post('/devices', { chargePointId: 'TX-MANY', label: 'Depot, bay 3' })).body;
    const N = 2_345;
    for (let i = 0; i < N; i++) await sys.store.startTransaction({ deviceId: d.id, tenant: 'admin', connectorId: 1, idTag: `T${i}`, meterStart: i, startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() });
    const csv = await admin.get(`/transactions?deviceId=${d.id}`, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    const rows = csv.text.trim().split('\r\n').slice(1);
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.split(',')[0])).size).toBe(N);
    // The label has a comma: quoted (RFC 4180).
    expect(rows[0]).toContain(`,TX-MANY,"Depot, bay 3",1,T0,`);
    expect(rows.at(-1)).toContain(`,T${N - 1},`);
    // limit still bounds an export when given.
    const some = await admin.get(`/transactions?deviceId=${d.id}&limit=10&offset=5`, { accept: 'text/csv' });
    expect(some.text.trim().split('\r\n').slice(1).map((r) => /,(T\d+),/.exec(r)![1])).toEqual(Array.from({ length: 10 }, (_, i) => `T${i + 5}`));

    const first = await fetch(`${sys.httpUrl}/transactions?deviceId=${d.id}&limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(first.headers.get('x-total-count')).toBe(String(N));
    expect(first.headers.get('link')).toBe(`</transactions?deviceId=${d.id}&limit=1000&offset=1000>; rel="next"`);
    const last = await fetch(`${sys.httpUrl}/transactions?deviceId=${d.id}&limit=1000&offset=2000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(last.headers.get('link')).toBe(`</transactions?deviceId=${d.id}&limit=1000&offset=1000>; rel="prev"`);
    expect(((await last.json()) as { items: unknown[] }).items).toHaveLength(N - 2000);
  }, 60_000);
});
