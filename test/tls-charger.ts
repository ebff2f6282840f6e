/**
 * The OCPP charger of the security tests (certificate-revocation, security-profile-upgrade,
 * ocpp-tls): ocpp-rpc's RPCClient in strict mode without reconnects, over wss when it is given
 * a CA to trust, and the HTTP status its handshake was refused with.
 */
import { RPCClient } from 'ocpp-rpc';
import type { TestCa } from './pki.ts';

export interface ChargerDial {
  /** `wss://…` with `trust`, `ws://…` without. */
  endpoint: string;
  identity: string;
  /** Default 'ocpp1.6'. */
  protocol?: 'ocpp1.6' | 'ocpp2.0.1';
  /** HTTP Basic (profiles 1 and 2). */
  password?: string | undefined;
  /** TLS 1.2 or later, trusting the server certificates of this CA. */
  trust?: TestCa | undefined;
  /** A client certificate (profile 3); only with `trust`. */
  client?: { certPem: string; keyPem: string } | null | undefined;
}

export function dialCharger(d: ChargerDial): RPCClient {
  return new RPCClient({
    endpoint: d.endpoint,
    identity: d.identity,
    protocols: [d.protocol ?? 'ocpp1.6'],
    strictMode: true,
    reconnect: false,
    ...(d.password !== undefined ? { password: d.password } : {}),
    wsOpts: d.trust ? { minVersion: 'TLSv1.2', ca: d.trust.certPem, ...(d.client ? { cert: d.client.certPem, key: d.client.keyPem } : {}) } : {},
  } as ConstructorParameters<typeof RPCClient>[0]);
}

/** Connects: the HTTP status the handshake was refused with, or 0 when it was accepted (and closed). */
export async function handshakeStatus(cp: RPCClient): Promise<number> {
  try {
    await cp.connect();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  await cp.close({ force: true });
  return 0;
}
