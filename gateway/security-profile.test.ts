import { describe, expect, it } from 'vitest';
import type { ClientCertificate } from './client-certificate.ts';
import { checkSecurityProfile, type ProfileInput } from './security-profile.ts';

const aCert = (o: Partial<ClientCertificate> = {}): ClientCertificate => ({
  verified: true,
  error: null,
  commonName: 'CP-1',
  organization: 'ACME CPO',
  serialNumber: '01',
  fingerprint256: 'AA',
  validTo: '2030-01-01T00:00:00.000Z',
  via: 'tls',
  ...o,
});
const anInput = (o: Partial<ProfileInput> = {}): ProfileInput => ({ profile: 1, identity: 'CP-1', secure: false, clientCertificate: null, hasPassword: false, ...o });

describe('checkSecurityProfile (OCPP 1.6 security whitepaper §2)', () => {
  it.each([
    ['§2.3 profile 1 over ws without a password', anInput(), { ok: true, checkPassword: false }],
    ['§2.3 profile 1 over ws with a password', anInput({ hasPassword: true }), { ok: true, checkPassword: true }],
    ['§2.3 profile 1 over wss', anInput({ secure: true, hasPassword: true }), { ok: true, checkPassword: true }],
    ['§2.4 profile 2 over wss checks the password', anInput({ profile: 2, secure: true, hasPassword: true }), { ok: true, checkPassword: true }],
    ['§2.5 A00.FR.401 profile 3 needs no password', anInput({ profile: 3, secure: true, hasPassword: true, clientCertificate: aCert() }), { ok: true, checkPassword: false }],
    ['A00.FR.404 O checked when configured', anInput({ profile: 3, secure: true, clientCertificate: aCert(), organization: 'ACME CPO' }), { ok: true, checkPassword: false }],
  ])('admits: %s', (_name, input, verdict) => {
    expect(checkSecurityProfile(input)).toEqual(verdict);
  });

  it.each([
    ['A00.FR.311 profile 2 over plain ws', anInput({ profile: 2, hasPassword: true }), 403, 'TLS_REQUIRED'],
    ['profile 3 over plain ws, even with a certificate', anInput({ profile: 3, clientCertificate: aCert() }), 403, 'TLS_REQUIRED'],
    ['A00.FR.302 profile 2 device without a password', anInput({ profile: 2, secure: true }), 401, 'PASSWORD_NOT_SET'],
    ['A00.FR.401 profile 3 without a certificate', anInput({ profile: 3, secure: true, hasPassword: true }), 401, 'CLIENT_CERT_MISSING'],
    ['A00.FR.407 a certificate whose path does not verify', anInput({ profile: 3, secure: true, clientCertificate: aCert({ verified: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) }), 401, 'CLIENT_CERT_UNTRUSTED'],
    ['a certificate revoked in the register of issued certificates', anInput({ profile: 3, secure: true, clientCertificate: aCert(), revoked: true }), 401, 'CLIENT_CERT_REVOKED'],
    ['A00.FR.405 a certificate for another charge point', anInput({ profile: 3, secure: true, clientCertificate: aCert({ commonName: 'CP-2' }) }), 403, 'CLIENT_CERT_IDENTITY_MISMATCH'],
    ['A00.FR.405 CN compared exactly (case)', anInput({ profile: 3, secure: true, clientCertificate: aCert({ commonName: 'cp-1' }) }), 403, 'CLIENT_CERT_IDENTITY_MISMATCH'],
    ['A00.FR.405 no CN, or several', anInput({ profile: 3, secure: true, clientCertificate: aCert({ commonName: null }) }), 403, 'CLIENT_CERT_IDENTITY_MISMATCH'],
    ['A00.FR.404 another organization', anInput({ profile: 3, secure: true, clientCertificate: aCert({ organization: 'Evil' }), organization: 'ACME CPO' }), 403, 'CLIENT_CERT_ORGANIZATION_MISMATCH'],
  ])('refuses: %s', (_name, input, status, reason) => {
    expect(checkSecurityProfile(input)).toMatchObject({ ok: false, status, reason });
  });
});
