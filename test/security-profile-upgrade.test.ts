/**
 * Security profile upgrade driven by the gateway (issue 18; OCPP 1.6 security whitepaper use
 * case A05; OCPP 2.0.1 A05, TC_A_19_CS to TC_A_22_CS): POST /devices/{id}/security-profile asks
 * the charger, and the device's profile is raised only once the charger comes back over wss with
 * the new profile; refusals and a charger that never comes back leave it where it was. Chargers
 * are ocpp-rpc RPCClients (strict) over real TLS with a PKI made by the test (test/pki.ts), and
 * the project's 2.0.1 simulator for a station that rejects SetNetworkProfile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import type { Issued } from './pki.ts';
import { dialCharger, handshakeStatus } from './tls-charger.ts';
import { startTlsSystem, type TlsSystem } from './tls-system.ts';
import { SimStation } from '../simulator/v201/station.ts';
import { newStats } from '../simulator/charger.ts';

const PASSWORD = 'upgrade-password-0123456789';

let tlsSystem: TlsSystem;
let admin: TlsSystem['admin'];
let platform: TlsSystem['platform'];
let tlsPort: number;

beforeAll(async () => {
  tlsSystem = await startTlsSystem();
  ({ admin, platform } = tlsSystem);
  tlsPort = tlsSystem.sys.ports.ocppTls!;
}, 60_000);

afterAll(async () => {
  await tlsSystem?.stop();
});

async function aDevice(chargePointId: string, body: Record<string, unknown> = {}): Promise<string> {
  const { ocppPassword, ...rest } = { ocppPassword: PASSWORD as string | null, ...body };
  const r = await admin.post('/devices', { chargePointId, ...(ocppPassword === null ? {} : { ocppPassword }), ...rest });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

interface Dial {
  tls?: boolean;
  password?: string | undefined;
  client?: Issued;
  protocol?: 'ocpp1.6' | 'ocpp2.0.1';
}

function charger(identity: string, d: Dial = {}): RPCClient {
  const tls = d.tls ?? false;
  return dialCharger({ endpoint: tls ? tlsSystem.tlsUrl : tlsSystem.sys.ocppUrl, identity, protocol: d.protocol, password: d.password, trust: tls ? tlsSystem.serverCa : undefined, client: d.client });
}

async function connected(identity: string, d: Dial = {}): Promise<RPCClient> {
  const cp = charger(identity, { password: PASSWORD, ...d });
  await cp.connect();
  return cp;
}

/** The HTTP status the connection was refused with, or 0 when it was accepted (and closed). */
async function dialStatus(identity: string, d: Dial): Promise<number> {
  return handshakeStatus(charger(identity, d));
}

const upgradeEvent = (id: string, status: string) => (m: { topic: string; json: Record<string, unknown> }) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'securityProfileUpgrade' && m.json['status'] === status;

async function securityProfile(id: string): Promise<number> {
  return (await admin.get(`/devices/${id}`)).body.securityProfile as number;
}

