/**
 * A test PKI made by the test itself with the `openssl` CLI (node:crypto makes keys but cannot
 * sign X.509 certificates): a CA, server certificates for 127.0.0.1/localhost, and charger
 * (client) certificates with the charge point identity as CN (whitepaper A00.FR.511). Every
 * file is PEM in a temporary directory; nothing is shared between tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Issued {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

export interface TestCa extends Issued {
  name: string;
  /** A server certificate (CN=localhost, SAN IP 127.0.0.1 and DNS localhost); ECDSA P-256, or RSA 2048. */
  server(name?: string, opts?: { rsa?: boolean }): Issued;
  /** A charger certificate: CN = the identity, O = the organization, clientAuth. */
  client(commonName: string, opts?: { organization?: string; days?: number }): Issued;
  /** Any leaf: an OpenSSL subject (`/O=x/CN=y`) and extension lines. */
  leaf(subject: string, ext: string, days?: number): Issued;
  /** An intermediate CA signed by this one. */
  intermediate(name: string): TestCa;
}

/** A key pair and a PKCS #10 request for it, as a charger makes them (whitepaper A02.FR.02/03). */
export interface TestCsr {
  csrPem: string;
  keyPem: string;
  key: string;
}

export interface Pki {
  dir: string;
  /** A self-signed CA, valid for `days` (2). */
  ca(name: string, opts?: { days?: number; rsa?: boolean }): TestCa;
  /** A CSR with this OpenSSL subject (`/O=x/CN=y`); ECDSA P-256 unless `newkey` says otherwise (`rsa:1024`, `ec:prime192v1`, `ed25519:`). */
  csr(subject: string, opts?: { newkey?: string }): TestCsr;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createPki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-pki-'));
  let n = 0;
  const issued = (base: string): Issued => {
    const cert = path.join(dir, `${base}.pem`);
    const key = path.join(dir, `${base}.key`);
    return { cert, key, certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const makeCa = (base: string, name: string): TestCa => {
    const ca = issued(base);
    const sign = (subject: string, ext: string, days: number, out = `leaf-${++n}`, key = ec): Issued => {
      openssl(['req', '-new', '-utf8', ...key, '-keyout', `${out}.key`, '-out', `${out}.csr`, '-subj', subject], dir);
      writeFileSync(path.join(dir, `${out}.ext`), ext);
      openssl(['x509', '-req', '-in', `${out}.csr`, '-CA', `${base}.pem`, '-CAkey', `${base}.key`, '-CAcreateserial', '-out', `${out}.pem`, '-days', String(days), '-extfile', `${out}.ext`], dir);
      return issued(out);
    };
    return {
      ...ca,
      name,
      server: (cn = 'localhost', opts = {}) =>
        sign(
          `/O=chargebridge tests/CN=${cn}`,
          `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature${opts.rsa ? ',keyEncipherment' : ''}\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`,
          2,
          `leaf-${++n}`,
          opts.rsa ? ['-newkey', 'rsa:2048', '-nodes'] : ec,
        ),
      client: (cn, opts = {}) => sign(`/O=${opts.organization ?? 'chargebridge tests'}/CN=${cn}`, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n', opts.days ?? 2),
      leaf: (subject, ext, days = 2) => sign(subject, ext, days),
      intermediate: (child) => {
        sign(`/O=chargebridge tests/CN=${child}`, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n', 2, `ca-${child}`);
        return makeCa(`ca-${child}`, child);
      },
    };
  };
  return {
    dir,
    ca(name, opts = {}) {
      const base = `ca-${name}`;
      const key = opts.rsa ? ['-newkey', 'rsa:2048', '-nodes'] : ec;
      openssl(['req', '-x509', '-utf8', ...key, '-keyout', `${base}.key`, '-out', `${base}.pem`, '-days', String(opts.days ?? 2), '-subj', `/O=chargebridge tests/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
      return makeCa(base, name);
    },
    csr(subject, opts = {}) {
      const out = `csr-${++n}`;
      const [alg, param] = (opts.newkey ?? 'ec:prime256v1').split(':');
      const newkey = alg === 'rsa' ? ['-newkey', `rsa:${param}`] : alg === 'ec' ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${param}`] : ['-newkey', alg!];
      openssl(['req', '-new', '-utf8', ...newkey, '-nodes', '-keyout', `${out}.key`, '-out', `${out}.csr`, '-subj', subject], dir);
      return { csrPem: readFileSync(path.join(dir, `${out}.csr`), 'utf8'), keyPem: readFileSync(path.join(dir, `${out}.key`), 'utf8'), key: path.join(dir, `${out}.key`) };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
