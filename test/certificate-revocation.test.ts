/**
 * The register of issued certificates and revocation (issue 18; contracts/certificates.ts): a
 * certificate the gateway's CA signs for a charger's CSR is listed under its device with the
 * charger's answer; revoked through the API, it is refused at the next handshake
 * (CLIENT_CERT_REVOKED, a securityRefused event), and a profile upgrade to 3 is not completed
 * with it. A 1.6 charger (ocpp-rpc RPCClient, strict) over real TLS with a PKI made by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { createPki, type Pki, type TestCa } from './pki.ts';

const ORG = 'chargebridge tests';
let sys: System;
let admin: ReturnType<typeof api>;
let platform: Platform;
let pki: Pki;
let ca: TestCa;
let serverCa: TestCa;

beforeAll(async () => {
  pki = createPki();
  ca = pki.ca('chargers');
  serverCa = pki.ca('central-system');
  const server = serverCa.server();
  sys = await startSystem({
    AUTO_PROVISION: 'false',
    OCPP_TLS_CERT_FILE: server.cert,
    OCPP_TLS_KEY_FILE: server.key,
    OCPP_TLS_CA_FILE: ca.cert,
    OCPP_CSR_CA_CERT_FILE: ca.cert,
    OCPP_CSR_CA_KEY_FILE: ca.key,
    OCPP_TLS_PORT: '0',
    OCPP_AUTH_MAX_FAILURES: '1000',
    OCPP_AUTH_LOCKOUT_MS: '1',
    OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
  });
  admin = api(sys.httpUrl, ADMIN_TOKEN);
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/events'] });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await sys?.stop();
  pki?.cleanup();
});

function charger(identity: string, client: { certPem: string; keyPem: string } | null, password?: string): RPCClient {
  return new RPCClient({
    endpoint: `wss://127.0.0.1:${sys.ports.ocppTls}`,
    identity,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    ...(password ? { password } : {}),
    wsOpts: { minVersion: 'TLSv1.2', ca: serverCa.certPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) },
  } as ConstructorParameters<typeof RPCClient>[0]);
}

async function dialStatus(cp: RPCClient): Promise<number> {
  try {
    await cp.connect();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  await cp.close({ force: true });
  return 0;
}

/** Connects with `client`, has the gateway sign a CSR, answers CertificateSigned with `answer`; the new chain and its key. */
async function renew(identity: string, client: { certPem: string; keyPem: string } | null, answer: 'Accepted' | 'Rejected', password?: string) {
  const cp = charger(identity, client, password);
  await cp.connect();
  const signed = new Promise<Record<string, unknown>>((resolve) => cp.handle('CertificateSigned', async ({ params }) => (resolve(params as Record<string, unknown>), { status: answer })));
  try {
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'REV' });
    const csr = pki.csr(`/O=${ORG}/CN=${identity}`);
    expect(await cp.call('SignCertificate', { csr: csr.csrPem })).toEqual({ status: 'Accepted' });
    const params = await signed;
    return { certPem: String(params['certificateChain']), keyPem: csr.keyPem };
  } finally {
    // The answer to CertificateSigned is recorded after it is sent.
    await new Promise((r) => setTimeout(r, 200));
    await cp.close({ force: true });
  }
}

