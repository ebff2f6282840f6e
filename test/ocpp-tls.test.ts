/**
 * OCPP security profiles 2 and 3 end to end (issue 18; OCPP 1.6 security whitepaper §2.4,
 * §2.5): `chargebridge start` as a process (the gateway on its own thread), a PKI made by the
 * test (test/pki.ts), and ocpp-rpc's RPCClient in strict mode as the charger, over real TLS.
 * Every refusal is asserted at the handshake (the HTTP status of the upgrade) and in the log
 * (its stable reason code, the identity and the remote address).
 */
import { copyFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { runRole, type Proc } from './processes.ts';
import { ADMIN_TOKEN, Platform } from './harness.ts';
import { createPki, type Issued, type Pki, type TestCa } from './pki.ts';
import { dialCharger, handshakeStatus } from './tls-charger.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const PASSWORD = 'profile-2-password-0123';

let pki: Pki;
let ca: TestCa;
let rogue: TestCa;
let serverCa: TestCa;
let proc: Proc;
let dir: string;
let ports: { ocpp: number; ocppTls: number; http: number; mqtt: number };
let serverFiles: { cert: string; key: string };
let caFile: string;

async function api(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${ports.http}${route}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

async function device(chargePointId: string, securityProfile: 1 | 2 | 3, password?: string): Promise<void> {
  const res = await api('POST', '/devices', { chargePointId, securityProfile, ...(password ? { ocppPassword: password } : {}) });
  expect(res.status, await res.clone().text()).toBe(201);
}

interface Dial {
  tls?: boolean;
  password?: string;
  client?: Issued;
  trust?: TestCa;
}

function charger(identity: string, d: Dial = {}): RPCClient {
  const tls = d.tls ?? true;
  return dialCharger({
    endpoint: tls ? `wss://127.0.0.1:${ports.ocppTls}` : `ws://127.0.0.1:${ports.ocpp}`,
    identity,
    password: d.password || undefined,
    trust: tls ? (d.trust ?? serverCa) : undefined,
    client: d.client,
  });
}

async function boots(cp: RPCClient): Promise<void> {
  await cp.connect();
  try {
    const res = (await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'TLS-1' })) as { status: string };
    expect(res.status).toBe('Accepted');
  } finally {
    await cp.close({ force: true });
  }
}

/** The HTTP status the upgrade was refused with; fails when it was not refused. */
async function refusedWith(cp: RPCClient): Promise<number> {
  const status = await handshakeStatus(cp);
  if (status === 0) throw new Error('the connection was accepted');
  return status;
}

/** Waits for the refusal's log line (pino JSON, written by the gateway's thread). */
async function refusalLogged(identity: string, reason: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = proc
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'charger refused: security profile not met' && l['chargePointId'] === identity && l['reason'] === reason);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no refusal ${reason} logged for ${identity}:\n${proc.out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pki = createPki();
  ca = pki.ca('chargers');
  rogue = pki.ca('rogue');
  serverCa = pki.ca('central-system');
  const server = serverCa.server();
  // The gateway reads copies: the reload test replaces them.
  serverFiles = { cert: path.join(pki.dir, 'live-server.pem'), key: path.join(pki.dir, 'live-server.key') };
  copyFileSync(server.cert, serverFiles.cert);
  copyFileSync(server.key, serverFiles.key);
  caFile = path.join(pki.dir, 'live-ca.pem');
  copyFileSync(ca.cert, caFile);
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-tls-'));
  proc = runRole('start', {
    DATA_DIR: dir,
    API_TOKEN: ADMIN_TOKEN,
    AUTO_PROVISION: 'false',
    OCPP_TLS_CERT_FILE: serverFiles.cert,
    OCPP_TLS_KEY_FILE: serverFiles.key,
    OCPP_TLS_CA_FILE: caFile,
    OCPP_TLS_PORT: '0',
    TLS_RELOAD_INTERVAL: '0.1',
    // Refused handshakes count as failed authentications; this suite makes many from one address.
    OCPP_AUTH_MAX_FAILURES: '1000',
    OCPP_AUTH_LOCKOUT_MS: '1',
    OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
  });
  ports = (await proc.ready) as unknown as typeof ports;
  expect(ports.ocppTls).toBeGreaterThan(0);
}, 60_000);

