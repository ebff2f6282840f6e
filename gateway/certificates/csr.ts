/**
 * A charger's certificate signing request (SignCertificate: OCPP 1.6 security whitepaper §5.17,
 * use cases A02/A03; OCPP 2.0.1 A02/A03): "a Certificate Signing Request (CSR) as described in
 * RFC 2986 and then PEM encoded" (A02.FR.03, A03.FR.03). `readCsr` parses it and verifies its
 * self-signature (the charger holds the key it asks a certificate for); `checkCsr` is pure and
 * decides whether the gateway may have it signed (docs/security.md "Certificate lifecycle"):
 *
 * - the subject's CN is the charge point identity (A00.FR.511: the CN of a Charge Point
 *   certificate is its unique serial number, which chargebridge takes to be its identity, as for
 *   profile 3 at the handshake: A00.FR.405);
 * - the subject's O is present (A00.FR.509; A02.FR.13, A03.FR.13: the charger puts CpoName in it)
 *   and, with OCPP_TLS_ORGANIZATION set, equal to it (A00.FR.404);
 * - the key is RSA of 2048 bits or more (A00.FR.502) or elliptic curve of 224 bits or more
 *   (A00.FR.503), the two key types of the whitepaper's TLS cipher suites (A00.FR.317); of the
 *   curves, P-256, P-384 and P-521 (NIST, the ones WebCrypto verifies and TLS stacks offer);
 * - when the gateway signs: a certificate for the Charging Station to CSMS connection (2.0.1
 *   certificateType ChargingStationCertificate, or none); ISO 15118 certificates (V2GCertificate)
 *   belong to another hierarchy, and are only forwarded (with their key and signature checked:
 *   their CN names the SECC, not the station).
 */
import { createPublicKey } from 'node:crypto';
import type { PublicKey } from '@peculiar/x509';
import { x509 } from './x509.ts';

/** Stable reason codes of a refused CSR (its `csrRefused` event, docs/security.md). */
export type CsrRefusal =
  | 'CSR_MALFORMED'
  | 'CSR_SIGNATURE_INVALID'
  | 'CSR_IDENTITY_MISMATCH'
  | 'CSR_ORGANIZATION_MISMATCH'
  | 'CSR_KEY_UNSUPPORTED'
  | 'CSR_KEY_TOO_WEAK'
  | 'CSR_TYPE_UNSUPPORTED';

export type CsrKey = { type: 'rsa'; bits: number } | { type: 'ec'; curve: string; bits: number | null } | { type: 'other'; name: string };

/** What the checks look at. */
export interface CsrFacts {
  /** The subject's CN; null when absent or given more than once. */
  commonName: string | null;
  /** The subject's O; null when absent or given more than once. */
  organization: string | null;
  key: CsrKey;
  /** The request's signature verifies with its own public key. */
  signatureValid: boolean;
}

export interface ParsedCsr extends CsrFacts {
  /** The request's key, for the certificate. */
  publicKey: PublicKey;
  /** The PEM block as given (forwarded as is). */
  pem: string;
}

export interface CsrExpectation {
  identity: string;
  /** OCPP_TLS_ORGANIZATION. */
  organization?: string | undefined;
  /** 2.x SignCertificate certificateType; absent in 1.6. */
  certificateType?: string | undefined;
  /** The gateway signs it (OCPP_CSR_MODE sign) rather than forwarding it. */
  signing: boolean;
}

export type CsrVerdict = { ok: true } | { ok: false; reason: CsrRefusal; detail: string };

/** Named curves by OpenSSL name, with their size in bits (for the reason a key is refused). */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime192v1: 192,
  secp160r1: 160,
  secp224r1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

/** The curves WebCrypto verifies a request's signature with (and TLS stacks commonly offer). */
const SUPPORTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

const PEM_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]*?-----END (NEW )?CERTIFICATE REQUEST-----/g;