describe('GET /devices/{id}/certificates, POST .../certificates/{serial}/revoke', () => {
  it('lists what was signed with the charger\'s answer; a revoked certificate is refused at the handshake, the others still work', async () => {
    const created = await admin.post('/devices', { chargePointId: 'REV-1', securityProfile: 3 });
    const id = created.body.id as string;
    const factory = ca.client('REV-1', { days: 10 });
    const installed = await renew('REV-1', factory, 'Accepted');
    const refused = await renew('REV-1', installed, 'Rejected');

    const list = await admin.get(`/devices/${id}/certificates`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    const [newest, older] = list.body.items as Array<Record<string, unknown>>;
    expect(older).toMatchObject({ commonName: 'REV-1', status: 'installed', expired: false, revokedAt: null });
    expect(newest).toMatchObject({ status: 'rejected' });
    expect(refused.certPem).toContain('BEGIN CERTIFICATE');
    expect(Date.parse(String(older!['notAfter']))).toBeGreaterThan(Date.now());

    expect(await dialStatus(charger('REV-1', installed))).toBe(0);
    const serial = String(older!['serialNumber']);
    const r = await admin.post(`/devices/${id}/certificates/${serial.toLowerCase()}/revoke`, { reason: 'charger stolen' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ serialNumber: serial, status: 'revoked', revocationReason: 'charger stolen' });
    await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'certificateRevoked' && m.json['serialNumber'] === serial, 5000, 'certificateRevoked');

    expect(await dialStatus(charger('REV-1', installed))).toBe(401);
    const ev = await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'securityRefused' && m.json['reason'] === 'CLIENT_CERT_REVOKED', 5000, 'securityRefused');
    expect(ev.json).toMatchObject({ status: 401, securityProfile: 3, secure: true });
    // A certificate not signed here (the factory's) is not in the register: unaffected.
    expect(await dialStatus(charger('REV-1', factory))).toBe(0);
    // Revoking again keeps the first revocation.
    expect((await admin.post(`/devices/${id}/certificates/${serial}/revoke`, { reason: 'again' })).body.revocationReason).toBe('charger stolen');
  });

  it('404 for a certificate of another device or none, 400 for a serial that is not hexadecimal', async () => {
    const a = (await admin.post('/devices', { chargePointId: 'REV-A', securityProfile: 3 })).body.id as string;
    const b = (await admin.post('/devices', { chargePointId: 'REV-B', securityProfile: 3 })).body.id as string;
    const cert = await renew('REV-A', ca.client('REV-A'), 'Accepted');
    expect(cert.certPem).toBeTruthy();
    const serial = String((await admin.get(`/devices/${a}/certificates`)).body.items[0].serialNumber);
    expect((await admin.post(`/devices/${b}/certificates/${serial}/revoke`, {})).body.code).toBe('NOT_FOUND');
    expect((await admin.post(`/devices/${a}/certificates/ABCDEF/revoke`, {})).status).toBe(404);
    expect((await admin.post(`/devices/${a}/certificates/not-hex/revoke`, {})).status).toBe(400);
    expect((await admin.get(`/devices/${b}/certificates`)).body).toEqual({ items: [] });
  });

  it('a profile upgrade to 3 is not completed with a revoked certificate', async () => {
    const password = 'revocation-password-0123';
    const id = (await admin.post('/devices', { chargePointId: 'REV-UP', securityProfile: 2, ocppPassword: password })).body.id as string;
    const cert = await renew('REV-UP', null, 'Accepted', password);
    const serial = String((await admin.get(`/devices/${id}/certificates`)).body.items[0].serialNumber);
    expect((await admin.post(`/devices/${id}/certificates/${serial}/revoke`, {})).status).toBe(200);
    // Its only certificate signed here is revoked: nothing vouches for profile 3 (A05.FR.04).
    expect((await admin.post(`/devices/${id}/security-profile`, { profile: 3 })).body.reason).toBe('CLIENT_CERT_NOT_KNOWN');
    const fresh = await renew('REV-UP', null, 'Accepted', password);
    const cp = charger('REV-UP', null, password);
    await cp.connect();
    cp.handle('ChangeConfiguration', async () => ({ status: 'Accepted' }));
    const up = await admin.post(`/devices/${id}/security-profile`, { profile: 3 });
    expect(up.body.upgrade.status).toBe('awaitingReconnect');
    await cp.close({ force: true });
    // Without a password, on the revoked certificate: profile 2 refuses it (no password), and the upgrade stays open.
    expect(await dialStatus(charger('REV-UP', cert))).toBe(401);
    expect((await admin.get(`/devices/${id}`)).body.securityProfile).toBe(2);
    expect((await admin.get(`/devices/${id}/security-profile`)).body.upgrade.status).toBe('awaitingReconnect');
    // A certificate that is not revoked completes it.
    expect(await dialStatus(charger('REV-UP', fresh))).toBe(0);
    await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'securityProfileUpgrade' && m.json['status'] === 'completed', 5000, 'completed');
    expect((await admin.get(`/devices/${id}`)).body.securityProfile).toBe(3);
  });
});
