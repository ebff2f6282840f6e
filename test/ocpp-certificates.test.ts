/**
 * Certificate management end to end (issue 18; OCPP 1.6 security whitepaper A02/A03, OCPP 2.0.1
 * A02/A03 and TC_A_11_CSMS / memory state RenewChargingStationCertificate): `chargebridge start`
 * as a process with a CSR signing CA, a PKI and CSRs made by the test with openssl (test/pki.ts),
 * and ocpp-rpc's RPCClient in strict mode as 1.6 and 2.0.1 chargers on security profile 3 over
 * real TLS. A charger's CSR is signed and comes back in CertificateSigned; the charger then
 * connects with the new certificate. A second gateway forwards CSRs to the platform instead.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import { runRole, type Proc } from './processes.ts';
import { ADMIN_TOKEN, Platform } from './harness.ts';
import { createPki, type Issued, type Pki, type TestCa, type TestCsr } from './pki.ts';

const ORG = 'chargebridge tests';

let pki: Pki;
let csrCa: TestCa;
let serverCa: TestCa;
let server: Issued;

interface Gw {
  proc: Proc;
  dir: string;
  ports: { ocpp: number; ocppTls: number; http: number; mqtt: number };
}

async function startGateway(env: Record<string, string>): Promise<Gw> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-certs-'));
  const proc = runRole('start', {
    DATA_DIR: dir,
    API_TOKEN: ADMIN_TOKEN,
    AUTO_PROVISION: 'false',
    OCPP_TLS_CERT_FILE: server.cert,
    OCPP_TLS_KEY_FILE: server.key,
    // The CA that signs chargers' CSRs is the one the profile-3 handshake trusts.
    OCPP_TLS_CA_FILE: csrCa.cert,
    OCPP_TLS_ORGANIZATION: ORG,
    OCPP_TLS_PORT: '0',
    ...env,
  });
  const ports = (await proc.ready) as unknown as Gw['ports'];
  return { proc, dir, ports };
}

async function stopGateway(gw: Gw | undefined): Promise<void> {
  if (!gw) return;
  await gw.proc.stop();
  rmSync(gw.dir, { recursive: true, force: true });
}

async function device(gw: Gw, chargePointId: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId, securityProfile: 3 }),
  });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id;
}

type Version = 'ocpp1.6' | 'ocpp2.0.1';

function charger(gw: Gw, identity: string, version: Version, client: { certPem: string; keyPem: string }): RPCClient {
  return new RPCClient({
    endpoint: `wss://127.0.0.1:${gw.ports.ocppTls}`,
    identity,
    protocols: [version],
    strictMode: true,
    reconnect: false,
    wsOpts: { minVersion: 'TLSv1.2', ca: serverCa.certPem, cert: client.certPem, key: client.keyPem },
  } as ConstructorParameters<typeof RPCClient>[0]);
}

async function boot(cp: RPCClient, version: Version): Promise<void> {
  const res = (await cp.call('BootNotification', version === 'ocpp1.6' ? { chargePointVendor: 'ACME', chargePointModel: 'PKI-1' } : { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'PKI-1' } })) as { status: string };
  expect(res.status).toBe('Accepted');
}

/** Resolves with the params of the next CALL of `method` to the charger, answered with `answer`. */
function nextCall(cp: RPCClient, method: string, answer: Record<string, unknown>, then?: () => void): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    cp.handle(method, async ({ params }) => {
      resolve(params as Record<string, unknown>);
      if (then) setTimeout(then, 0);
      return answer;
    });
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

