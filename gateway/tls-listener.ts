/**
 * The gateway's TLS side: the wss listener on OCPP_TLS_PORT (its certificate reloaded when the
 * files change, common/tls-files.ts), and the CAs a certificate forwarded by a trusted proxy
 * must chain to (OCPP_TLS_CA_FILE, read again when it changes).
 */
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { Burst } from '../common/burst.ts';
import { ocppTlsSource, pemCertificates, readTls, watchTls } from '../common/tls-files.ts';

export interface TlsListener {
  /** Resolves with the port bound. */
  listen(): Promise<number>;
  close(): void;
}

/**
 * wss for security profiles 2 and 3 (OCPP 1.6 security whitepaper §2.4, §2.5): TLS 1.2 or
 * above only (A00.FR.312, A00.FR.416); a client certificate is asked for when a CA is
 * configured, and its verdict left to the handshake (rejectUnauthorized: false) so that a
 * refusal is an HTTP status with a logged reason, per device, rather than a bare TLS alert.
 */
export function createTlsListener(config: Config, log: Logger, onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): TlsListener {
  const source = ocppTlsSource(config);
  if (!source) throw new Error('createTlsListener without OCPP_TLS_CERT_FILE');
  const s = createServer({ ...readTls(source), minVersion: 'TLSv1.2', requestCert: source.ca !== undefined, rejectUnauthorized: false, noDelay: true }, (_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  s.on('upgrade', onUpgrade);
  // A failed TLS handshake (an old protocol version, A00.FR.418) has no HTTP status to answer.
  // At most 5 lines a minute: port scanners fail TLS handshakes all day.
  const failures = new Burst(5, 60_000);
  s.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
    const b = failures.take(Date.now());
    if (b.suppressed) log.warn({ suppressed: b.suppressed }, 'more failed TLS handshakes in the last minute were not logged');
    if (b.ok) log.warn({ remoteAddress: socket.remoteAddress, code: err.code, reason: err.message }, 'TLS handshake with a charger failed');
  });
  const watch = watchTls(source, config.TLS_RELOAD_INTERVAL * 1000, log, (opts) => s.setSecureContext(opts));
  return {
    async listen() {
      // The same accept backlog as the plain listener (gateway/index.ts: reconnection storms).
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ port: config.OCPP_TLS_PORT, host: config.HOST, backlog: 8192 }, () => {
          s.off('error', reject);
          resolve();
        });
      });
      const addr = s.address();
      return typeof addr === 'object' && addr ? addr.port : config.OCPP_TLS_PORT;
    },
    close() {
      watch.stop();
      s.close();
    },
  };
}

/** The current CAs of OCPP_TLS_CA_FILE, read again at most every TLS_RELOAD_INTERVAL. */
export function caAnchors(config: Config, log: Logger): () => readonly X509Certificate[] {
  let state: { list: X509Certificate[]; checkedAt: number; raw: string } = { list: [], checkedAt: 0, raw: '' };
  return () => {
    const file = config.OCPP_TLS_CA_FILE;
    if (!file) return [];
    const now = Date.now();
    if (state.checkedAt !== 0 && now - state.checkedAt < config.TLS_RELOAD_INTERVAL * 1000) return state.list;
    try {
      const raw = readFileSync(file, 'utf8');
      state = { list: raw === state.raw ? state.list : pemCertificates(raw), checkedAt: now, raw };
    } catch (err) {
      log.warn({ err, file }, 'OCPP_TLS_CA_FILE cannot be read; keeping the CAs read before');
      state = { ...state, checkedAt: now };
    }
    return state.list;
  };
}
