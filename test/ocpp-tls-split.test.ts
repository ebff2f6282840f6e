/**
 * The wss listener when the gateway runs on the main thread (the split layout: no embedded
 * broker, MQTT_URL to a real Mosquitto; `chargebridge start --roles gateway,registry`), where
 * test/ocpp-tls.test.ts covers the gateway's own thread in the all-in-one process; and a
 * password rotation's private command through that broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN } from './harness.ts';
import { createPki, type Issued, type Pki, type TestCa } from './pki.ts';
import { runRole, startMosquitto, type Proc } from './processes.ts';

let pki: Pki;
let ca: TestCa;
let serverCa: TestCa;
let proc: Proc;
let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
let dir: string;
let ports: { ocpp: number; ocppTls: number; http: number };

beforeAll(async () => {
  pki = createPki();
  ca = pki.ca('chargers');
  serverCa = pki.ca('central-system');
  const server = serverCa.server();
  const rsa = serverCa.server('localhost', { rsa: true });
  mosquitto = await startMosquitto();
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-tls-split-'));
  proc = runRole('start --roles gateway,registry', {
    DATA_DIR: dir,
    API_TOKEN: ADMIN_TOKEN,
    MQTT_URL: mosquitto.url,
    AUTO_PROVISION: 'true',
    // Two key types (whitepaper A00.FR.421 wants suites of both): ECDSA and RSA, in that order.
    OCPP_TLS_CERT_FILE: `${server.cert},${rsa.cert}`,
    OCPP_TLS_KEY_FILE: `${server.key}, ${rsa.key}`,
    OCPP_TLS_CA_FILE: ca.cert,
    OCPP_TLS_PORT: '0',
  });
  ports = (await proc.ready) as unknown as typeof ports;
}, 60_000);

afterAll(async () => {
  await proc?.stop();
  await mosquitto?.stop();
  pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function charger(identity: string, client: Issued, tls: Record<string, unknown> = {}): RPCClient {
  return new RPCClient({
    endpoint: `wss://127.0.0.1:${ports.ocppTls}`,
    identity,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    wsOpts: { minVersion: 'TLSv1.2', ca: serverCa.certPem, cert: client.certPem, key: client.keyPem, ...tls },
  } as ConstructorParameters<typeof RPCClient>[0]);
}

it('a profile-3 charger connects over wss and boots; a certificate for another identity is refused with 403', async () => {
  const res = await fetch(`http://127.0.0.1:${ports.http}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId: 'SPLIT-3', securityProfile: 3 }),
  });
  expect(res.status).toBe(201);
  const cp = charger('SPLIT-3', ca.client('SPLIT-3'));
  await cp.connect();
  const boot = (await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'TLS-1' })) as { status: string };
  expect(boot.status).toBe('Accepted');
  await cp.close({ force: true });
  const err = await charger('SPLIT-3', ca.client('SPLIT-OTHER')).connect().then(
    () => null,
    (e: { code?: number }) => e,
  );
  expect(err?.code).toBe(403);
});

// OCPP 1.6 security whitepaper A00.FR.421: the four suites a Central System must support; a
// charger may offer only one of them (A00.FR.422), over TLS 1.2.
it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384'])('a charger offering only %s connects', async (cipher) => {
  const res = await fetch(`http://127.0.0.1:${ports.http}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId: `SUITE-${cipher}`, securityProfile: 3 }),
  });
  expect(res.status).toBe(201);
  const cp = charger(`SUITE-${cipher}`, ca.client(`SUITE-${cipher}`), { maxVersion: 'TLSv1.2', ciphers: cipher });
  await cp.connect();
  await cp.close({ force: true });
});

it('a charger auto-provisioned over wss with its certificate is held to profile 3 (A05.FR.09)', async () => {
  const cp = charger('AUTO-3', ca.client('AUTO-3'));
  await cp.connect();
  await cp.close({ force: true });
  const list = await fetch(`http://127.0.0.1:${ports.http}/devices?chargePointId=AUTO-3`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(((await list.json()) as { items: Array<{ securityProfile: number }> }).items).toEqual([expect.objectContaining({ securityProfile: 3 })]);
  // The same identity over plain ws, without a certificate: refused.
  const plain = new RPCClient({ endpoint: `ws://127.0.0.1:${ports.ocpp}`, identity: 'AUTO-3', protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  const err = await plain.connect().then(
    () => null,
    (e: { code?: number }) => e,
  );
  expect(err?.code).toBe(403);
  // One that came without a certificate stays at profile 1.
  const p1 = new RPCClient({ endpoint: `ws://127.0.0.1:${ports.ocpp}`, identity: 'AUTO-1', protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  await p1.connect();
  await p1.close({ force: true });
  const l1 = await fetch(`http://127.0.0.1:${ports.http}/devices?chargePointId=AUTO-1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(((await l1.json()) as { items: Array<{ securityProfile: number }> }).items).toEqual([expect.objectContaining({ securityProfile: 1 })]);
});

it('a password rotation reaches the charger through Mosquitto on the private topic (shared subscription)', async () => {
  const res = await fetch(`http://127.0.0.1:${ports.http}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId: 'SPLIT-ROT', ocppPassword: 'split-old-password-0123' }),
  });
  const { id } = (await res.json()) as { id: string };
  const cp = new RPCClient({ endpoint: `ws://127.0.0.1:${ports.ocpp}`, identity: 'SPLIT-ROT', password: 'split-old-password-0123', protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  await cp.connect();
  const got: string[] = [];
  cp.handle('ChangeConfiguration', async ({ params }) => {
    got.push(String((params as { value?: unknown } | undefined)?.value));
    return { status: 'Accepted' };
  });
  const r = await fetch(`http://127.0.0.1:${ports.http}/devices/${id}/password-rotation`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
  expect(r.status).toBe(200);
  expect(await r.json()).toEqual({ result: 'rotated', chargerStatus: 'Accepted' });
  expect(got[0]).toMatch(/^[0-9a-f]{40}$/);
  await cp.close({ force: true });
  const again = new RPCClient({ endpoint: `ws://127.0.0.1:${ports.ocpp}`, identity: 'SPLIT-ROT', password: got[0], protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  await again.connect();
  await again.close({ force: true });
});
