/**
 * TLS certificate, key and CA from PEM files, and their reload without a restart: a periodic
 * check (every TLS_RELOAD_INTERVAL seconds) compares each file's inode, size and mtime, and on a
 * change reads them again and hands a new secure context to the running server
 * (`tls.Server#setSecureContext`): connections open keep theirs, new handshakes get the new one.
 *
 * A periodic stat rather than fs.watch: a renewal tool (certbot, cert-manager's symlink swap
 * in a Kubernetes secret volume) replaces files by rename, which inotify watches on the old
 * inode miss. A half-written renewal (a new certificate, the old key) does not load: the old
 * context stays and the next check tries again; it is logged once per change.
 */
import { readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from './config.ts';
import type { Logger } from './logger.ts';

interface TlsFile {
  file: string;
  variable: string;
}

/**
 * The files of one listener, with the variables that named them (for errors). Several
 * certificate/key pairs serve several key types at once (an RSA and an ECDSA certificate:
 * OCPP 1.6 security whitepaper A00.FR.317/A00.FR.421 ask a Central System for suites of both).
 */
export interface TlsSource {
  pairs: Array<{ cert: TlsFile; key: TlsFile }>;
  ca?: TlsFile | undefined;
}

/**
 * Reads and checks the files (the key matches the certificate, the PEM parses). Throws a
 * ConfigError with one line naming the variable; never the file's content.
 */
export function readTls(source: TlsSource): SecureContextOptions {
  const read = (f: TlsFile) => {
    try {
      return readFileSync(f.file);
    } catch (err) {
      throw new ConfigError([`${f.variable}: cannot read ${JSON.stringify(f.file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  };
  const certs = source.pairs.map((p) => read(p.cert));
  const keys = source.pairs.map((p) => read(p.key));
  const opts: SecureContextOptions = { cert: certs, key: keys, ...(source.ca ? { ca: read(source.ca) } : {}) };
  // OpenSSL's reason (e.g. "key values mismatch", "no start line") names no secret.
  const check = (o: SecureContextOptions, variable: string, what: string) => {
    try {
      createSecureContext(o);
    } catch (err) {
      throw new ConfigError([`${variable}: ${what} (${(err as Error).message})`]);
    }
  };
  source.pairs.forEach((p, i) => {
    const which = source.pairs.length > 1 ? ` ${JSON.stringify(p.cert.file)}` : '';
    check({ cert: certs[i] }, p.cert.variable, `not a PEM certificate${which}`);
    check({ cert: certs[i], key: keys[i] }, p.key.variable, `${JSON.stringify(p.key.file)} is not the PEM private key of ${p.cert.variable}${which}`);
  });
  // OpenSSL accepts a CA file with no certificate in it at all: parse each one ourselves.
  if (source.ca) {
    try {
      if (pemCertificates(opts.ca!.toString()).length === 0) throw new Error('no certificate in it');
    } catch (err) {
      throw new ConfigError([`${source.ca.variable}: not PEM CA certificates (${(err as Error).message})`]);
    }
  }
  return opts;
}

/** Every certificate of a PEM bundle (a CA file may hold roots and intermediates). */
export function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function signature(source: TlsSource): string {
  return [...source.pairs.flatMap((p) => [p.cert, p.key]), source.ca]
    .map((f) => {
      if (!f) return '-';
      try {
        const s = statSync(f.file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

export interface TlsWatch {
  stop(): void;
  /** Context reloads applied since start. */
  readonly reloads: number;
}

/** Calls `apply` with freshly read files whenever one of them changes. */
export function watchTls(source: TlsSource, intervalMs: number, log: Logger, apply: (opts: SecureContextOptions) => void): TlsWatch {
  let seen = signature(source);
  let failedAt = '';
  let reloads = 0;
  const timer = setInterval(() => {
    const now = signature(source);
    if (now === seen) return;
    try {
      apply(readTls(source));
      seen = now;
      failedAt = '';
      reloads++;
      log.info({ cert: source.pairs.map((p) => p.cert.file) }, 'TLS certificate reloaded');
    } catch (err) {
      // Keep serving with the old context; retried at every check until the files agree.
      if (failedAt !== now) log.warn({ reason: (err as Error).message }, 'TLS files changed but do not load; keeping the previous certificate');
      failedAt = now;
    }
  }, intervalMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get reloads() {
      return reloads;
    },
  };
}

/** Comma-separated file lists, paired in order (config.ts checks the counts agree). */
function pairs(certs: string, keys: string, certVar: string, keyVar: string): TlsSource['pairs'] {
  const c = fileList(certs);
  const k = fileList(keys);
  return c.map((file, i) => ({ cert: { file, variable: certVar }, key: { file: k[i]!, variable: keyVar } }));
}

export function fileList(v: string): string[] {
  return v
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

/** The OCPP listener's files, when OCPP_TLS_CERT_FILE is set. */
export function ocppTlsSource(config: { OCPP_TLS_CERT_FILE?: string | undefined; OCPP_TLS_KEY_FILE?: string | undefined; OCPP_TLS_CA_FILE?: string | undefined }): TlsSource | null {
  if (!config.OCPP_TLS_CERT_FILE || !config.OCPP_TLS_KEY_FILE) return null;
  return {
    pairs: pairs(config.OCPP_TLS_CERT_FILE, config.OCPP_TLS_KEY_FILE, 'OCPP_TLS_CERT_FILE', 'OCPP_TLS_KEY_FILE'),
    ca: config.OCPP_TLS_CA_FILE ? { file: config.OCPP_TLS_CA_FILE, variable: 'OCPP_TLS_CA_FILE' } : undefined,
  };
}

/** The HTTP and embedded MQTT listeners' files, when TLS_CERT_FILE is set. */
export function platformTlsSource(config: { TLS_CERT_FILE?: string | undefined; TLS_KEY_FILE?: string | undefined }): TlsSource | null {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return null;
  return { pairs: pairs(config.TLS_CERT_FILE, config.TLS_KEY_FILE, 'TLS_CERT_FILE', 'TLS_KEY_FILE') };
}