/** The PEM certificates of a chain, in order. */
function certificates(chain: string): X509Certificate[] {
  return (chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');

/** The chain verifies against the CSR CA, and its leaf is this charger's, with the CSR's key (A02.FR.06). */
function expectIssuedFor(chain: string, identity: string, csr: TestCsr): X509Certificate {
  const [leaf, ca, ...rest] = certificates(chain);
  expect(rest).toHaveLength(0);
  const anchor = new X509Certificate(csrCa.certPem);
  expect(ca!.fingerprint256).toBe(anchor.fingerprint256);
  expect(leaf!.checkIssued(anchor)).toBe(true);
  expect(leaf!.verify(anchor.publicKey)).toBe(true);
  expect(leaf!.subject).toBe(`O=${ORG}\nCN=${identity}`);
  expect(spki(leaf!.publicKey)).toBe(spki(createPublicKey(createPrivateKey(csr.keyPem))));
  expect(leaf!.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  // And as openssl sees it: the chain verifies for TLS client use.
  const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-chain-'));
  try {
    writeFileSync(path.join(dir, 'leaf.pem'), leaf!.toString());
    expect(execFileSync('openssl', ['verify', '-CAfile', csrCa.cert, '-purpose', 'sslclient', path.join(dir, 'leaf.pem')]).toString()).toContain(': OK');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return leaf!;
}

beforeAll(() => {
  pki = createPki();
  // Ten years: the certificates it signs get their full OCPP_CSR_VALIDITY_DAYS, and are not due for renewal.
  csrCa = pki.ca('charger-ca', { days: 3650 });
  serverCa = pki.ca('central-system');
  server = serverCa.server();
});

afterAll(() => pki?.cleanup());

describe('OCPP_CSR_MODE sign: the configured CA signs the CSR (A02/A03)', () => {
  let gw: Gw;
  let platform: Platform;

  beforeAll(async () => {
    gw = await startGateway({ OCPP_CSR_CA_CERT_FILE: csrCa.cert, OCPP_CSR_CA_KEY_FILE: csrCa.key, OCPP_CSR_VALIDITY_DAYS: '90' });
    platform = await Platform.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { subscribe: ['+/events'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await stopGateway(gw);
  });

  it('says at start which CA signs, and that the handshake trusts it', async () => {
    const deadline = Date.now() + 5000;
    while (!gw.proc.out().includes("chargers' CSRs are signed by this CA")) {
      if (Date.now() > deadline) throw new Error(`no CA line:\n${gw.proc.out().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(gw.proc.out()).not.toContain('the CSR signing CA is not in OCPP_TLS_CA_FILE');
  });

  it.each<[Version, string]>([
    ['ocpp1.6', 'CERT-16'],
    ['ocpp2.0.1', 'CERT-201'],
  ])('%s: SignCertificate is Accepted, CertificateSigned carries a chain that verifies, and the charger is admitted with it', async (version, identity) => {
    const deviceId = await device(gw, identity);
    const cp = charger(gw, identity, version, csrCa.client(identity, { days: 365 }));
    await cp.connect();
    const signed = nextCall(cp, 'CertificateSigned', { status: 'Accepted' });
    try {
      await boot(cp, version);
      const csr = pki.csr(`/O=${ORG}/CN=${identity}`);
      const req = version === 'ocpp1.6' ? { csr: csr.csrPem } : { csr: csr.csrPem, certificateType: 'ChargingStationCertificate' };
      expect(await cp.call('SignCertificate', req)).toEqual({ status: 'Accepted' });
      const params = await within(signed, 10_000, 'CertificateSigned');
      // 2.0.1 names the type it signed (TC_A_11_CSMS); 1.6's CertificateSigned.req has only the chain (§5.1).
      if (version === 'ocpp1.6') expect(Object.keys(params)).toEqual(['certificateChain']);
      else expect(params['certificateType']).toBe('ChargingStationCertificate');
      const leaf = expectIssuedFor(String(params['certificateChain']), identity, csr);
      expect(Math.round((Date.parse(leaf.validTo) - Date.now()) / 86_400_000)).toBe(90);
      // A command like any other on the events topic, with the charger's answer.
      const ev = await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'command' && m.json['action'] === 'CertificateSigned', 5000, 'command event');
      expect(ev.json).toMatchObject({ request: { certificateChain: params['certificateChain'] }, response: { status: 'Accepted' } });
      await cp.close({ force: true });
      // A02.FR.08: the charger switches to the new certificate; the gateway admits it (profile 3).
      const again = charger(gw, identity, version, { certPem: String(params['certificateChain']), keyPem: csr.keyPem });
      await again.connect();
      try {
        await boot(again, version);
      } finally {
        await again.close({ force: true });
      }
    } finally {
      await cp.close({ force: true });
    }
  });

  it('a CSR for another identity is Rejected, published as csrRefused, and nothing is sent', async () => {
    const deviceId = await device(gw, 'CERT-VICTIM');
    const cp = charger(gw, 'CERT-VICTIM', 'ocpp1.6', csrCa.client('CERT-VICTIM', { days: 365 }));
    await cp.connect();
    let sent = 0;
    cp.handle(async ({ method }) => {
      sent++;
      throw new Error(`unexpected ${method}`);
    });
    try {
      await boot(cp, 'ocpp1.6');
      const csr = pki.csr(`/O=${ORG}/CN=CERT-OTHER`);
      expect(await cp.call('SignCertificate', { csr: csr.csrPem })).toEqual({ status: 'Rejected' });
      const ev = await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'csrRefused', 5000, 'csrRefused');
      expect(ev.json).toMatchObject({ reason: 'CSR_IDENTITY_MISMATCH', detail: 'CN "CERT-OTHER"', messageId: expect.any(String) });
      // Nor an O other than OCPP_TLS_ORGANIZATION (A00.FR.404).
      expect(await cp.call('SignCertificate', { csr: pki.csr('/O=Someone Else/CN=CERT-VICTIM').csrPem })).toEqual({ status: 'Rejected' });
      await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['reason'] === 'CSR_ORGANIZATION_MISMATCH', 5000, 'CSR_ORGANIZATION_MISMATCH');
      await cp.call('Heartbeat', {});
      await new Promise((r) => setTimeout(r, 500));
      expect(sent).toBe(0);
      expect(platform.messages.filter((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'command')).toEqual([]);
    } finally {
      await cp.close({ force: true });
    }
  });

  it.each<[Version, string, string, string]>([
    ['ocpp1.6', 'ExtendedTriggerMessage', 'SignChargePointCertificate', 'RENEW-16'],
    ['ocpp2.0.1', 'TriggerMessage', 'SignChargingStationCertificate', 'RENEW-201'],
  ])('%s: a certificate ending in 10 days gets %s %s once the boot is accepted, once per connection, and the new CSR is signed (A02)', async (version, action, requestedMessage, identity) => {
    await device(gw, identity);
    const cp = charger(gw, identity, version, csrCa.client(identity, { days: 10 }));
    const csr = pki.csr(`/O=${ORG}/CN=${identity}`);
    const signed = nextCall(cp, 'CertificateSigned', { status: 'Accepted' });
    let triggers = 0;
    // A02 steps 1-4: the trigger is answered, then the charger sends its new CSR.
    const triggered = nextCall(cp, action, { status: 'Accepted' }, () => {
      triggers++;
      void cp.call('SignCertificate', version === 'ocpp1.6' ? { csr: csr.csrPem } : { csr: csr.csrPem, certificateType: 'ChargingStationCertificate' });
    });
    await cp.connect();
    try {
      await boot(cp, version);
      expect(await within(triggered, 10_000, action)).toEqual({ requestedMessage });
      const params = await within(signed, 10_000, 'CertificateSigned');
      expectIssuedFor(String(params['certificateChain']), identity, csr);
      // Once per connection.
      await cp.call('Heartbeat', {});
      await cp.call('Heartbeat', {});
      await new Promise((r) => setTimeout(r, 300));
      expect(triggers).toBe(1);
    } finally {
      await cp.close({ force: true });
    }
  });

  it('a charger whose certificate is not due is not asked', async () => {
    await device(gw, 'NOT-DUE');
    const cp = charger(gw, 'NOT-DUE', 'ocpp1.6', csrCa.client('NOT-DUE', { days: 365 }));
    let calls = 0;
    cp.handle(async () => {
      calls++;
      return {};
    });
    await cp.connect();
    try {
      await boot(cp, 'ocpp1.6');
      await cp.call('Heartbeat', {});
      await new Promise((r) => setTimeout(r, 300));
      expect(calls).toBe(0);
    } finally {
      await cp.close({ force: true });
    }
  });
});

describe('OCPP_CSR_MODE forward: the CSR goes to the platform, which answers with CertificateSigned (A02.FR.04)', () => {
  let gw: Gw;
  let platform: Platform;

  beforeAll(async () => {
    gw = await startGateway({ OCPP_CSR_MODE: 'forward' });
    platform = await Platform.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { subscribe: ['+/events', '+/config/reply'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await stopGateway(gw);
  });

  it('certificateSigningRequest on events; the platform\'s CertificateSigned reaches the 1.6 charger, which is then admitted with it', async () => {
    const identity = 'FWD-16';
    const deviceId = await device(gw, identity);
    const cp = charger(gw, identity, 'ocpp1.6', csrCa.client(identity, { days: 365 }));
    const signed = nextCall(cp, 'CertificateSigned', { status: 'Accepted' });
    await cp.connect();
    try {
      await boot(cp, 'ocpp1.6');
      const csr = pki.csr(`/O=${ORG}/CN=${identity}`);
      expect(await cp.call('SignCertificate', { csr: csr.csrPem })).toEqual({ status: 'Accepted' });
      const ev = await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'certificateSigningRequest', 5000, 'certificateSigningRequest');
      expect(ev.json).toMatchObject({ chargePointId: identity, protocol: 'ocpp1.6', csr: csr.csrPem.trim(), messageId: expect.any(String) });
      // The external CA: openssl, as an operator would sign by hand.
      const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-extca-'));
      let chain: string;
      try {
        writeFileSync(path.join(dir, 'req.csr'), String(ev.json['csr']));
        writeFileSync(path.join(dir, 'ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
        execFileSync('openssl', ['x509', '-req', '-in', 'req.csr', '-CA', csrCa.cert, '-CAkey', csrCa.key, '-CAcreateserial', '-days', '30', '-extfile', 'ext', '-out', 'leaf.pem'], { cwd: dir, stdio: 'ignore' });
        chain = execFileSync('cat', ['leaf.pem', csrCa.cert], { cwd: dir }).toString();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await platform.client.publishAsync(`admin:${deviceId}/config`, JSON.stringify({ id: 'ext-ca-1', action: 'CertificateSigned', payload: { certificateChain: chain } }), { qos: 1 });
      const params = await within(signed, 10_000, 'CertificateSigned');
      expect(params).toEqual({ certificateChain: chain });
      const reply = await platform.waitFor((m) => m.topic === `admin:${deviceId}/config/reply` && m.json['id'] === 'ext-ca-1', 5000, 'config/reply');
      expect(reply.json).toMatchObject({ status: 'ok', action: 'CertificateSigned', response: { status: 'Accepted' } });
      await cp.close({ force: true });
      const again = charger(gw, identity, 'ocpp1.6', { certPem: chain, keyPem: csr.keyPem });
      await again.connect();
      try {
        await boot(again, 'ocpp1.6');
      } finally {
        await again.close({ force: true });
      }
    } finally {
      await cp.close({ force: true });
    }
  });

  it('a forwarded CSR is checked all the same: another identity is Rejected and not published', async () => {
    const deviceId = await device(gw, 'FWD-VICTIM');
    const cp = charger(gw, 'FWD-VICTIM', 'ocpp1.6', csrCa.client('FWD-VICTIM', { days: 365 }));
    await cp.connect();
    try {
      await boot(cp, 'ocpp1.6');
      expect(await cp.call('SignCertificate', { csr: pki.csr(`/O=${ORG}/CN=FWD-OTHER`).csrPem })).toEqual({ status: 'Rejected' });
      await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'csrRefused' && m.json['reason'] === 'CSR_IDENTITY_MISMATCH', 5000, 'csrRefused');
      expect(platform.messages.some((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'certificateSigningRequest')).toBe(false);
    } finally {
      await cp.close({ force: true });
    }
  });
});

describe('an unusable CSR CA stops the start', () => {
  it('chargebridge start exits with code 2 and one line naming OCPP_CSR_CA_KEY_FILE, never the key', async () => {
    const other = pki.ca('not-the-csr-ca');
    const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-certs-'));
    try {
      const proc = runRole('start', { DATA_DIR: dir, API_TOKEN: ADMIN_TOKEN, OCPP_CSR_CA_CERT_FILE: csrCa.cert, OCPP_CSR_CA_KEY_FILE: other.key });
      expect(await proc.exited).toBe(2);
      expect(proc.out().trim().split('\n')).toEqual([expect.stringMatching(/^chargebridge: invalid configuration: OCPP_CSR_CA_KEY_FILE: .* is not the key of OCPP_CSR_CA_CERT_FILE's first certificate$/)]);
      const body = other.keyPem.split('\n')[1]!;
      expect(proc.out()).not.toContain(body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
