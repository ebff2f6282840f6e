/**
 * Behind a TLS-terminating reverse proxy (TRUSTED_PROXIES): the charger's address, its TLS leg
 * and its client certificate are taken from the proxy's headers (X-Forwarded-For,
 * X-Forwarded-Proto, X-SSL-Client-Cert as nginx's `$ssl_client_escaped_cert`), and only from
 * the proxy's address. The proxy is played by a WebSocket client on 127.0.0.1 (trusted); a
 * charger forging the same headers connects from 127.0.0.2 (loopback too, not trusted).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runRole, type Proc } from './processes.ts';
import { ADMIN_TOKEN } from './harness.ts';
import { createPki, type Pki, type TestCa } from './pki.ts';

let pki: Pki;
let ca: TestCa;
let rogue: TestCa;
let proc: Proc;
let dir: string;
let ports: { ocpp: number; http: number };

async function device(chargePointId: string, securityProfile: 1 | 2 | 3, ocppPassword?: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${ports.http}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId, securityProfile, ...(ocppPassword ? { ocppPassword } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Opens the upgrade with these headers; resolves with 101 (then closes) or the refusal's status. */
function upgrade(identity: string, headers: Record<string, string>, from = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${ports.ocpp}/${identity}`, ['ocpp1.6'], { headers, localAddress: from });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', reject);
  });
}

async function logged(pred: (l: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = proc
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find(pred);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`not logged: ${what}\n${proc.out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const basic = (identity: string, password: string) => `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}`;

beforeAll(async () => {
  pki = createPki();
  ca = pki.ca('chargers');
  rogue = pki.ca('rogue');
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-proxy-'));
  proc = runRole('start', {
    DATA_DIR: dir,
    API_TOKEN: ADMIN_TOKEN,
    AUTO_PROVISION: 'false',
    OCPP_TLS_CA_FILE: ca.cert,
    TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
    OCPP_AUTH_MAX_FAILURES: '1000',
    OCPP_AUTH_LOCKOUT_MS: '1',
    OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
  });
  ports = (await proc.ready) as unknown as typeof ports;
}, 60_000);

afterAll(async () => {
  await proc?.stop();
  pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('from a trusted proxy', () => {
  it('a profile-3 charger is admitted on the certificate the proxy forwards, with the address it names', async () => {
    await device('PX-3', 3);
    const pem = ca.client('PX-3').certPem;
    // X-Forwarded-For: what the charger claimed, then what the proxy saw; the right-most
    // untrusted entry is the client (10.1.2.3 is another trusted proxy hop).
    const status = await upgrade('PX-3', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.2.3', 'x-ssl-client-cert': encodeURIComponent(pem) });
    expect(status).toBe(101);
    await logged((l) => l['msg'] === 'charger connected' && l['chargePointId'] === 'PX-3' && l['remoteAddress'] === '203.0.113.7', 'PX-3 connected from 203.0.113.7');
  });

  it('a forwarded certificate for another identity, from another CA, or none is refused', async () => {
    await device('PX-3B', 3);
    const hdr = (pem: string) => ({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.8', 'x-ssl-client-cert': encodeURIComponent(pem) });
    expect(await upgrade('PX-3B', hdr(ca.client('PX-OTHER').certPem))).toBe(403);
    await logged((l) => l['chargePointId'] === 'PX-3B' && l['reason'] === 'CLIENT_CERT_IDENTITY_MISMATCH' && l['remoteAddress'] === '203.0.113.8', 'identity mismatch');
    expect(await upgrade('PX-3B', hdr(rogue.client('PX-3B').certPem))).toBe(401);
    await logged((l) => l['chargePointId'] === 'PX-3B' && l['reason'] === 'CLIENT_CERT_UNTRUSTED', 'untrusted');
    expect(await upgrade('PX-3B', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.8' })).toBe(401);
    await logged((l) => l['chargePointId'] === 'PX-3B' && l['reason'] === 'CLIENT_CERT_MISSING', 'missing');
    expect(await upgrade('PX-3B', hdr('-----BEGIN CERTIFICATE----- garbage -----END CERTIFICATE-----'))).toBe(401);
  });

  it('profile 2 through the proxy needs X-Forwarded-Proto: https; plain from the charger is refused', async () => {
    await device('PX-2', 2, 'proxy-profile-2-password');
    expect(await upgrade('PX-2', { 'x-forwarded-proto': 'https', authorization: basic('PX-2', 'proxy-profile-2-password') })).toBe(101);
    expect(await upgrade('PX-2', { 'x-forwarded-proto': 'http', authorization: basic('PX-2', 'proxy-profile-2-password') })).toBe(403);
    await logged((l) => l['chargePointId'] === 'PX-2' && l['reason'] === 'TLS_REQUIRED', 'downgrade through the proxy');
  });
});

describe('from anyone else', () => {
  it('the same headers are ignored: no TLS, no certificate, the socket address', async () => {
    await device('PX-FORGE', 3);
    const pem = ca.client('PX-FORGE').certPem;
    const status = await upgrade('PX-FORGE', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9', 'x-ssl-client-cert': encodeURIComponent(pem) }, '127.0.0.2');
    expect(status).toBe(403);
    await logged((l) => l['chargePointId'] === 'PX-FORGE' && l['reason'] === 'TLS_REQUIRED' && l['remoteAddress'] === '127.0.0.2', 'forged headers ignored');
  });
});
