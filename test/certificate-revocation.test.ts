/**
 * The register of issued certificates and revocation (issue 18; contracts/certificates.ts): a
 * certificate the gateway's CA signs for a charger's CSR is listed under its device with the
 * charger's answer; revoked through the API, it is refused at the next handshake
 * (CLIENT_CERT_REVOKED, a securityRefused event), and a profile upgrade to 3 is not completed
 * with it. A 1.6 charger (ocpp-rpc RPCClient, strict) over real TLS with a PKI made by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { dialCharger, handshakeStatus } from './tls-charger.ts';
import { startTlsSystem, type TlsSystem } from './tls-system.ts';

const ORG = 'chargebridge tests';
let tlsSystem: TlsSystem;
let admin: TlsSystem['admin'];
let platform: TlsSystem['platform'];

beforeAll(async () => {
  tlsSystem = await startTlsSystem({ signCsrs: true });
  ({ admin, platform } = tlsSystem);
}, 60_000);

afterAll(async () => {
  await tlsSystem?.stop();
});

function charger(identity: string, client: { certPem: string; keyPem: string } | null, password?: string): RPCClient {
  return dialCharger({ endpoint: tlsSystem.tlsUrl, identity, password: password || undefined, trust: tlsSystem.serverCa, client });
}

/** Connects with `client`, has the gateway sign a CSR, answers CertificateSigned with `answer`; the new chain and its key. */
async function renew(identity: string, client: { certPem: string; keyPem: string } | null, answer: 'Accepted' | 'Rejected', password?: string) {
  const cp = charger(identity, client, password);
  await cp.connect();
  const signed = new Promise<Record<string, unknown>>((resolve) => cp.handle('CertificateSigned', async ({ params }) => (resolve(params as Record<string, unknown>), { status: answer })));
  try {
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'REV' });
    const csr = tlsSystem.pki.csr(`/O=${ORG}/CN=${identity}`);
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
    const factory = tlsSystem.ca.client('REV-1', { days: 10 });
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

    expect(await handshakeStatus(charger('REV-1', installed))).toBe(0);
    const serial = String(older!['serialNumber']);
    const r = await admin.post(`/devices/${id}/certificates/${serial.toLowerCase()}/revoke`, { reason: 'charger stolen' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ serialNumber: serial, status: 'revoked', revocationReason: 'charger stolen' });
    await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'certificateRevoked' && m.json['serialNumber'] === serial, 5000, 'certificateRevoked');

    expect(await handshakeStatus(charger('REV-1', installed))).toBe(401);
    const ev = await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'securityRefused' && m.json['reason'] === 'CLIENT_CERT_REVOKED', 5000, 'securityRefused');
    expect(ev.json).toMatchObject({ status: 401, securityProfile: 3, secure: true });
    // A certificate not signed here (the factory's) is not in the register: unaffected.
    expect(await handshakeStatus(charger('REV-1', factory))).toBe(0);
    // Revoking again keeps the first revocation.
    expect((await admin.post(`/devices/${id}/certificates/${serial}/revoke`, { reason: 'again' })).body.revocationReason).toBe('charger stolen');
  });

  it('404 for a certificate of another device or none, 400 for a serial that is not hexadecimal', async () => {
    const a = (await admin.post('/devices', { chargePointId: 'REV-A', securityProfile: 3 })).body.id as string;
    const b = (await admin.post('/devices', { chargePointId: 'REV-B', securityProfile: 3 })).body.id as string;
    const cert = await renew('REV-A', tlsSystem.ca.client('REV-A'), 'Accepted');
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
    expect(await handshakeStatus(charger('REV-UP', cert))).toBe(401);
    expect((await admin.get(`/devices/${id}`)).body.securityProfile).toBe(2);
    expect((await admin.get(`/devices/${id}/security-profile`)).body.upgrade.status).toBe('awaitingReconnect');
    // A certificate that is not revoked completes it.
    expect(await handshakeStatus(charger('REV-UP', fresh))).toBe(0);
    await platform.waitFor((m) => m.topic.endsWith(`${id}/events`) && m.json['type'] === 'securityProfileUpgrade' && m.json['status'] === 'completed', 5000, 'completed');
    expect((await admin.get(`/devices/${id}`)).body.securityProfile).toBe(3);
  });
});
