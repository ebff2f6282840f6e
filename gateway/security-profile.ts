/**
 * Whether a connection meets its device's security profile (OCPP 1.6 security whitepaper §2;
 * the registry holds the profile, never lowered by what a charger does: A05.FR.09). Pure: the
 * handshake (handshake.ts) calls it once the device is known, before any password is checked.
 *
 * - Profile 1 (§2.3): anything; HTTP Basic when the device has a password.
 * - Profile 2 (§2.4): TLS (A00.FR.311) and HTTP Basic (A00.FR.301-303): refused over plain ws.
 * - Profile 3 (§2.5): TLS with a client certificate whose path verifies against our CA
 *   (A00.FR.403, A00.FR.407: otherwise the connection is terminated) and that belongs to this
 *   charge point (A00.FR.405: the subject's CN is its unique serial number; chargebridge takes
 *   the charge point identity, the URL's last segment, as that serial number, and requires the
 *   CN to equal it exactly). With OCPP_TLS_ORGANIZATION set, the subject's O must equal it
 *   (A00.FR.404: the certificate is owned by the CPO).
 */
import type { SecurityProfile } from '../contracts/registry.ts';
import type { ClientCertificate } from './client-certificate.ts';

export interface ProfileInput {
  profile: SecurityProfile;
  identity: string;
  secure: boolean;
  clientCertificate: ClientCertificate | null;
  hasPassword: boolean;
  /** OCPP_TLS_ORGANIZATION. */
  organization?: string | undefined;
  /** The certificate is in the register of issued certificates as revoked (contracts/certificates.ts). */
  revoked?: boolean | undefined;
}

/** Stable reason codes, logged with each refusal (docs/security.md). */
export type ProfileRefusal =
  | 'TLS_REQUIRED'
  | 'PASSWORD_NOT_SET'
  | 'CLIENT_CERT_MISSING'
  | 'CLIENT_CERT_UNTRUSTED'
  | 'CLIENT_CERT_REVOKED'
  | 'CLIENT_CERT_IDENTITY_MISMATCH'
  | 'CLIENT_CERT_ORGANIZATION_MISMATCH';

export type ProfileVerdict =
  | { ok: true; checkPassword: boolean }
  | { ok: false; status: 401 | 403; reason: ProfileRefusal; message: string; detail?: string | undefined };

export function checkSecurityProfile(i: ProfileInput): ProfileVerdict {
  if (i.profile === 1) return { ok: true, checkPassword: i.hasPassword };
  if (!i.secure) return { ok: false, status: 403, reason: 'TLS_REQUIRED', message: `Security profile ${i.profile} requires TLS (wss://)` };
  if (i.profile === 2) {
    // A00.FR.302: a password with every connection; a profile-2 device without one is a
    // registry mistake, refused rather than let in unauthenticated.
    if (!i.hasPassword) return { ok: false, status: 401, reason: 'PASSWORD_NOT_SET', message: 'Unauthorized' };
    return { ok: true, checkPassword: true };
  }
  const cert = i.clientCertificate;
  if (!cert) return { ok: false, status: 401, reason: 'CLIENT_CERT_MISSING', message: 'Security profile 3 requires a client certificate' };
  if (!cert.verified) return { ok: false, status: 401, reason: 'CLIENT_CERT_UNTRUSTED', message: 'Client certificate not trusted', detail: cert.error ?? undefined };
  // Revoked through the API (docs/security.md "Revocation"): no longer trusted, whatever its validity.
  if (i.revoked) return { ok: false, status: 401, reason: 'CLIENT_CERT_REVOKED', message: 'Client certificate revoked', detail: `serial ${cert.serialNumber}` };
  if (cert.commonName !== i.identity) {
    return { ok: false, status: 403, reason: 'CLIENT_CERT_IDENTITY_MISMATCH', message: 'Client certificate was issued for another charge point', detail: `CN ${JSON.stringify(cert.commonName)}` };
  }
  if (i.organization !== undefined && cert.organization !== i.organization) {
    return { ok: false, status: 403, reason: 'CLIENT_CERT_ORGANIZATION_MISMATCH', message: 'Client certificate not issued to this operator', detail: `O ${JSON.stringify(cert.organization)}` };
  }
  // Profile 3 authenticates with the certificate alone (A00.FR.401).
  return { ok: true, checkPassword: false };
}
