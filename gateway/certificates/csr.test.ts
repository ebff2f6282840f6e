/**
 * The CSR checks (csr.ts) on requests made with openssl as a charger makes them (test/pki.ts),
 * and on the facts alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type Pki } from '../../test/pki.ts';
import { checkCsr, readCsr, type CsrFacts } from './csr.ts';

let pki: Pki;
beforeAll(() => {
  pki = createPki();
});
afterAll(() => pki?.cleanup());

async function facts(pem: string): Promise<CsrFacts> {
  const r = await readCsr(pem);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.csr;
}

const want = { identity: 'CP-1', signing: true };

describe('readCsr', () => {
  it('reads the subject and the key of a P-256 request, and verifies its signature', async () => {
    const f = await facts(pki.csr('/O=ACME CPO/CN=CP-1').csrPem);
    expect(f).toMatchObject({ commonName: 'CP-1', organization: 'ACME CPO', key: { type: 'ec', curve: 'prime256v1', bits: 256 }, signatureValid: true });
  });

  it('reads an RSA request', async () => {
    expect((await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'rsa:2048' }).csrPem)).key).toEqual({ type: 'rsa', bits: 2048 });
  });

  it('finds the PEM block among other text (a charger adding a newline or a label)', async () => {
    const { csrPem } = pki.csr('/O=ACME CPO/CN=CP-1');
    expect((await facts(`\r\n${csrPem}\r\n`)).commonName).toBe('CP-1');
  });

  it('a request whose content was changed after signing does not verify (A02.FR.03: the charger holds the key)', async () => {
    const { csrPem } = pki.csr('/O=ACME CPO/CN=CP-1');
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    const at = der.indexOf('CP-1');
    der[at + 3] = '2'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    const f = await facts(tampered);
    expect(f.commonName).toBe('CP-2');
    expect(f.signatureValid).toBe(false);
    expect(checkCsr(f, { ...want, identity: 'CP-2' })).toMatchObject({ ok: false, reason: 'CSR_SIGNATURE_INVALID' });
  });

  it.each([
    ['no PEM block', 'MIIBszCCAVkCAQAw'],
    ['a certificate, not a request', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['garbage inside the block', '-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----'],
  ])('%s is CSR_MALFORMED', async (_what, text) => {
    expect(await readCsr(text)).toMatchObject({ ok: false, reason: 'CSR_MALFORMED' });
  });

  it('two requests in one are CSR_MALFORMED', async () => {
    const a = pki.csr('/O=ACME CPO/CN=CP-1').csrPem;
    expect(await readCsr(a + a)).toMatchObject({ ok: false, reason: 'CSR_MALFORMED', detail: '2 PEM blocks, expected one' });
  });
});

describe('checkCsr', () => {
  it('accepts CN = the identity with an O; with OCPP_TLS_ORGANIZATION, that O', async () => {
    const f = await facts(pki.csr('/O=ACME CPO/CN=CP-1').csrPem);
    expect(checkCsr(f, want)).toEqual({ ok: true });
    expect(checkCsr(f, { ...want, organization: 'ACME CPO' })).toEqual({ ok: true });
    expect(checkCsr(f, { ...want, certificateType: 'ChargingStationCertificate' })).toEqual({ ok: true });
  });

  it('A00.FR.511: a CSR for another charge point is CSR_IDENTITY_MISMATCH, with the CN', async () => {
    const f = await facts(pki.csr('/O=ACME CPO/CN=CP-OTHER').csrPem);
    expect(checkCsr(f, want)).toEqual({ ok: false, reason: 'CSR_IDENTITY_MISMATCH', detail: 'CN "CP-OTHER"' });
    // Case and whitespace count: the identity is compared exactly, as at the handshake.
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=cp-1').csrPem), want)).toMatchObject({ reason: 'CSR_IDENTITY_MISMATCH' });
  });

  it('two CNs, or none, match no identity', async () => {
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1/CN=CP-2').csrPem), want)).toEqual({ ok: false, reason: 'CSR_IDENTITY_MISMATCH', detail: 'CN null' });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/OU=CP-1').csrPem), want)).toMatchObject({ reason: 'CSR_IDENTITY_MISMATCH' });
  });

  it('A00.FR.509, A02.FR.13: no O, or one that is not OCPP_TLS_ORGANIZATION, is CSR_ORGANIZATION_MISMATCH', async () => {
    expect(checkCsr(await facts(pki.csr('/CN=CP-1').csrPem), want)).toEqual({ ok: false, reason: 'CSR_ORGANIZATION_MISMATCH', detail: 'O null' });
    expect(checkCsr(await facts(pki.csr('/O=Other CPO/CN=CP-1').csrPem), { ...want, organization: 'ACME CPO' })).toEqual({ ok: false, reason: 'CSR_ORGANIZATION_MISMATCH', detail: 'O "Other CPO"' });
  });

  it('A00.FR.502/503: RSA under 2048 bits and curves under 224 bits are CSR_KEY_TOO_WEAK; Ed25519 and non-NIST curves are CSR_KEY_UNSUPPORTED', async () => {
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'rsa:1024' }).csrPem), want)).toEqual({ ok: false, reason: 'CSR_KEY_TOO_WEAK', detail: 'RSA 1024 bits (2048 at least)' });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'ec:prime192v1' }).csrPem), want)).toMatchObject({ ok: false, reason: 'CSR_KEY_TOO_WEAK' });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'ec:secp384r1' }).csrPem), want)).toEqual({ ok: true });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'ed25519:' }).csrPem), want)).toEqual({ ok: false, reason: 'CSR_KEY_UNSUPPORTED', detail: 'ed25519 key (RSA or EC only)' });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'ec:brainpoolP256r1' }).csrPem), want)).toMatchObject({ ok: false, reason: 'CSR_KEY_UNSUPPORTED' });
    expect(checkCsr(await facts(pki.csr('/O=ACME CPO/CN=CP-1', { newkey: 'ec:secp521r1' }).csrPem), want)).toEqual({ ok: true });
  });

  it('an ISO 15118 CSR (V2GCertificate) is not signed here, but may be forwarded with its key checked only', async () => {
    const f = await facts(pki.csr('/O=ACME CPO/CN=DE*ACM*E1234').csrPem);
    expect(checkCsr(f, { ...want, certificateType: 'V2GCertificate' })).toMatchObject({ ok: false, reason: 'CSR_TYPE_UNSUPPORTED' });
    expect(checkCsr(f, { ...want, certificateType: 'V2GCertificate', signing: false })).toEqual({ ok: true });
    // A station certificate is checked the same either way.
    expect(checkCsr(f, { ...want, signing: false })).toMatchObject({ ok: false, reason: 'CSR_IDENTITY_MISMATCH' });
  });

  it('checks in order: key, signature, certificate type, identity, organization', () => {
    const good: CsrFacts = { commonName: 'CP-1', organization: 'O', key: { type: 'ec', curve: 'prime256v1', bits: 256 }, signatureValid: true };
    expect(checkCsr({ ...good, key: { type: 'other', name: 'dsa' }, signatureValid: false }, want)).toMatchObject({ reason: 'CSR_KEY_UNSUPPORTED' });
    expect(checkCsr({ ...good, signatureValid: false, commonName: 'X' }, want)).toMatchObject({ reason: 'CSR_SIGNATURE_INVALID' });
    expect(checkCsr({ ...good, commonName: 'X', organization: null }, want)).toMatchObject({ reason: 'CSR_IDENTITY_MISMATCH' });
    expect(checkCsr({ ...good, signatureValid: false, key: { type: 'rsa', bits: 512 } }, want)).toMatchObject({ reason: 'CSR_KEY_TOO_WEAK' });
    expect(checkCsr({ ...good, commonName: 'X', organization: null }, { ...want, certificateType: 'V2GCertificate' })).toMatchObject({ reason: 'CSR_TYPE_UNSUPPORTED' });
    expect(checkCsr({ ...good, organization: null }, want)).toMatchObject({ reason: 'CSR_ORGANIZATION_MISMATCH' });
    expect(checkCsr({ ...good, key: { type: 'ec', curve: 'sect571r1', bits: null } }, want)).toMatchObject({ reason: 'CSR_KEY_UNSUPPORTED', detail: 'curve sect571r1 (P-256, P-384 or P-521)' });
    expect(checkCsr({ ...good, key: { type: 'ec', curve: 'brainpoolP256r1', bits: 256 } }, want)).toMatchObject({ reason: 'CSR_KEY_UNSUPPORTED' });
  });
});