describe('OCPP 1.6: ChangeConfiguration SecurityProfile (whitepaper A05)', () => {
  it('1 → 2: Accepted, the charger comes back over wss with its password, the profile is raised and plain ws is refused after (A05.FR.07, A05.FR.09)', async () => {
    const id = await aDevice('UP-16-2');
    const cp = await connected('UP-16-2');
    const got: unknown[] = [];
    cp.handle('ChangeConfiguration', async ({ params }) => {
      got.push(params);
      // A05.FR.06: the charger disconnects after answering, then reconnects with the new profile.
      setTimeout(() => void cp.close({ force: true }), 50);
      return { status: 'Accepted' };
    });
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body).toMatchObject({ securityProfile: 1, upgrade: { status: 'awaitingReconnect', fromProfile: 1, toProfile: 2, chargerStatus: 'Accepted' } });
    expect(got).toEqual([{ key: 'SecurityProfile', value: '2' }]);
    await platform.waitFor(upgradeEvent(id, 'awaitingReconnect'), 5000, 'the accepted event');
    // Still on 1 until it comes back: a plain ws connection is still let in (the fallback, A05.FR.08).
    expect(await securityProfile(id)).toBe(1);

    const back = await connected('UP-16-2', { tls: true });
    await back.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'UP' });
    await back.close({ force: true });
    const done = await platform.waitFor(upgradeEvent(id, 'completed'), 5000, 'the completed event');
    expect(done.json).toMatchObject({ fromProfile: 1, toProfile: 2, securityProfile: 2, remoteAddress: '127.0.0.1' });
    expect(await securityProfile(id)).toBe(2);
    expect((await admin.get(`/devices/${id}/security-profile`)).body).toMatchObject({ securityProfile: 2, upgrade: { status: 'completed' } });
    // Downgrade protection now holds.
    expect(await dialStatus('UP-16-2', { password: PASSWORD })).toBe(403);
  });

  it('2 → 3: the charger comes back with its client certificate and no password (A00.FR.401)', async () => {
    const id = await aDevice('UP-16-3', { securityProfile: 2 });
    const cp = await connected('UP-16-3', { tls: true });
    cp.handle('ChangeConfiguration', async () => {
      setTimeout(() => void cp.close({ force: true }), 50);
      return { status: 'Accepted' };
    });
    // Its certificate is not one this gateway signed: the register cannot vouch for it (409) ...
    const unknown = await admin.post(`/devices/${id}/security-profile`, { profile: 3 });
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({ code: 'CONFLICT', reason: 'CLIENT_CERT_NOT_KNOWN' });
    // ... the operator does (installed by the manufacturer, whitepaper §2.6.4).
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 3, certificateInstalled: true });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.upgrade).toMatchObject({ status: 'awaitingReconnect', fromProfile: 2, toProfile: 3 });
    // A certificate of another CA, or none, does not complete it (and is refused at profile 2 without a password).
    expect(await dialStatus('UP-16-3', { tls: true })).toBe(401);
    expect(await securityProfile(id)).toBe(2);

    expect(await dialStatus('UP-16-3', { tls: true, client: tlsSystem.ca.client('UP-16-3') })).toBe(0);
    await platform.waitFor(upgradeEvent(id, 'completed'), 5000, 'the completed event');
    expect(await securityProfile(id)).toBe(3);
    expect(await dialStatus('UP-16-3', { tls: true, password: PASSWORD })).toBe(401);
  });

  it('Rejected (A05.FR.01-04): refused, the profile stays, an event says so', async () => {
    const id = await aDevice('UP-16-REJ');
    const cp = await connected('UP-16-REJ');
    cp.handle('ChangeConfiguration', async () => ({ status: 'Rejected' }));
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2 });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ securityProfile: 1, upgrade: { status: 'refused', chargerStatus: 'Rejected', reason: 'CHARGER_REJECTED' } });
    const e = await platform.waitFor(upgradeEvent(id, 'refused'), 5000, 'the refused event');
    expect(e.json).toMatchObject({ chargerStatus: 'Rejected', reason: 'CHARGER_REJECTED', securityProfile: 1 });
    await cp.close({ force: true });
    // A wss connection afterwards completes nothing.
    expect(await dialStatus('UP-16-REJ', { tls: true, password: PASSWORD })).toBe(0);
    expect(await securityProfile(id)).toBe(1);
  });

  it('Accepted but never back with the new profile (it fell back, A05.FR.08): timedOut, the profile stays', async () => {
    const id = await aDevice('UP-16-GONE');
    const cp = await connected('UP-16-GONE');
    cp.handle('ChangeConfiguration', async () => ({ status: 'Accepted' }));
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2, reconnectSeconds: 1 });
    expect(r.body.upgrade.status).toBe('awaitingReconnect');
    await cp.close({ force: true });
    // Back over plain ws: admitted at profile 1, the upgrade not completed.
    expect(await dialStatus('UP-16-GONE', { password: PASSWORD })).toBe(0);
    const e = await platform.waitFor(upgradeEvent(id, 'timedOut'), 5000, 'the timedOut event');
    expect(e.json).toMatchObject({ reason: 'NO_RECONNECT', securityProfile: 1 });
    expect((await admin.get(`/devices/${id}/security-profile`)).body).toMatchObject({ securityProfile: 1, upgrade: { status: 'timedOut', reason: 'NO_RECONNECT' } });
    // Too late: a wss connection now completes nothing.
    expect(await dialStatus('UP-16-GONE', { tls: true, password: PASSWORD })).toBe(0);
    expect(await securityProfile(id)).toBe(1);
  });

  it('offline: 409 CHARGER_OFFLINE, recorded as failed', async () => {
    const id = await aDevice('UP-16-OFF');
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('CHARGER_OFFLINE');
    expect((await admin.get(`/devices/${id}/security-profile`)).body.upgrade).toMatchObject({ status: 'failed' });
    await platform.waitFor(upgradeEvent(id, 'failed'), 5000, 'the failed event');
  });

  it.each([
    ['the same profile', { securityProfile: 2 }, 2, 'PROFILE_NOT_HIGHER'],
    ['a lower profile (A05 remark 8)', { securityProfile: 3 }, 2, 'PROFILE_NOT_HIGHER'],
    ['profile 2 without a password (A05.FR.02)', { ocppPassword: null }, 2, 'PASSWORD_NOT_SET'],
  ])('preconditions: %s is refused with 409 before anything is sent', async (what, body, profile, reason) => {
    const id = await aDevice(`UP-PRE-${what.length}`, body);
    const r = await admin.post(`/devices/${id}/security-profile`, { profile });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'CONFLICT', reason });
    expect((await admin.get(`/devices/${id}/security-profile`)).body.upgrade).toBeNull();
  });
});

