/**
 * The CSR signing CA (authority.ts) over real files made with openssl (test/pki.ts): what it
 * refuses to start with, and the certificates it issues, checked with node:crypto and with the
 * profile-3 path validation the handshake uses (client-certificate.ts).
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type Pki, type TestCa } from '../../test/pki.ts';
import { ConfigError } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { verifyChain } from '../client-certificate.ts';
import { createAuthority, issueCertificate, loadSigningCa } from './authority.ts';
import { readCsr, type ParsedCsr } from './csr.ts';

let pki: Pki;
let ec: TestCa;
let rsa: TestCa;
beforeAll(() => {
  pki = createPki();
  ec = pki.ca('csr-ec', { days: 3650 });
  rsa = pki.ca('csr-rsa', { days: 3650, rsa: true });
});
afterAll(() => pki?.cleanup());

async function csrOf(subject: string): Promise<{ csr: ParsedCsr; key: string }> {
  const made = pki.csr(subject);
  const r = await readCsr(made.csrPem);
  if (!r.ok) throw new Error(r.detail);
  return { csr: r.csr, key: made.keyPem };
}

const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');

describe('issueCertificate', () => {
  it.each([
    ['an EC CA: ECDSA with SHA-256', () => ec, 'ecdsa-with-SHA256'],
    ['an RSA CA: RSA-PSS with SHA-256 (A00.FR.505)', () => rsa, 'rsassaPss'],
  ])('%s', async (_what, which, sigAlg) => {
    const ca = which();
    const signing = await loadSigningCa({ certFile: ca.cert, keyFile: ca.key });
    const { csr, key } = await csrOf('/C=DE/O=ACME CPO/OU=ignored/CN=CP-1');
    const now = new Date();
    const issued = await issueCertificate(signing, csr, 365, now);
    const leaf = new X509Certificate(issued.pem);
    const caCert = new X509Certificate(ca.certPem);
    // Issued and signed by the CA, with the CSR's key, for this charger.
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(spki(leaf.publicKey)).toBe(spki(createPublicKey(createPrivateKey(key))));
    expect(leaf.subject).toBe('O=ACME CPO\nCN=CP-1');
    expect(leaf.subjectAltName).toBeUndefined();
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.serialNumber).toBe(issued.serialNumber);
    expect(leaf.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(new X509Certificate((await issueCertificate(signing, csr, 365, now)).pem).serialNumber).not.toBe(leaf.serialNumber);
    expect(Date.parse(leaf.validFrom)).toBeLessThan(now.getTime());
    expect(Math.round((Date.parse(leaf.validTo) - now.getTime()) / 86_400_000)).toBe(365);
    // The profile-3 handshake's path validation accepts it (A00.FR.403).
    expect(verifyChain(leaf, [caCert])).toBeNull();
    const text = (await import('node:child_process')).execFileSync('openssl', ['x509', '-noout', '-text'], { input: issued.pem }).toString();
    expect(text).toContain(`Signature Algorithm: ${sigAlg}`);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('X509v3 Authority Key Identifier');
  });

  it('never past the CA\'s own end', async () => {
    const short = pki.ca('csr-short');
    const signing = await loadSigningCa({ certFile: short.cert, keyFile: short.key });
    const issued = await issueCertificate(signing, (await csrOf('/O=ACME CPO/CN=CP-1')).csr, 365);
    expect(issued.notAfter.getTime()).toBe(signing.notAfter.getTime());
  });

  it('the chain sent along is the CA file\'s certificates in order', async () => {
    const sub = ec.intermediate('csr-sub');
    const file = path.join(pki.dir, 'sub-chain.pem');
    writeFileSync(file, sub.certPem + ec.certPem);
    const signing = await loadSigningCa({ certFile: file, keyFile: sub.key });
    expect(signing.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new X509Certificate(signing.chainPem).fingerprint256).toBe(new X509Certificate(sub.certPem).fingerprint256);
    const leaf = new X509Certificate((await issueCertificate(signing, (await csrOf('/O=ACME CPO/CN=CP-1')).csr, 30)).pem);
    expect(verifyChain(leaf, [new X509Certificate(sub.certPem), new X509Certificate(ec.certPem)])).toBeNull();
  });
});

describe('loadSigningCa refuses, naming the variable and never the key', () => {
  const refusal = async (certFile: string, keyFile: string, now?: Date): Promise<string> => {
    const err = await loadSigningCa({ certFile, keyFile }, now).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  };

  it('a key that is not the certificate\'s', async () => {
    expect(await refusal(ec.cert, rsa.key)).toMatch(/^OCPP_CSR_CA_KEY_FILE: .* is not the key of OCPP_CSR_CA_CERT_FILE's first certificate$/);
  });

  it('a certificate that is not a CA', async () => {
    const leaf = ec.client('CP-9');
    expect(await refusal(leaf.cert, leaf.key)).toMatch(/^OCPP_CSR_CA_CERT_FILE: the first certificate .* is not a CA/);
  });

  it('files that cannot be read, a key file that is not a key, an expired CA', async () => {
    expect(await refusal(path.join(pki.dir, 'none.pem'), ec.key)).toMatch(/^OCPP_CSR_CA_CERT_FILE: cannot read .* \(ENOENT\)$/);
    expect(await refusal(ec.cert, path.join(pki.dir, 'none.key'))).toMatch(/^OCPP_CSR_CA_KEY_FILE: cannot read .* \(ENOENT\)$/);
    const garbage = path.join(pki.dir, 'garbage.key');
    writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n');
    const m = await refusal(ec.cert, garbage);
    expect(m).toMatch(/^OCPP_CSR_CA_KEY_FILE: .* is not an unencrypted PEM private key/);
    expect(m).not.toContain('c2VjcmV0');
    expect(await refusal(ec.cert, ec.key, new Date(Date.now() + 4000 * 86_400_000))).toMatch(/^OCPP_CSR_CA_CERT_FILE: the CA expired on /);
  });
});

describe('createAuthority', () => {
  it('reads the files again when they change; files that do not load keep the previous CA', async () => {
    const cert = path.join(pki.dir, 'live-csr-ca.pem');
    const key = path.join(pki.dir, 'live-csr-ca.key');
    copyFileSync(ec.cert, cert);
    copyFileSync(ec.key, key);
    const authority = createAuthority({ certFile: cert, keyFile: key }, createLogger('silent'));
    const first = await authority.current();
    expect(await authority.current()).toBe(first);
    const next = pki.ca('csr-next', { days: 30 });
    // A half-done renewal: the new certificate, the old key.
    copyFileSync(next.cert, cert);
    expect((await authority.current()).fingerprint256).toBe(first.fingerprint256);
    copyFileSync(next.key, key);
    expect((await authority.current()).fingerprint256).toBe(new X509Certificate(next.certPem).fingerprint256);
  });
});
