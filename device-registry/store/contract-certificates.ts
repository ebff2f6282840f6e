/**
 * Contract for migration 11 (the register of issued certificates, contracts/certificates.ts);
 * every backend runs it beside `registryStoreContract`.
 */
import { describe, expect, it } from 'vitest';
import { aDevice } from './contract.ts';
import { suiteStores } from './contract-stores.ts';
import type { NewIssuedCertificate } from '../../contracts/certificates.ts';
import type { RegistryStore } from './types.ts';

let n = 0;
/** Test-data builder: a certificate valid for a year from 2026-12-01. */
export function aCertificate(deviceId: string, overrides: Partial<NewIssuedCertificate> = {}): NewIssuedCertificate {
  n += 1;
  const hex = n.toString(16).padStart(4, '0').toUpperCase();
  return { serialNumber: `7F00${hex}`, deviceId, commonName: 'CP-1', fingerprint256: `AA:BB:${hex.slice(0, 2)}:${hex.slice(2)}`, notBefore: '2026-12-01T00:00:00.000Z', notAfter: '2027-12-01T00:00:00.000Z', ...overrides };
}

export function registryCertificatesContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`${name}: issued certificates`, () => {
    const { open } = suiteStores(make);

    it('records a certificate as issued, lists it, finds it by fingerprint', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const c = aCertificate(d.id);
      const r = await s.recordCertificate(c);
      expect(r).toMatchObject({ ...c, status: 'issued', revokedAt: null, revocationReason: null });
      expect(await s.listCertificates(d.id)).toEqual([r]);
      expect(await s.findCertificateByFingerprint(c.fingerprint256)).toEqual(r);
      expect(await s.findCertificateByFingerprint('00:00')).toBeNull();
      expect(await s.recordCertificate(aCertificate('nosuchdevice'))).toBeNull();
    });

    it("takes the charger's answer once, from issued only", async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const a = (await s.recordCertificate(aCertificate(d.id)))!;
      const b = (await s.recordCertificate(aCertificate(d.id)))!;
      expect((await s.setCertificateAnswer(a.serialNumber, true))!.status).toBe('installed');
      expect(await s.setCertificateAnswer(a.serialNumber, false)).toBeNull();
      expect((await s.setCertificateAnswer(b.serialNumber, false))!.status).toBe('rejected');
      expect(await s.setCertificateAnswer('FFFF', true)).toBeNull();
    });

    it('revokes a certificate of the device only; a second revocation keeps the first', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const other = await s.createDevice(aDevice());
      const c = (await s.recordCertificate(aCertificate(d.id)))!;
      expect(await s.revokeCertificate(other.id, c.serialNumber, 'x')).toBeNull();
      const r = (await s.revokeCertificate(d.id, c.serialNumber, 'stolen'))!;
      expect(r).toMatchObject({ status: 'revoked', revocationReason: 'stolen' });
      expect(Date.parse(r.revokedAt!)).toBeGreaterThan(Date.now() - 60_000);
      const again = (await s.revokeCertificate(d.id, c.serialNumber, 'later'))!;
      expect(again).toMatchObject({ status: 'revoked', revocationReason: 'stolen', revokedAt: r.revokedAt });
      expect((await s.findCertificateByFingerprint(c.fingerprint256))!.status).toBe('revoked');
      // A revoked certificate takes no answer any more.
      expect(await s.setCertificateAnswer(c.serialNumber, true)).toBeNull();
    });

    it('lists newest first, and the certificates go with their device', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const a = (await s.recordCertificate(aCertificate(d.id)))!;
      await new Promise((r) => setTimeout(r, 5));
      const b = (await s.recordCertificate(aCertificate(d.id)))!;
      expect((await s.listCertificates(d.id)).map((c) => c.serialNumber)).toEqual([b.serialNumber, a.serialNumber]);
      expect(await s.deleteDevice(d.id)).toBe(true);
      expect(await s.listCertificates(d.id)).toEqual([]);
      expect(await s.findCertificateByFingerprint(a.fingerprint256)).toBeNull();
    });
  });
}
