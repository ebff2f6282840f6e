/**
 * TLS_DEV_CA (issue 18; bin/dev-ca.ts): TLS on every listener without certificate files. The
 * function alone, then `chargebridge start` as a process on an empty DATA_DIR: a charger over wss
 * and an HTTPS client trusting the generated CA file, and the same CA after a restart.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN } from './harness.ts';
import { runRole, type Proc } from './processes.ts';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { devCaNames, withDevCa } from '../bin/dev-ca.ts';

const dirs: string[] = [];
const aDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'chargebridge-devca-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const log = createLogger('silent');

describe('TLS_DEV_CA (bin/dev-ca.ts)', () => {
  it('off: the configuration as it was', async () => {
    const config = loadConfig({ DATA_DIR: aDir() });
    expect(await withDevCa(config, log)).toBe(config);
  });

  it('generates a CA and a server certificate it issued, for every unset TLS variable, and reuses them', async () => {
    const dir = aDir();
    const config = loadConfig({ DATA_DIR: dir, TLS_DEV_CA: 'true', TLS_DEV_CA_NAMES: 'gw.example.com,10.1.2.3' });
    const c = await withDevCa(config, log);
    expect(c.OCPP_TLS_CERT_FILE).toBe(path.join(dir, 'dev-ca', 'server.pem'));
    expect(c.TLS_CERT_FILE).toBe(c.OCPP_TLS_CERT_FILE);
    expect(c.OCPP_TLS_KEY_FILE).toBe(path.join(dir, 'dev-ca', 'server.key'));
    expect(Object.isFrozen(c)).toBe(true);
    const ca = new X509Certificate(readFileSync(path.join(dir, 'dev-ca', 'ca.pem')));
    const leaf = new X509Certificate(readFileSync(c.OCPP_TLS_CERT_FILE!));
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.subject).toContain('CN=gw.example.com');
    expect(leaf.subjectAltName).toContain('DNS:gw.example.com');
    expect(leaf.subjectAltName).toContain('IP Address:10.1.2.3');
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(c.OCPP_TLS_KEY_FILE!)))).toBe(true);
    expect(statSync(c.OCPP_TLS_KEY_FILE!).mode & 0o077).toBe(0);
    // The CA's key is not kept.
    expect(readFileSync(path.join(dir, 'dev-ca', 'ca.pem'), 'utf8')).not.toContain('PRIVATE KEY');

    const again = await withDevCa(loadConfig({ DATA_DIR: dir, TLS_DEV_CA: 'true' }), log);
    expect(readFileSync(again.OCPP_TLS_CERT_FILE!, 'utf8')).toBe(readFileSync(c.OCPP_TLS_CERT_FILE!, 'utf8'));
    expect(new X509Certificate(readFileSync(path.join(dir, 'dev-ca', 'ca.pem'))).fingerprint256).toBe(ca.fingerprint256);
  });

  it('never replaces a given certificate: only unset variables are filled', async () => {
    const dir = aDir();
    const config = loadConfig({ DATA_DIR: dir, TLS_DEV_CA: 'true', OCPP_TLS_CERT_FILE: '/etc/cs.pem', OCPP_TLS_KEY_FILE: '/etc/cs.key' });
    const c = await withDevCa(config, log);
    expect(c.OCPP_TLS_CERT_FILE).toBe('/etc/cs.pem');
    expect(c.OCPP_TLS_KEY_FILE).toBe('/etc/cs.key');
    expect(c.TLS_CERT_FILE).toBe(path.join(dir, 'dev-ca', 'server.pem'));
    const both = loadConfig({ DATA_DIR: dir, TLS_DEV_CA: 'true', OCPP_TLS_CERT_FILE: '/a', OCPP_TLS_KEY_FILE: '/b', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/d' });
    expect(await withDevCa(both, log)).toBe(both);
  });

  it('names: TLS_DEV_CA_NAMES first, then the local ones, once each', () => {
    expect(devCaNames({ TLS_DEV_CA_NAMES: ['gw.example.com', 'localhost'] }, 'box')).toEqual(['gw.example.com', 'localhost', '127.0.0.1', '::1', 'box']);
    expect(devCaNames({ TLS_DEV_CA_NAMES: undefined }, '')).toEqual(['localhost', '127.0.0.1', '::1']);
  });
});

/** GET over HTTPS trusting `ca`: the status. */
function httpsStatus(port: number, ca: string, route: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: route, ca, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('chargebridge start with TLS_DEV_CA=true', () => {
  const procs: Proc[] = [];
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });
  const start = async (dir: string) => {
    const p = runRole('start', { DATA_DIR: dir, API_TOKEN: ADMIN_TOKEN, TLS_DEV_CA: 'true', OCPP_TLS_PORT: '0', AUTO_PROVISION: 'true' });
    procs.push(p);
    const ports = (await p.ready) as unknown as { ocppTls: number; http: number };
    return { p, ports };
  };
  const warned = (p: Proc) =>
    p
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('TLS with a DEVELOPMENT CA'));

  it('serves wss and HTTPS with a generated CA on an empty DATA_DIR, says where its certificate is once, and reuses it after a restart', async () => {
    const dir = aDir();
    const first = await start(dir);
    expect(first.ports.ocppTls).toBeGreaterThan(0);
    const lines = warned(first.p);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, caFile: path.join(dir, 'dev-ca', 'ca.pem'), reused: false });
    const ca = readFileSync(path.join(dir, 'dev-ca', 'ca.pem'), 'utf8');

    const boot = async (port: number) => {
      const cp = new RPCClient({ endpoint: `wss://127.0.0.1:${port}`, identity: 'DEVCA-1', protocols: ['ocpp1.6'], strictMode: true, reconnect: false, wsOpts: { ca, minVersion: 'TLSv1.2' } } as ConstructorParameters<typeof RPCClient>[0]);
      await cp.connect();
      const res = (await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'DEVCA' })) as { status: string };
      await cp.close({ force: true });
      return res.status;
    };
    expect(await boot(first.ports.ocppTls)).toBe('Accepted');
    expect(await httpsStatus(first.ports.http, ca, '/health')).toBe(200);
    // Not trusted without the CA: it is not a public one.
    await expect(httpsStatus(first.ports.http, '', '/health').catch((err: { code?: string }) => Promise.reject(new Error(err.code)))).rejects.toThrow(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/);
    await first.p.stop();

    const second = await start(dir);
    expect(readFileSync(path.join(dir, 'dev-ca', 'ca.pem'), 'utf8')).toBe(ca);
    expect(warned(second.p)[0]).toMatchObject({ reused: true, caFile: path.join(dir, 'dev-ca', 'ca.pem') });
    expect(await boot(second.ports.ocppTls)).toBe('Accepted');
    expect(await httpsStatus(second.ports.http, ca, '/devices')).toBe(200);
    // The image's HEALTHCHECK speaks HTTPS to it (Dockerfile).
    const check = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(readFileSync(path.join(import.meta.dirname, '..', 'Dockerfile'), 'utf8'))![1]!;
    const [, ...args] = JSON.parse(check) as string[];
    const r = spawnSync(process.execPath, args, { env: { TLS_DEV_CA: 'true', HTTP_PORT: String(second.ports.http) }, timeout: 10_000 });
    expect(r.status).toBe(0);
  }, 60_000);
});
