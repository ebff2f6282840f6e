/**
 * Contract for storage failures (issue 13: a write that did not commit is an error, never a
 * success), run by every backend beside `registryStoreContract`. The backend's test file brings
 * the fault: a real one where it can (a full tmpfs), else one injected as close to the storage
 * as possible (SQLite's query_only on the store's own connection; on PostgreSQL a deferred
 * trigger that fails the COMMIT with SQLSTATE 53100 disk_full, after the RETURNING row has been
 * sent). While the fault is on:
 *
 * - every write raises StoreError UNAVAILABLE naming the problem, and leaves nothing behind;
 * - no transactionId is handed out, and none is handed out twice once writes work again;
 * - the outage is reported to health as check `registry`, and cleared without a restart: by
 *   the next write that commits, or by the store's probe when nothing writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../common/health.ts';
import { aDevice, aTransaction } from './contract.ts';
import type { StoreHealth } from './storage-guard.ts';
import { StoreError } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

export interface StorageFault {
  /** From now on every write fails the way broken storage fails. */
  inject(): Promise<void>;
  /** Writes work again. */
  clear(): Promise<void>;
  /** The problem code the backend reports for it: `DISK_FULL`, `READ_ONLY`, ... */
  code: string;
}

export interface FaultyStore {
  /** A migrated store on fresh storage of the current test. */
  store: RegistryStore;
  fault: StorageFault;
}

export type MakeFaultyStore = (opts: { health: StoreHealth; probeIntervalMs: number }) => Promise<FaultyStore>;

type HealthEvent = { kind: 'fail'; component: string; code: string } | { kind: 'ok'; component: string };

