/**
 * The CA that signs chargers' CSRs (OCPP_CSR_CA_CERT_FILE, OCPP_CSR_CA_KEY_FILE; OCPP 1.6 security
 * whitepaper A02/A03, remark 8: "The CPO may act as a Certification Authority"), and the
 * certificates it issues (§2.6.1 certificate properties):
 *
 * - X.509 v3 in PEM (A00.FR.507) with a random 128-bit serial number (A00.FR.508);
 * - the subject is the CSR's O and CN (A00.FR.509, A00.FR.511), nothing else: no subjectAltName
 *   (A00.FR.511 note), whatever else the request asked for;
 * - the CSR's public key; key usage digitalSignature, extended key usage TLS client auth, not a CA
 *   (A00.FR.512);
 * - signed with ECDSA for an EC CA key (SHA-256, -384, -512 by curve) or RSA-PSS with SHA-256
 *   for an RSA one (A00.FR.505, A00.FR.506);
 * - valid from 5 minutes ago (a charger's clock may be behind; it switches to the certificate
 *   once it is valid, A02.FR.08) for OCPP_CSR_VALIDITY_DAYS, never past the CA's own end.
 *
 * The files are read again when they change (checked at each signing: a CSR is rare), so a CA
 * renewed on disk signs from its next CSR on; files that do not load keep the previous CA.
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { X509Certificate } from '@peculiar/x509';
import { ConfigError } from '../../common/config.ts';
import type { Logger } from '../../common/logger.ts';
import { pemCertificates } from '../../common/tls-files.ts';
import type { ParsedCsr } from './csr.ts';
import { x509 } from './x509.ts';

export interface CaFiles {
  certFile: string;
  keyFile: string;
}

export interface SigningCa {
  /** The signing CA (the first certificate of OCPP_CSR_CA_CERT_FILE). */
  cert: X509Certificate;
  /** Every certificate of OCPP_CSR_CA_CERT_FILE, PEM, in the file's order: sent after the leaf. */
  chainPem: string;
  /** SHA-256 fingerprint of the signing CA, as node:crypto spells it (AA:BB:...). */
  fingerprint256: string;
  subject: string;
  notAfter: Date;
  /** WebCrypto's key (the DOM type @peculiar/x509 is typed with). */
  key: CryptoKey;
  /** The signature algorithm, as WebCrypto names it, with its hash. */
  algorithm: SigningAlgorithm;
}

export type SigningAlgorithm = { name: 'ECDSA'; hash: string } | { name: 'RSA-PSS'; hash: string; saltLength: number };

