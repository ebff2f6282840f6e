/**
 * Issue 19, alerts: every default rule raised and cleared by what a real OCPP client
 * (ocpp-rpc, strict) does, seen by a real MQTT client on the retained
 * `{tenant}:{deviceId}/alerts`, and over HTTP: listed, acknowledged (not with a read-only
 * token), per tenant; tenant rules through the API; active alerts survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api, bootedCharger, cleared, raised } from './alerts-harness.ts';

let sys: System;
let platform: Platform;

// Tight tenant rules, set through the API, so that each condition is reached in seconds.
const RULES: Record<string, unknown> = {
  offline: { params: { seconds: 1 } },
  bootLoop: { params: { count: 2, windowSeconds: 3 } },
  meterValuesMissing: { params: { seconds: 1 } },
  heartbeatMissing: { params: { seconds: 2 } },
  energyBackwards: { params: { clearSeconds: 2 } },
  securityEvent: { params: { clearSeconds: 2 } },
  handshakeRefused: { params: { count: 2, windowSeconds: 3 } },
};

beforeAll(async () => {
  sys = await startSystem();
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
  for (const [kind, body] of Object.entries(RULES)) {
    const r = await api(sys.httpUrl, 'PUT', `/alert-rules/${kind}`, body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
  // The role has reloaded them (the barrier: the control messages are handled).
  await sys.alerts!.idle();
});
afterAll(async () => {
  await platform?.close();
  await sys?.stop();
});

const now = () => new Date().toISOString();
const later = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const energySample = (wh: number, timestamp: string) => ({ connectorId: 1, meterValue: [{ timestamp, sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });

describe('alert rules on a live charger', () => {
  it('connectorFault: Faulted with an error code, cleared when Available; listed, acknowledged, read-only refused', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-FAULT');
    await cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', timestamp: now() });
    const r = await raised(platform, deviceId, 'connectorFault', 1);
    expect(r.alert).toMatchObject({ details: { status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped' }, acknowledgedAt: null });

    const list = await api(sys.httpUrl, 'GET', `/alerts?deviceId=${deviceId}&active=true`);
    expect(list.json.items.map((a: { id: string }) => a.id)).toContain(r.alert.id);

    const ro = await api(sys.httpUrl, 'POST', '/tokens', { role: 'read-only' });
    const refused = await api(sys.httpUrl, 'POST', `/alerts/${r.alert.id}/ack`, undefined, ro.json.token);
    expect([refused.status, refused.json.code, refused.type]).toEqual([403, 'FORBIDDEN', 'application/problem+json']);
    const ack = await api(sys.httpUrl, 'POST', `/alerts/${r.alert.id}/ack`);
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ id: r.alert.id, acknowledgedBy: 'admin' });
    // The retained topic says so too.
    await platform.waitFor((m) => m.topic === `admin:${deviceId}/alerts` && (m.json['alerts'] as Array<{ id: string; acknowledgedAt: string | null }>).some((a) => a.id === r.alert.id && a.acknowledgedAt !== null), 5000, 'acknowledged alert');
    expect((await api(sys.httpUrl, 'POST', '/alerts/0000000000000000/ack')).json.code).toBe('NOT_FOUND');

    await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() });
    await cleared(platform, deviceId, r.alert.id, r.index);
    const past = await api(sys.httpUrl, 'GET', `/alerts/${r.alert.id}`);
    expect(past.json).toMatchObject({ rule: 'connectorFault', connectorId: 1, since: r.alert.since, acknowledgedBy: 'admin' });
    expect(Date.parse(past.json.until)).toBeGreaterThanOrEqual(Date.parse(past.json.since));
    await cp.close();
  });

  it('connectorFault: an error code while Available (OCPP 1.6 §7.6)', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-ERRCODE');
    await cp.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'HighTemperature', timestamp: now() });
    const r = await raised(platform, deviceId, 'connectorFault', 2);
    await cp.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: now() });
    await cleared(platform, deviceId, r.alert.id, r.index);
    await cp.close();
  });

  it('offline: raised after the charger has been gone N s, cleared when it is back', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-OFFLINE');
    await cp.close();
    const r = await raised(platform, deviceId, 'offline');
    expect(r.alert.details).toMatchObject({ reason: 'closed' });
    const back = await bootedCharger(sys, platform, 'AL-OFFLINE');
    await cleared(platform, deviceId, r.alert.id, r.index);
    await back.cp.close();
  });

  it('bootLoop: two BootNotifications within the window, cleared once the window has passed', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-BOOTLOOP');
    await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const r = await raised(platform, deviceId, 'bootLoop');
    expect(r.alert.details).toMatchObject({ boots: 2 });
    // Heartbeats keep the other rules quiet; the window (3 s) empties by itself.
    const hb = setInterval(() => void cp.call('Heartbeat', {}).catch(() => undefined), 500);
    try {
      await cleared(platform, deviceId, r.alert.id, r.index);
    } finally {
      clearInterval(hb);
    }
    await cp.close();
  });

  it('meterValuesMissing: a transaction without MeterValues, cleared by a sample', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-NOMETER');
    const start = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 1000, timestamp: now() })) as { transactionId: number };
    await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: now() });
    const r = await raised(platform, deviceId, 'meterValuesMissing', 1);
    expect(r.alert.details).toMatchObject({ transactionId: start.transactionId });
    await cp.call('MeterValues', { ...energySample(1500, now()), transactionId: start.transactionId });
    await cleared(platform, deviceId, r.alert.id, r.index);
    await cp.close();
  });

  it('heartbeatMissing: connected but silent, cleared by a Heartbeat', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-HEARTBEAT');
    const r = await raised(platform, deviceId, 'heartbeatMissing');
    await cp.call('Heartbeat', {});
    await cleared(platform, deviceId, r.alert.id, r.index);
    await cp.close();
  });

  it('energyBackwards: a later sample below the register, cleared after clearSeconds', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-ENERGY');
    await cp.call('MeterValues', energySample(5000, later(-10)));
    await cp.call('MeterValues', energySample(4000, later(-5)));
    const r = await raised(platform, deviceId, 'energyBackwards', 1);
    expect(r.alert.details).toEqual({ fromWh: 5000, toWh: 4000 });
    const hb = setInterval(() => void cp.call('Heartbeat', {}).catch(() => undefined), 500);
    try {
      await cleared(platform, deviceId, r.alert.id, r.index);
    } finally {
      clearInterval(hb);
    }
    // Not before clearSeconds (2 s), whatever else the charger said meanwhile.
    const past = (await api(sys.httpUrl, 'GET', `/alerts/${r.alert.id}`)).json;
    expect(Date.parse(past.until) - Date.parse(past.since)).toBeGreaterThanOrEqual(2000);
    await cp.close();
  });

  it('firmwareFailed: FirmwareStatusNotification InstallationFailed, cleared by Installed (OCPP 1.6 §4.5)', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-FIRMWARE');
    await cp.call('FirmwareStatusNotification', { status: 'Downloaded' });
    await cp.call('FirmwareStatusNotification', { status: 'InstallationFailed' });
    const r = await raised(platform, deviceId, 'firmwareFailed');
    expect(r.alert.details).toEqual({ status: 'InstallationFailed' });
    await cp.call('FirmwareStatusNotification', { status: 'Installed' });
    await cleared(platform, deviceId, r.alert.id, r.index);
    await cp.close();
  });

  it('diagnosticsFailed: DiagnosticsStatusNotification UploadFailed, cleared by Uploaded (OCPP 1.6 §4.4)', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-DIAG');
    await cp.call('DiagnosticsStatusNotification', { status: 'UploadFailed' });
    const r = await raised(platform, deviceId, 'diagnosticsFailed');
    await cp.call('DiagnosticsStatusNotification', { status: 'Uploaded' });
    await cleared(platform, deviceId, r.alert.id, r.index);
    await cp.close();
  });
});

describe('a security event', () => {
  it('securityEvent: a SecurityEventNotification (1.6 security whitepaper §5.15, A04) is answered, raised, cleared after clearSeconds', async () => {
    const cp = await connectCharger(sys, 'AL-SECURITY');
    await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const st = await platform.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === 'AL-SECURITY');
    const deviceId = String(st.json['deviceId']);
    const answer = await cp.call('SecurityEventNotification', { type: 'InvalidFirmwareSignature', timestamp: now(), techInfo: 'cert chain' }).then(
      () => 'answered',
      (err: { rpcErrorCode?: string }) => err.rpcErrorCode,
    );
    expect(answer).toBe('answered');
    const r = await raised(platform, deviceId, 'securityEvent');
    expect(r.alert.details).toEqual({ type: 'InvalidFirmwareSignature', techInfo: 'cert chain' });
    const hb = setInterval(() => void cp.call('Heartbeat', {}).catch(() => undefined), 500);
    try {
      await cleared(platform, deviceId, r.alert.id, r.index);
    } finally {
      clearInterval(hb);
    }
    await cp.close();
  });
});

describe('refused handshakes', () => {
  it('handshakeRefused: repeated wrong passwords of a known charger, cleared once the window has passed', async () => {
    const d = (await api(sys.httpUrl, 'POST', '/devices', { chargePointId: 'AL-REFUSED', ocppPassword: 'right-horse-battery' })).json as { id: string };
    // Registered, never connected: installed with the wrong password, retrying in a loop.
    const attempt = () => connectCharger(sys, 'AL-REFUSED', { password: 'wrong-horse-battery' }).then((c) => c.close(), () => 'refused');
    expect(await attempt()).toBe('refused');
    // Past the backoff one failure earns (docs/chargers.md "Failed authentications"), so the
    // second is checked and refused too, not throttled before the device is looked up.
    await new Promise((r) => setTimeout(r, 300));
    expect(await attempt()).toBe('refused');
    const r = await raised(platform, d.id, 'handshakeRefused');
    expect(r.alert.details).toMatchObject({ refusals: 2, windowSeconds: 3 });
    await cleared(platform, d.id, r.alert.id, r.index);
  });
});

describe('bad input to the alert routes', () => {
  it.each<[string, string, unknown, string[]]>([
    ['PUT', '/alert-rules/offline', { params: { seconds: 1e308 } }, ['body.params.seconds']],
    ['PUT', '/alert-rules/offline', { params: null }, ['body.params']],
    ['PUT', '/alert-rules/offline', { enabled: 'yes' }, ['body.enabled']],
    ['PUT', '/alert-rules/offline', { severity: 'panic' }, ['body.severity']],
    // An unknown top-level key is named `body` with the key in its message (the shared problem handler's way today).
    ['PUT', '/alert-rules/offline', { extra: 1 }, ['body']],
    ['PUT', '/alert-rules/bootLoop', { params: { count: 1 } }, ['body.params.count']],
    ['POST', '/alert-targets', { type: 'sms', to: '+1' }, ['body.type']],
    ['POST', '/alert-targets', { type: 'email', to: ['not an address'] }, ['body.to.0']],
    ['POST', '/alert-targets', { type: 'email', to: [] }, ['body.to']],
    ['POST', '/alert-targets', { type: 'webhook', url: 'https://example.com/h', secret: 'x'.repeat(16), bcc: 'x' }, ['body']],
    ['GET', '/alerts?active=maybe', undefined, ['query.active']],
    ['GET', '/alerts?rule=nope', undefined, ['query.rule']],
    ['GET', '/alerts?limit=0', undefined, ['query.limit']],
    ['GET', '/alert-deliveries?status=lost', undefined, ['query.status']],
  ])('%s %s %j: 400 naming %j', async (method, path, body, fields) => {
    const r = await api(sys.httpUrl, method, path, body);
    expect([r.status, r.json.code, r.type]).toEqual([400, 'VALIDATION_FAILED', 'application/problem+json']);
    expect([...new Set(r.json.errors.map((e: { field: string }) => e.field))]).toEqual(fields);
  });

  it('another tenant\'s alert is not found, and cannot be acknowledged', async () => {
    const { cp, deviceId } = await bootedCharger(sys, platform, 'AL-TENANT');
    await cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'OtherError', timestamp: now() });
    const r = await raised(platform, deviceId, 'connectorFault', 1);
    const other = await api(sys.httpUrl, 'POST', '/tokens', { tenant: 'gamma', role: 'admin' });
    expect((await api(sys.httpUrl, 'GET', `/alerts/${r.alert.id}`, undefined, other.json.token)).json.code).toBe('NOT_FOUND');
    expect((await api(sys.httpUrl, 'POST', `/alerts/${r.alert.id}/ack`, undefined, other.json.token)).json.code).toBe('NOT_FOUND');
    expect((await api(sys.httpUrl, 'GET', `/alerts/${r.alert.id}`)).json.acknowledgedAt).toBeNull();
    await cp.close();
  });
});

describe('alert rules through the API', () => {
  it('lists defaults and tenant rules; bad params are problem+json naming the field; delete goes back to the default', async () => {
    const list = await api(sys.httpUrl, 'GET', '/alert-rules');
    const byKind = Object.fromEntries(list.json.items.map((r: { kind: string }) => [r.kind, r]));
    expect(byKind.offline).toMatchObject({ source: 'tenant', params: { seconds: 1 } });
    expect(byKind.firmwareFailed).toMatchObject({ source: 'default', enabled: true });
    const bad = await api(sys.httpUrl, 'PUT', '/alert-rules/offline', { params: { seconds: -1 } });
    expect([bad.status, bad.json.code, bad.type]).toEqual([400, 'VALIDATION_FAILED', 'application/problem+json']);
    expect(bad.json.errors.map((e: { field: string }) => e.field)).toEqual(['body.params.seconds']);
    const typo = await api(sys.httpUrl, 'PUT', '/alert-rules/offline', { params: { secs: 5 } });
    expect(typo.json.errors.map((e: { field: string }) => e.field)).toEqual(['body.params.secs']);
    const unknown = await api(sys.httpUrl, 'PUT', '/alert-rules/nope', { enabled: false });
    expect([unknown.status, unknown.json.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(unknown.json.errors[0].field).toBe('params.kind');
    const put = await api(sys.httpUrl, 'PUT', '/alert-rules/diagnosticsFailed', { enabled: false, severity: 'critical' });
    expect(put.json).toMatchObject({ kind: 'diagnosticsFailed', enabled: false, severity: 'critical', source: 'tenant', params: {} });
    expect((await api(sys.httpUrl, 'DELETE', '/alert-rules/diagnosticsFailed')).status).toBe(204);
    expect((await api(sys.httpUrl, 'DELETE', '/alert-rules/diagnosticsFailed')).json.code).toBe('NOT_FOUND');
    // Another tenant sees its own rules (the defaults) and none of this tenant's alerts.
    const other = await api(sys.httpUrl, 'POST', '/tokens', { tenant: 'beta', role: 'admin' });
    const theirs = await api(sys.httpUrl, 'GET', '/alert-rules', undefined, other.json.token);
    expect(theirs.json.items.find((r: { kind: string }) => r.kind === 'offline')).toMatchObject({ source: 'default', params: { seconds: 300 } });
    expect((await api(sys.httpUrl, 'GET', '/alerts', undefined, other.json.token)).json).toEqual({ items: [], total: 0 });
  });
});