/** A health that records what the store reports (common/health.ts is tested on its own). */
function recordingHealth() {
  const events: HealthEvent[] = [];
  const health: StoreHealth = {
    fail: (component: string, problem: Problem) => void events.push({ kind: 'fail', component, code: problem.code }),
    ok: (component: string) => void events.push({ kind: 'ok', component }),
  };
  const last = () => events.at(-1);
  const fails = () => events.filter((e) => e.kind === 'fail').length;
  return { health, events, last, fails };
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function unavailable(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => expect.fail('expected the write to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect(err).toMatchObject({ code: 'UNAVAILABLE', problem: code });
}

export function registryFaultContract(name: string, make: MakeFaultyStore): void {
  describe(`RegistryStore storage failures: ${name}`, () => {
    let opened: FaultyStore | undefined;
    afterEach(async () => {
      await opened?.fault.clear();
      await opened?.store.close();
      opened = undefined;
    });
    const open = async (health: StoreHealth, probeIntervalMs = 20) => (opened = await make({ health, probeIntervalMs }));

    /** Everything the store holds, read through the port. */
    async function snapshot(store: RegistryStore) {
      return {
        devices: await store.listDevices({}),
        transactions: await store.listTransactions({}),
        idTags: await store.listIdTags('acme'),
        tokens: await store.listTokens('acme'),
        templates: await store.listTemplates('acme'),
        variables: await Promise.all((await store.listDevices({})).items.map((d) => store.listDeviceVariables(d.id, {}))),
      };
    }

    it('every write raises UNAVAILABLE and leaves nothing behind', async () => {
      const { health } = recordingHealth();
      const { store, fault } = await open(health);
      const d = await store.createDevice(aDevice({ chargePointId: 'FAULT-1', attrs: { a: 1 } }));
      const t = await store.startTransaction(aTransaction(d.id));
      await store.upsertIdTag({ tenant: 'acme', idTag: 'KEEP', status: 'Accepted', expiryDate: null, parentIdTag: null });
      const token = await store.createToken({ tenant: 'acme', role: 'operator', digest: 'ab'.repeat(32) });
      const template = await store.createTemplate({ tenant: 'acme', label: 'dc', attrs: [] });
      await store.saveDeviceVariables(d.id, [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '300' }]);
      const before = await snapshot(store);

      await fault.inject();
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['createDevice', () => store.createDevice(aDevice({ chargePointId: 'FAULT-2' }))],
        ['updateDevice', () => store.updateDevice(d.id, { label: 'changed', attrs: { b: 2 } })],
        ['deleteDevice', () => store.deleteDevice(d.id)],
        ['startTransaction', () => store.startTransaction(aTransaction(d.id, { meterStart: 5000 }))],
        ['startTransaction (OCPP 2.0.1, charger id)', () => store.startTransaction(aTransaction(d.id, { chargerTransactionId: 'tx-fault', evseId: 1 }))],
        ['updateTransactionStart', () => store.updateTransactionStart(t.id, { meterStart: 1, idTag: 'LATE' })],
        ['updateDevice (ocppProtocol)', () => store.updateDevice(d.id, { ocppProtocol: 'ocpp2.0.1' })],
        ['stopTransaction', () => store.stopTransaction(t.id, { meterStop: 2000, stoppedAt: '2024-05-01T11:00:00.000Z' })],
        ['upsertIdTag (new)', () => store.upsertIdTag({ tenant: 'acme', idTag: 'NEW', status: 'Accepted', expiryDate: null, parentIdTag: null })],
        ['upsertIdTag (existing)', () => store.upsertIdTag({ tenant: 'acme', idTag: 'KEEP', status: 'Blocked', expiryDate: null, parentIdTag: null })],
        ['deleteIdTag', () => store.deleteIdTag('acme', 'KEEP')],
        ['createToken', () => store.createToken({ tenant: 'acme', role: 'admin', digest: 'cd'.repeat(32) })],
        ['deleteToken', () => store.deleteToken('acme', token.id)],
        ['createTemplate', () => store.createTemplate({ tenant: 'acme', label: 'ac', attrs: [] })],
        ['updateTemplate', () => store.updateTemplate('acme', template.id, { label: 'renamed' })],
        ['deleteTemplate', () => store.deleteTemplate('acme', template.id)],
        ['saveDeviceVariables (new and replaced rows)', () => store.saveDeviceVariables(d.id, [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '60' }, { component: 'EVSE', evseId: 1, variable: 'Power', value: '0' }])],
      ];
      for (const [what, write] of writes) {
        await unavailable(write(), fault.code).catch((err: Error) => {
          throw new Error(`${what}: ${err.message}`);
        });
      }
      // Reads still answer while writes fail, and show nothing of the failed writes.
      expect(await snapshot(store)).toEqual(before);
      expect(await store.findTokenByDigest('cd'.repeat(32))).toBeNull();
      expect(await store.findTransactionByChargerId(d.id, 'tx-fault')).toBeNull();
      await fault.clear();
      expect(await snapshot(store)).toEqual(before);
    });

    it('hands out no transactionId while failing, and never one twice afterwards', async () => {
      const { health } = recordingHealth();
      const { store, fault } = await open(health);
      const first = await store.startTransaction(aTransaction('dev00001', { meterStart: 1 }));
      await fault.inject();
      const failed = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.startTransaction(aTransaction(`dev0000${i}`, { meterStart: 100 + i }))));
      expect(failed.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
      await fault.clear();
      const after = await Promise.all(Array.from({ length: 5 }, (_, i) => store.startTransaction(aTransaction(`dev0000${i}`, { meterStart: 200 + i }))));
      const ids = after.map((t) => t.id);
      expect(new Set(ids).size).toBe(5);
      for (const id of ids) expect(id).toBeGreaterThan(first.id);
      const all = await store.listTransactions({});
      expect(all.total).toBe(6);
      expect(all.items.map((t) => t.meterStart).sort((a, b) => a - b)).toEqual([1, 200, 201, 202, 203, 204]);
    });

    it('reports the outage to health as check registry, and its end with the next committed write', async () => {
      const rec = recordingHealth();
      const { store, fault } = await open(rec.health, 60_000);
      expect(rec.events.filter((e) => e.kind === 'fail')).toEqual([]);
      // A request the store refuses on its own is not a storage problem.
      await store.createDevice(aDevice({ chargePointId: 'HEALTH-1' }));
      await expect(store.createDevice(aDevice({ chargePointId: 'HEALTH-1' }))).rejects.toMatchObject({ code: 'DUPLICATE' });
      expect(rec.fails()).toBe(0);

      await fault.inject();
      await unavailable(store.createDevice(aDevice()), fault.code);
      expect(rec.last()).toEqual({ kind: 'fail', component: 'registry', code: fault.code });
      await fault.clear();
      await store.createDevice(aDevice());
      expect(rec.last()).toEqual({ kind: 'ok', component: 'registry' });
    });

    it('recovers without a restart and without a write: the probe notices when the storage works again', async () => {
      const rec = recordingHealth();
      const { store, fault } = await open(rec.health, 20);
      await fault.inject();
      await unavailable(store.upsertIdTag({ tenant: 'acme', idTag: 'P', status: 'Accepted', expiryDate: null, parentIdTag: null }), fault.code);
      const afterWrite = rec.fails();
      // The probe keeps failing while the fault is on (each failure is reported, health counts it).
      await until(() => rec.fails() >= afterWrite + 3, 'three failed probes');
      expect(rec.events.slice(1).every((e) => e.kind === 'fail' && e.component === 'registry')).toBe(true);
      await fault.clear();
      await until(() => rec.last()?.kind === 'ok', 'the probe to report the recovery');
      expect(rec.last()).toEqual({ kind: 'ok', component: 'registry' });
      expect(await store.getIdTag('acme', 'P')).toBeNull();
    });
  });
}