afterAll(async () => {
  await proc?.stop();
  pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('security profile 2: TLS + HTTP Basic (whitepaper §2.4)', () => {
  it('connects over wss with its password and boots', async () => {
    await device('P2-OK', 2, PASSWORD);
    await boots(charger('P2-OK', { password: PASSWORD }));
  });

  it('a wrong password over wss is refused with 401', async () => {
    await device('P2-WRONG', 2, PASSWORD);
    expect(await refusedWith(charger('P2-WRONG', { password: 'not-the-password-000' }))).toBe(401);
  });

  it('a downgrade to plain ws is refused with 403 and logged, the password never checked', async () => {
    await device('P2-DOWN', 2, PASSWORD);
    expect(await refusedWith(charger('P2-DOWN', { tls: false, password: PASSWORD }))).toBe(403);
    const line = await refusalLogged('P2-DOWN', 'TLS_REQUIRED');
    expect(line).toMatchObject({ remoteAddress: '127.0.0.1', securityProfile: 2, secure: false });
  });

  it('A00.FR.416/418: a charger offering only TLS 1.1 is refused in the TLS handshake, and it is logged', async () => {
    await device('P2-TLS11', 2, PASSWORD);
    const cp = new RPCClient({
      endpoint: `wss://127.0.0.1:${ports.ocppTls}`,
      identity: 'P2-TLS11',
      protocols: ['ocpp1.6'],
      reconnect: false,
      password: PASSWORD,
      wsOpts: { ca: serverCa.certPem, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    } as ConstructorParameters<typeof RPCClient>[0]);
    await expect(cp.connect()).rejects.toThrow();
    const deadline = Date.now() + 5000;
    while (!proc.out().split('\n').some((l) => l.includes('TLS handshake with a charger failed') && l.includes('ERR_SSL_UNSUPPORTED_PROTOCOL'))) {
      if (Date.now() > deadline) throw new Error(`TLS 1.1 refusal not logged:\n${proc.out().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('a profile-1 device still connects over plain ws, and over wss', async () => {
    await device('P1-ANY', 1, PASSWORD);
    await boots(charger('P1-ANY', { tls: false, password: PASSWORD }));
    await boots(charger('P1-ANY', { password: PASSWORD }));
  });
});

describe('security profile 3: TLS client certificates bound to the identity (whitepaper §2.5)', () => {
  it('connects with a certificate whose CN is its identity, and boots', async () => {
    await device('P3-OK', 3);
    await boots(charger('P3-OK', { client: ca.client('P3-OK') }));
    // Its certificate (2 days) runs out within the warning window: the operator is told.
    const deadline = Date.now() + 5000;
    while (!proc.out().split('\n').some((l) => l.includes('client certificate expires soon') && l.includes('"chargePointId":"P3-OK"'))) {
      if (Date.now() > deadline) throw new Error('no expiry warning for P3-OK');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('a certificate issued for another charge point is refused with 403 (A00.FR.405)', async () => {
    await device('P3-VICTIM', 3);
    const platform = await Platform.connect(`mqtt://127.0.0.1:${ports.mqtt}`, { subscribe: ['+/events'] });
    try {
      expect(await refusedWith(charger('P3-VICTIM', { client: ca.client('P3-ATTACKER') }))).toBe(403);
      const line = await refusalLogged('P3-VICTIM', 'CLIENT_CERT_IDENTITY_MISMATCH');
      expect(line).toMatchObject({ remoteAddress: '127.0.0.1', certificate: { cn: 'P3-ATTACKER', via: 'tls' } });
      // The platform hears of it on the device's events topic.
      const ev = await platform.waitFor((m) => m.json['type'] === 'securityRefused', 5000, 'securityRefused event');
      expect(ev.json).toMatchObject({ reason: 'CLIENT_CERT_IDENTITY_MISMATCH', status: 403, remoteAddress: '127.0.0.1', secure: true, securityProfile: 3 });
    } finally {
      await platform.close();
    }
  });

  it('no client certificate is refused with 401', async () => {
    await device('P3-NOCERT', 3);
    expect(await refusedWith(charger('P3-NOCERT'))).toBe(401);
    await refusalLogged('P3-NOCERT', 'CLIENT_CERT_MISSING');
  });

  it('a certificate from another CA is refused with 401 (A00.FR.403, A00.FR.407)', async () => {
    await device('P3-ROGUE', 3);
    expect(await refusedWith(charger('P3-ROGUE', { client: rogue.client('P3-ROGUE') }))).toBe(401);
    const line = await refusalLogged('P3-ROGUE', 'CLIENT_CERT_UNTRUSTED');
    expect(line['detail']).toEqual(expect.any(String));
  });

  it('an expired certificate is refused with 401', async () => {
    await device('P3-OLD', 3);
    expect(await refusedWith(charger('P3-OLD', { client: ca.client('P3-OLD', { days: -1 }) }))).toBe(401);
    const line = await refusalLogged('P3-OLD', 'CLIENT_CERT_UNTRUSTED');
    expect(line['detail']).toBe('CERT_HAS_EXPIRED');
  });

  it('a downgrade to plain ws is refused with 403', async () => {
    await device('P3-DOWN', 3);
    expect(await refusedWith(charger('P3-DOWN', { tls: false }))).toBe(403);
    await refusalLogged('P3-DOWN', 'TLS_REQUIRED');
  });
});

describe('trusted proxies are not configured here', () => {
  it('X-Forwarded-Proto and a client-certificate header from a charger are ignored', async () => {
    await device('P3-FORGED', 3);
    const pem = ca.client('P3-FORGED').certPem;
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports.ocpp}/P3-FORGED`, ['ocpp1.6'], { headers: { 'x-forwarded-proto': 'https', 'x-ssl-client-cert': encodeURIComponent(pem) } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('accepted')));
      ws.on('error', reject);
    });
    expect(status).toBe(403);
    await refusalLogged('P3-FORGED', 'TLS_REQUIRED');
  });
});

describe('certificate reload (TLS_RELOAD_INTERVAL)', () => {
  it('a new server certificate and key on disk are served without a restart', async () => {
    const next = pki.ca('central-system-2');
    await device('P2-RELOAD', 2, PASSWORD);
    // A charger that trusts only the new CA fails against the certificate served now...
    await expect(charger('P2-RELOAD', { password: PASSWORD, trust: next }).connect()).rejects.toThrow();
    // ...and succeeds once the files are replaced (by rename, as renewal tools do).
    const issued = next.server();
    copyFileSync(issued.key, `${serverFiles.key}.new`);
    copyFileSync(issued.cert, `${serverFiles.cert}.new`);
    renameSync(`${serverFiles.key}.new`, serverFiles.key);
    renameSync(`${serverFiles.cert}.new`, serverFiles.cert);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await boots(charger('P2-RELOAD', { password: PASSWORD, trust: next }));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(proc.out()).toContain('TLS certificate reloaded');
    // The process never restarted: the same one serves, and chargers trusting the old CA no longer connect.
    expect(proc.child.exitCode).toBeNull();
    await expect(charger('P2-RELOAD', { password: PASSWORD }).connect()).rejects.toThrow();
    // The chargers of the tests below trust the new one.
    serverCa = next;
  });

  it('a new CA file is picked up: certificates of the new CA are accepted, of the old one refused', async () => {
    const newCa = pki.ca('chargers-2');
    await device('P3-NEWCA', 3);
    expect(await refusedWith(charger('P3-NEWCA', { client: newCa.client('P3-NEWCA') }))).toBe(401);
    copyFileSync(newCa.cert, `${caFile}.new`);
    renameSync(`${caFile}.new`, caFile);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await boots(charger('P3-NEWCA', { client: newCa.client('P3-NEWCA') }));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await device('P3-OLDCA', 3);
    expect(await refusedWith(charger('P3-OLDCA', { client: ca.client('P3-OLDCA') }))).toBe(401);
  });
});
