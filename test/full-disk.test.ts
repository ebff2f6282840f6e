/**
 * Issue 13 "Storage errors are errors", from outside: the whole system (`npm start` in one
 * process) with DATA_DIR on a small real tmpfs that the test fills to the last byte. Nothing the
 * registry could not store is acknowledged: HTTP answers 503 problem+json, chargers get a
 * CALLERROR they retry, no transactionId is handed out; /health and /metrics say why; once the
 * space is back the same requests succeed with distinct transactionIds, without a restart, and a
 * restart afterwards reuses none of them.
 *
 * The history role (and other components) also write under DATA_DIR and may report their own
 * checks: the assertions here are about the registry.
 */
import path from 'node:path';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { inCI, mountTmpfs, tmpfsUnavailable, type Tmpfs } from './tmpfs.ts';

const noTmpfs = tmpfsUnavailable();
if (noTmpfs) {
  if (!inCI) console.warn(`full-disk tests SKIPPED: ${noTmpfs}`);
  describe('a full DATA_DIR', () => {
    // In CI a missing mount must not pass as "skipped".
    it.runIf(inCI)('mounting a tmpfs is required in CI', () => {
      throw new Error(noTmpfs);
    });
    it.skip(`skipped: ${noTmpfs}`, () => {});
  });
}