describe('OCPP 2.0.1: SetNetworkProfile, NetworkConfigurationPriority, Reset (A05, TC_A_19_CS)', () => {
  it('1 → 2: the new slot first in the priority, Reset on RebootRequired, raised when the station comes back over wss', async () => {
    const id = await aDevice('UP-201-2', { ocppProtocol: 'ocpp2.0.1' });
    const cp = await connected('UP-201-2', { protocol: 'ocpp2.0.1' });
    const calls: Array<[string, unknown]> = [];
    cp.handle('GetVariables', async ({ params }) => {
      calls.push(['GetVariables', params]);
      return { getVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '1' }] };
    });
    cp.handle('SetNetworkProfile', async ({ params }) => {
      calls.push(['SetNetworkProfile', params]);
      return { status: 'Accepted' };
    });
    cp.handle('SetVariables', async ({ params }) => {
      calls.push(['SetVariables', params]);
      return { setVariableResult: [{ attributeStatus: 'RebootRequired', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] };
    });
    cp.handle('Reset', async ({ params }) => {
      calls.push(['Reset', params]);
      setTimeout(() => void cp.close({ force: true }), 50);
      return { status: 'Accepted' };
    });
    const url = `wss://localhost:${tlsPort}/`;
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2, csmsUrl: url });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.upgrade).toMatchObject({ status: 'awaitingReconnect', chargerStatus: 'RebootRequired, Reset Accepted' });
    expect(calls.map((c) => c[0])).toEqual(['GetVariables', 'SetNetworkProfile', 'SetVariables', 'Reset']);
    expect(calls[1]![1]).toEqual({ configurationSlot: 2, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' } });
    expect(calls[2]![1]).toMatchObject({ setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' }] });
    expect(calls[3]![1]).toEqual({ type: 'OnIdle' });

    expect(await dialStatus('UP-201-2', { tls: true, password: PASSWORD, protocol: 'ocpp2.0.1' })).toBe(0);
    await platform.waitFor(upgradeEvent(id, 'completed'), 5000, 'the completed event');
    expect(await securityProfile(id)).toBe(2);
  });

  it('a 2.x station needs csmsUrl (400), checked before anything is sent', async () => {
    const id = await aDevice('UP-201-URL', { ocppProtocol: 'ocpp2.0.1' });
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 2 });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
  });

  it('TC_A_20/21_CS: NetworkConfigurationPriority Rejected: refused, the profile stays', async () => {
    const id = await aDevice('UP-201-PRIO', { ocppProtocol: 'ocpp2.0.1' });
    const cp = await connected('UP-201-PRIO', { protocol: 'ocpp2.0.1' });
    cp.handle('GetVariables', async () => ({ getVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '0,1' }] }));
    cp.handle('SetNetworkProfile', async () => ({ status: 'Accepted' }));
    cp.handle('SetVariables', async () => ({ setVariableResult: [{ attributeStatus: 'Rejected', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] }));
    const r = await admin.post(`/devices/${id}/security-profile`, { profile: 3, csmsUrl: `wss://localhost:${tlsPort}/`, certificateInstalled: true });
    expect(r.body.upgrade).toMatchObject({ status: 'refused', chargerStatus: 'Rejected', reason: 'PRIORITY_REJECTED' });
    await platform.waitFor(upgradeEvent(id, 'refused'), 5000, 'the refused event');
    await cp.close({ force: true });
    expect(await securityProfile(id)).toBe(1);
  });

  it('TC_A_22_CS: the simulated station rejects SetNetworkProfile: refused, the profile stays', async () => {
    const id = await aDevice('UP-201-SIM', { ocppProtocol: 'ocpp2.0.1', ocppPassword: null });
    const s = new SimStation({ url: tlsSystem.sys.ocppUrl, identity: 'UP-201-SIM', profile: 'ac', protocol: 'ocpp2.0.1', intervalS: 60, sessionS: [Infinity, Infinity], idleS: [3600, 3600], restartSessions: false, stats: newStats() });
    await s.start();
    try {
      const deadline = Date.now() + 5000;
      while (!s.isOnline && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      const r = await admin.post(`/devices/${id}/security-profile`, { profile: 3, csmsUrl: `wss://localhost:${tlsPort}/`, certificateInstalled: true });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(r.body.upgrade).toMatchObject({ status: 'refused', chargerStatus: 'Rejected', reason: 'NETWORK_PROFILE_REJECTED' });
      expect(await securityProfile(id)).toBe(1);
    } finally {
      await s.stop();
    }
  });
});