export interface Issued {
  pem: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

const CURVES: Readonly<Record<string, { webcrypto: string; hash: string }>> = {
  prime256v1: { webcrypto: 'P-256', hash: 'SHA-256' },
  secp384r1: { webcrypto: 'P-384', hash: 'SHA-384' },
  secp521r1: { webcrypto: 'P-521', hash: 'SHA-512' },
};

const CERT_VAR = 'OCPP_CSR_CA_CERT_FILE';
const KEY_VAR = 'OCPP_CSR_CA_KEY_FILE';

/** The CA files of the configuration, when certificates are signed here. */
export function caFiles(config: { OCPP_CSR_CA_CERT_FILE?: string | undefined; OCPP_CSR_CA_KEY_FILE?: string | undefined; OCPP_CSR_MODE?: string | undefined }): CaFiles | null {
  if (!config.OCPP_CSR_CA_CERT_FILE || !config.OCPP_CSR_CA_KEY_FILE || config.OCPP_CSR_MODE === 'reject') return null;
  return { certFile: config.OCPP_CSR_CA_CERT_FILE, keyFile: config.OCPP_CSR_CA_KEY_FILE };
}

function read(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${variable}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/**
 * Reads and checks the CA: a CA certificate in date whose key is the key file's, a key type it
 * can sign with. Throws a ConfigError with one line naming the variable, never the key.
 */
export async function loadSigningCa(files: CaFiles, now = new Date()): Promise<SigningCa> {
  const certText = read(files.certFile, CERT_VAR);
  let chain: NodeX509[];
  try {
    chain = pemCertificates(certText);
  } catch (err) {
    throw new ConfigError([`${CERT_VAR}: not PEM certificates (${(err as Error).message})`]);
  }
  const first = chain[0];
  if (!first) throw new ConfigError([`${CERT_VAR}: no certificate in ${JSON.stringify(files.certFile)}`]);
  if (!first.ca) throw new ConfigError([`${CERT_VAR}: the first certificate (${first.subject.replace(/\n/g, ', ')}) is not a CA (basicConstraints CA:TRUE)`]);
  if (now > new Date(first.validTo)) throw new ConfigError([`${CERT_VAR}: the CA expired on ${new Date(first.validTo).toISOString()}`]);
  let key: KeyObject;
  try {
    key = createPrivateKey(read(files.keyFile, KEY_VAR));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // Node's reason (a decoder error, "Passphrase required") names no part of the key.
    throw new ConfigError([`${KEY_VAR}: ${JSON.stringify(files.keyFile)} is not an unencrypted PEM private key (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(first.publicKey))) throw new ConfigError([`${KEY_VAR}: ${JSON.stringify(files.keyFile)} is not the key of ${CERT_VAR}'s first certificate`]);
  let algorithm: SigningAlgorithm;
  let importAs: { name: 'ECDSA'; namedCurve: string } | { name: 'RSA-PSS'; hash: string };
  if (key.asymmetricKeyType === 'ec') {
    const c = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!c) throw new ConfigError([`${KEY_VAR}: curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported (P-256, P-384, P-521)`]);
    algorithm = { name: 'ECDSA', hash: c.hash };
    importAs = { name: 'ECDSA', namedCurve: c.webcrypto };
  } else if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new ConfigError([`${KEY_VAR}: an RSA key of 2048 bits at least (whitepaper A00.FR.502)`]);
    algorithm = { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 };
    importAs = { name: 'RSA-PSS', hash: 'SHA-256' };
  } else {
    throw new ConfigError([`${KEY_VAR}: a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign here (EC or RSA)`]);
  }
  const signingKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), importAs, false, ['sign']);
  const lib = await x509();
  const pems = chain.map((c) => c.toString().trim());
  const cert = new lib.X509Certificate(pems[0]!);
  return { cert, chainPem: `${pems.join('\n')}\n`, fingerprint256: first.fingerprint256, subject: first.subject.replace(/\n/g, ', '), notAfter: new Date(first.validTo), key: signingKey as unknown as CryptoKey, algorithm };
}

/** A positive serial of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

export async function issueCertificate(ca: SigningCa, csr: Pick<ParsedCsr, 'commonName' | 'organization' | 'publicKey' | 'key'>, days: number, now = new Date()): Promise<Issued> {
  if (csr.commonName === null || csr.organization === null) throw new Error('issueCertificate: a checked CSR has one CN and one O');
  const lib = await x509();
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const wanted = new Date(now.getTime() + days * 86_400_000);
  const notAfter = wanted > ca.notAfter ? ca.notAfter : wanted;
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ O: [csr.organization] }, { CN: [csr.commonName] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.clientAuth]),
      await lib.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { pem: cert.toString('pem'), serialNumber: cert.serialNumber.toUpperCase(), notBefore: cert.notBefore, notAfter: cert.notAfter };
}

function signature(files: CaFiles): string {
  return [files.certFile, files.keyFile]
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

export interface Authority {
  /** The CA as its files are now; the previous one when they changed and do not load; rejects when none ever loaded. */
  current(): Promise<SigningCa>;
}

export function createAuthority(files: CaFiles, log: Logger): Authority {
  let loaded: { sig: string; ca: SigningCa } | undefined;
  let failedSig = '';
  return {
    async current() {
      const sig = signature(files);
      if (loaded && loaded.sig === sig) return loaded.ca;
      if (loaded && failedSig === sig) return loaded.ca;
      try {
        const ca = await loadSigningCa(files);
        if (loaded) log.info({ subject: ca.subject, fingerprint256: ca.fingerprint256 }, 'CSR signing CA reloaded');
        loaded = { sig, ca };
        failedSig = '';
        return ca;
      } catch (err) {
        if (!loaded) throw err;
        if (failedSig !== sig) log.warn({ reason: (err as Error).message }, 'CSR signing CA files changed but do not load; keeping the previous CA');
        failedSig = sig;
        return loaded.ca;
      }
    },
  };
}