function keyOf(spki: ArrayBuffer): CsrKey {
  const k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: d.modulusLength ?? 0 };
  if (k.asymmetricKeyType === 'ec') {
    const curve = d.namedCurve ?? 'unknown';
    return { type: 'ec', curve, bits: Object.hasOwn(CURVE_BITS, curve) ? CURVE_BITS[curve]! : null };
  }
  return { type: 'other', name: k.asymmetricKeyType ?? 'unknown' };
}

/** Parses a PEM CSR and verifies its signature; only a request that cannot be read at all fails. */
export async function readCsr(text: string): Promise<{ ok: true; csr: ParsedCsr } | { ok: false; reason: 'CSR_MALFORMED'; detail: string }> {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length !== 1) return { ok: false, reason: 'CSR_MALFORMED', detail: blocks.length === 0 ? 'no PEM CERTIFICATE REQUEST block' : `${blocks.length} PEM blocks, expected one` };
  const pem = blocks[0]!;
  const lib = await x509();
  let req: InstanceType<typeof lib.Pkcs10CertificateRequest>;
  let key: CsrKey;
  try {
    req = new lib.Pkcs10CertificateRequest(pem);
    key = keyOf(req.publicKey.rawData);
  } catch (err) {
    return { ok: false, reason: 'CSR_MALFORMED', detail: `not a PKCS #10 request (${(err as Error).message.slice(0, 120)})` };
  }
  const one = (field: string): string | null => {
    const v = req.subjectName.getField(field);
    return v.length === 1 ? v[0]! : null;
  };
  let signatureValid = false;
  // Only keys checkCsr accepts are verified: anything else is refused for its key, not its signature.
  if (keyProblem(key) === null) {
    try {
      signatureValid = await req.verify();
    } catch {
      signatureValid = false;
    }
  }
  return { ok: true, csr: { commonName: one('CN'), organization: one('O'), key, signatureValid, publicKey: req.publicKey, pem } };
}

export function checkCsr(csr: CsrFacts, want: CsrExpectation): CsrVerdict {
  const key = keyProblem(csr.key);
  if (key) return key;
  if (!csr.signatureValid) return { ok: false, reason: 'CSR_SIGNATURE_INVALID', detail: 'the request is not signed by its own key' };
  // ISO 15118 certificates (2.x V2GCertificate, 2.1 V2G20Certificate) name the SECC, not the station.
  if (want.certificateType !== undefined && want.certificateType !== 'ChargingStationCertificate') {
    if (want.signing) return { ok: false, reason: 'CSR_TYPE_UNSUPPORTED', detail: `certificateType ${want.certificateType}: only ChargingStationCertificate is signed here` };
    return { ok: true };
  }
  if (csr.commonName !== want.identity) return { ok: false, reason: 'CSR_IDENTITY_MISMATCH', detail: `CN ${JSON.stringify(csr.commonName)}` };
  if (csr.organization === null || (want.organization !== undefined && csr.organization !== want.organization)) {
    return { ok: false, reason: 'CSR_ORGANIZATION_MISMATCH', detail: `O ${JSON.stringify(csr.organization)}` };
  }
  return { ok: true };
}

/** Null when the key is one the gateway verifies and the whitepaper allows. */
function keyProblem(k: CsrKey): Extract<CsrVerdict, { ok: false }> | null {
  if (k.type === 'other') return { ok: false, reason: 'CSR_KEY_UNSUPPORTED', detail: `${k.name} key (RSA or EC only)` };
  if (k.type === 'rsa' && k.bits < 2048) return { ok: false, reason: 'CSR_KEY_TOO_WEAK', detail: `RSA ${k.bits} bits (2048 at least)` };
  if (k.type === 'ec') {
    if (k.bits !== null && k.bits < 224) return { ok: false, reason: 'CSR_KEY_TOO_WEAK', detail: `curve ${k.curve} (${k.bits} bits, 224 at least)` };
    if (!SUPPORTED_CURVES.has(k.curve)) return { ok: false, reason: 'CSR_KEY_UNSUPPORTED', detail: `curve ${k.curve} (P-256, P-384 or P-521)` };
  }
  return null;
}