const CHARGERS = ['FULL-1', 'FULL-2', 'FULL-3', 'FULL-4', 'FULL-5'];
const start = (i: number) => ({ connectorId: 1, idTag: 'RFID-FULL', meterStart: 1000 + i, timestamp: `2026-03-01T10:00:0${i}.000Z` });

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!!noTmpfs)('a full DATA_DIR', () => {
  let fs: Tmpfs;
  let dataDir = '';
  let sys: System | undefined;
  let chargers: RPCClient[] = [];

  beforeAll(async () => {
    fs = mountTmpfs(8);
    dataDir = path.join(fs.dir, 'data');
    sys = await startSystem({}, dataDir);
  });
  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close({ force: true }).catch(() => undefined)));
    await sys?.stop({ keepData: true });
    fs?.free();
    fs?.unmount();
  });

  it('acknowledges nothing it cannot store, reports it, and recovers by itself once space is back', async () => {
    const http = api(sys!.httpUrl, ADMIN_TOKEN);
    // The chargers connect and boot while there is space (auto-provisioning writes their device).
    chargers = await Promise.all(CHARGERS.map((id) => connectCharger(sys!, id)));
    for (const cp of chargers) await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Full' });
    expect((await http.get('/health')).body.checks.registry).toEqual({ ok: true });

    fs.fill();

    const created = await http.post('/devices', { chargePointId: 'FULL-DEV', label: 'no room' });
    expect(created.status).toBe(503);
    expect(created.type).toContain('application/problem+json');
    expect(created.body).toMatchObject({ status: 503, code: 'STORAGE_UNAVAILABLE' });
    expect((await http.get('/devices?chargePointId=FULL-DEV')).body).toEqual({ items: [], total: 0 });

    const tag = await http.put('/id-tags/RFID-FULL', { status: 'Accepted' });
    expect(tag.status).toBe(503);
    expect(tag.body.code).toBe('STORAGE_UNAVAILABLE');
    expect((await http.get('/id-tags/RFID-FULL')).status).toBe(404);

    const token = await http.post('/tokens', { role: 'operator', label: 'no room' });
    expect(token.status).toBe(503);
    expect(token.body.code).toBe('STORAGE_UNAVAILABLE');
    expect(token.body.token).toBeUndefined();

    // OCPP 1.6 edition 2 §3.7.1 (Error responses to transaction-related messages): the charger
    // retries a StartTransaction answered with a CALLERROR.
    const refused = await Promise.allSettled(chargers.map((cp, i) => cp.call('StartTransaction', start(i))));
    for (const r of refused) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ rpcErrorCode: 'InternalError' });
    }
    expect((await http.get('/transactions')).body.total).toBe(0);

    // MeterValues the telemetry journal cannot keep are refused (the charger keeps and resends
    // them), never acknowledged and buffered in memory. The first one finds out the disk is full;
    // from then on they are refused before any work, until the journal's probe sees space again.
    const mv = (s: number) => ({ connectorId: 1, meterValue: [{ timestamp: `2026-03-01T10:10:${String(s).padStart(2, '0')}.000Z`, sampledValue: [{ value: String(100 + s), measurand: 'Power.Active.Import', unit: 'W' }] }] });
    for (let s = 0; s < 3; s++) await expect(chargers[0]!.call('MeterValues', mv(s))).rejects.toMatchObject({ rpcErrorCode: 'InternalError' });
    expect((await http.get('/health')).body.checks.journal).toMatchObject({ ok: false, code: 'DISK_FULL' });
    // The gateway thread reports its journal's state four times a second.
    await until(() => http.get('/metrics'), (r) => String(r.text).includes('chargebridge_journal_writable 0'), 'journal not writable in /metrics');

    const health = await http.get('/health');
    expect(health.body.ready).toBe(false);
    expect(health.body.checks.registry).toMatchObject({ ok: false, code: 'DISK_FULL' });
    expect((await http.get('/health/ready')).status).toBe(503);
    expect((await http.get('/metrics')).text).toContain('chargebridge_health_ok{check="registry"} 0');

    fs.free();
    // The journal and the registry probe the disk and recover by themselves (no restart).
    await until(() => http.get('/health'), (r) => r.body.checks.journal?.ok === true, 'journal writable again');

    // The same requests, now stored: the chargers' retries get distinct transactionIds.
    const again = await Promise.all(chargers.map((cp, i) => cp.call('StartTransaction', start(i)) as Promise<{ transactionId: number }>));
    const ids = again.map((r) => r.transactionId);
    expect(new Set(ids).size).toBe(CHARGERS.length);
    const listed = await http.get('/transactions');
    expect(listed.body.items.map((t: { id: number }) => t.id).sort((a: number, b: number) => a - b)).toEqual([...ids].sort((a, b) => a - b));

    expect((await http.post('/devices', { chargePointId: 'FULL-DEV', label: 'room again' })).status).toBe(201);
    expect((await http.get('/devices?chargePointId=FULL-DEV')).body.total).toBe(1);
    expect((await http.put('/id-tags/RFID-FULL', { status: 'Accepted' })).status).toBe(200);
    expect((await http.get('/id-tags/RFID-FULL')).body).toMatchObject({ idTag: 'RFID-FULL', status: 'Accepted' });
    const issued = await http.post('/tokens', { role: 'operator', label: 'room again' });
    expect(issued.status).toBe(201);
    expect((await api(sys!.httpUrl, issued.body.token).get('/auth/whoami')).status).toBe(200);

    expect((await http.get('/health')).body.checks.registry).toEqual({ ok: true });
    await until(() => http.get('/health'), (r) => r.body.ready === true, 'ready again');
    // The charger's resent MeterValues are acknowledged now and reach history exactly once.
    for (let s = 0; s < 3; s++) await chargers[0]!.call('MeterValues', mv(s));
    const dev = (await http.get(`/devices?chargePointId=${CHARGERS[0]}`)).body.items[0];
    const stored = await until(
      () => http.get(`/devices/${dev.id}/history?attr=power&from=2026-03-01T10:10:00.000Z&to=2026-03-01T10:11:00.000Z`),
      (r) => (r.body.power ?? []).length >= 3,
      'resent MeterValues in history',
    );
    expect(stored.body.power.map((p: { value: number }) => p.value)).toEqual([100, 101, 102]);
    expect((await http.get('/health/ready')).status).toBe(200);
    expect((await http.get('/metrics')).text).toContain('chargebridge_health_ok{check="registry"} 1');
  });

  it('a restart on the same DATA_DIR hands out no transactionId again', async () => {
    const http = api(sys!.httpUrl, ADMIN_TOKEN);
    const before: number[] = (await http.get('/transactions')).body.items.map((t: { id: number }) => t.id);
    expect(before.length).toBeGreaterThan(0);
    await Promise.all(chargers.splice(0).map((c) => c.close({ force: true })));
    await sys!.stop({ keepData: true });
    sys = await startSystem({}, dataDir);

    const cp = await connectCharger(sys, 'FULL-AFTER-RESTART');
    chargers.push(cp);
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Full' });
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'RFID-FULL', meterStart: 7, timestamp: '2026-03-01T11:00:00.000Z' })) as { transactionId: number };
    expect(before).not.toContain(transactionId);
    expect(transactionId).toBeGreaterThan(Math.max(...before));
    const after = await api(sys.httpUrl, ADMIN_TOKEN).get('/transactions');
    expect(after.body.total).toBe(before.length + 1);
  });
});
