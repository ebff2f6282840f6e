/**
 * The in-process system with OCPP over TLS that the security tests run against
 * (certificate-revocation, security-profile-upgrade): a PKI made by the test (test/pki.ts) with
 * the chargers' CA and the central system's, the gateway on a TLS port of its own trusting the
 * chargers' CA, refused handshakes not locking anyone out (these suites make many from one
 * address), an admin API client and a platform listening to every device's events.
 */
import { ADMIN_TOKEN, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { createPki, type Pki, type TestCa } from './pki.ts';

export interface TlsSystem {
  sys: System;
  admin: ReturnType<typeof api>;
  platform: Platform;
  pki: Pki;
  /** Issues the chargers' client certificates; the gateway's OCPP_TLS_CA_FILE. */
  ca: TestCa;
  /** Issued the gateway's server certificate: what a charger trusts. */
  serverCa: TestCa;
  /** `wss://127.0.0.1:<the OCPP TLS port>`. */
  tlsUrl: string;
  /** Closes the platform, stops the system, removes the PKI. */
  stop(): Promise<void>;
}

/** `signCsrs`: the chargers' CA also signs their CSRs (OCPP_CSR_CA_CERT_FILE / _KEY_FILE). */
export async function startTlsSystem(opts: { signCsrs?: boolean } = {}): Promise<TlsSystem> {
  const pki = createPki();
  let sys: System | undefined;
  let platform: Platform | undefined;
  const stop = async () => {
    await platform?.close();
    await sys?.stop();
    pki.cleanup();
  };
  try {
    const ca = pki.ca('chargers');
    const serverCa = pki.ca('central-system');
    const server = serverCa.server();
    sys = await startSystem({
      AUTO_PROVISION: 'false',
      OCPP_TLS_CERT_FILE: server.cert,
      OCPP_TLS_KEY_FILE: server.key,
      OCPP_TLS_CA_FILE: ca.cert,
      ...(opts.signCsrs ? { OCPP_CSR_CA_CERT_FILE: ca.cert, OCPP_CSR_CA_KEY_FILE: ca.key } : {}),
      OCPP_TLS_PORT: '0',
      OCPP_AUTH_MAX_FAILURES: '1000',
      OCPP_AUTH_LOCKOUT_MS: '1',
      OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
    });
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/events'] });
    return { sys, admin, platform, pki, ca, serverCa, tlsUrl: `wss://127.0.0.1:${sys.ports.ocppTls}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
