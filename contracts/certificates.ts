/**
 * The register of client certificates the gateway's CA signed for chargers (OCPP_CSR_MODE=sign;
 * gateway/certificates/service.ts), kept in the registry (migration 11), and their revocation:
 * a revoked certificate is refused at the handshake (CLIENT_CERT_REVOKED, docs/security.md).
 */

/**
 * - `issued`: signed and sent in CertificateSigned, the charger's answer not (yet) known;
 * - `installed`: the charger answered Accepted (A02.FR.06);
 * - `rejected`: the charger refused it (A02.FR.07), it is not in use;
 * - `revoked`: an operator revoked it; a connection presenting it is refused.
 * An expired certificate keeps its status: `notAfter` says it.
 */
export type CertificateStatus = 'issued' | 'installed' | 'rejected' | 'revoked';

export interface IssuedCertificate {
  /** Hexadecimal, upper case, as node:crypto spells it (X509Certificate#serialNumber). */
  serialNumber: string;
  deviceId: string;
  commonName: string;
  /** SHA-256 fingerprint, AA:BB:... as node:crypto and the TLS layer spell it: how the handshake finds it. */
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  status: CertificateStatus;
  issuedAt: string;
  updatedAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
}

export type NewIssuedCertificate = Pick<IssuedCertificate, 'serialNumber' | 'deviceId' | 'commonName' | 'fingerprint256' | 'notBefore' | 'notAfter'>;

export interface CertificateRegisterStore {
  /** Records a certificate just signed, as `issued`; null when the device does not exist. */
  recordCertificate(input: NewIssuedCertificate): Promise<IssuedCertificate | null>;
  /** The charger's answer to CertificateSigned: `installed` or `rejected`, only from `issued`; null otherwise. */
  setCertificateAnswer(serialNumber: string, installed: boolean): Promise<IssuedCertificate | null>;
  /** The device's certificates, newest first. */
  listCertificates(deviceId: string): Promise<IssuedCertificate[]>;
  /** Revokes the device's certificate; one already revoked keeps its first revocation. Null when the device has no such certificate. */
  revokeCertificate(deviceId: string, serialNumber: string, reason: string | null): Promise<IssuedCertificate | null>;
  findCertificateByFingerprint(fingerprint256: string): Promise<IssuedCertificate | null>;
}
