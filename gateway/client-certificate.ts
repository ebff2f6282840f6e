/**
 * A charger's client certificate as the handshake sees it (OCPP 1.6 security whitepaper §2.5,
 * profile 3), whether the TLS stack received it or a trusted TLS-terminating proxy forwarded it
 * in a header (transport.ts).
 *
 * The TLS stack verifies the certification path itself (A00.FR.403: RFC 5280 §6) against
 * OCPP_TLS_CA_FILE and reports the verdict. A forwarded certificate is verified here: the proxy
 * proved the charger holds the key; that the certificate is ours to trust is checked again
 * against the same CA file (the proxy may accept more than this gateway does).
 */
import { X509Certificate } from 'node:crypto';

export interface ClientCertificate {
  /** The certification path ends at a CA of OCPP_TLS_CA_FILE and every certificate on it is in date. */
  verified: boolean;
  /** Why not, as an OpenSSL-style code (`CERT_HAS_EXPIRED`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, ...). */
  error: string | null;
  /** The subject's CN (commonName) RDN; null when absent or given more than once. */
  commonName: string | null;
  /** The subject's O (organizationName) RDN (A00.FR.404), null when absent or repeated. */
  organization: string | null;
  serialNumber: string;
  fingerprint256: string;
  /** End of validity (ISO 8601); empty when the certificate could not be read. */
  validTo: string;
  via: 'tls' | 'proxy';
}

/**
 * `X509Certificate#subject` is one `KEY=value` per line; Node quotes (JSON) any value holding
 * a special character, so a CN cannot smuggle a second `CN=` line in.
 */
export function subjectField(subject: string, key: string): string | null {
  const values: string[] = [];
  for (const line of subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0 || line.slice(0, eq) !== key) continue;
    const raw = line.slice(eq + 1);
    try {
      values.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      return null;
    }
  }
  return values.length === 1 ? values[0]! : null;
}

export function describeCertificate(x: X509Certificate, verdict: { verified: boolean; error: string | null }, via: ClientCertificate['via']): ClientCertificate {
  return {
    ...verdict,
    commonName: subjectField(x.subject, 'CN'),
    organization: subjectField(x.subject, 'O'),
    serialNumber: x.serialNumber,
    fingerprint256: x.fingerprint256,
    validTo: new Date(x.validTo).toISOString(),
    via,
  };
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Path validation for a forwarded certificate: issuer by issuer up to a self-signed CA, every
 * link issued (names) and signed (key) by the next, every certificate in date, each issuer a CA,
 * the leaf not a CA, and when the leaf restricts its extended key usage, TLS client auth in it.
 */
export function verifyChain(leaf: X509Certificate, anchors: readonly X509Certificate[], now = new Date()): string | null {
  if (anchors.length === 0) return 'NO_CA_CONFIGURED';
  if (leaf.ca) return 'INVALID_PURPOSE';
  const eku = leaf.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH)) return 'INVALID_PURPOSE';
  let cur = leaf;
  for (let depth = 0; depth < 8; depth++) {
    if (now < new Date(cur.validFrom)) return 'CERT_NOT_YET_VALID';
    if (now > new Date(cur.validTo)) return 'CERT_HAS_EXPIRED';
    const issuer = anchors.find((a) => a.ca && cur.checkIssued(a) && cur.verify(a.publicKey));
    if (!issuer) return depth === 0 ? 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' : 'UNABLE_TO_GET_ISSUER_CERT';
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) {
      if (now < new Date(issuer.validFrom)) return 'CERT_NOT_YET_VALID';
      if (now > new Date(issuer.validTo)) return 'CERT_HAS_EXPIRED';
      return null;
    }
    cur = issuer;
  }
  return 'CERT_CHAIN_TOO_LONG';
}
