/**
 * The RegistryStore contract suite (the aedes-persistence `abstract.js` model): every backend
 * runs these same tests, so the embedded and the PostgreSQL registry behave alike.
 *
 * Usage, in a backend's test file:
 *
 *   describe('sqlite', () => {
 *     let file = '';
 *     beforeEach(() => { file = path.join(dir, `${randomUUID()}.db`); }); // fresh storage per test
 *     registryStoreContract('sqlite', async () => createSqliteStore({ file }));
 *   });
 *
 * `make` opens a store (not yet migrated) on the current test's storage. Every call within one
 * test must reach the same data (the reopen and concurrent-migrate tests open it twice), and
 * each test must start from empty storage: rotate the storage in a `beforeEach` around the
 * contract. The suite migrates and closes every store it opens.
 */
import { describe, expect, it } from 'vitest';
import { StoreError, type NewDevice, type NewTransaction, type StoreErrorCode } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';
import { suiteStores } from './contract-stores.ts';

let seq = 0;

/** Test-data builder: a minimal device of tenant `acme` with a fresh chargePointId. */
export function aDevice(overrides: Partial<NewDevice> = {}): NewDevice {
  seq += 1;
  return { tenant: 'acme', chargePointId: `CP_${seq}`, ...overrides };
}

/** Test-data builder: a StartTransaction as the gateway hands it to the store. */
export function aTransaction(deviceId: string, overrides: Partial<NewTransaction> = {}): NewTransaction {
  return { deviceId, tenant: 'acme', connectorId: 1, idTag: 'TAG-1', meterStart: 1000, startedAt: '2024-05-01T10:00:00.000Z', ...overrides };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INT32_MAX = 2 ** 31 - 1;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

async function expectStoreError(p: Promise<unknown>, code: StoreErrorCode, field?: string): Promise<void> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(StoreError);
  expect(err).toMatchObject(field === undefined ? { code } : { code, field });
}

export function registryStoreContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    const { open, another } = suiteStores(make);

    describe('migrations and lifecycle', () => {
      it('starts every test from empty storage', async () => {
        const store = await open();
        expect(await store.listDevices({})).toEqual({ items: [], total: 0 });
        expect(await store.listTransactions({})).toEqual({ items: [], total: 0 });
      });

      it('migrate() is idempotent and keeps the data', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice());
        await store.migrate();
        await store.migrate();
        expect(await store.getDevice(d.id)).toEqual(d);
      });

      it('two processes migrating the same storage at once both succeed', async () => {
        const [a, b] = await Promise.all([another(), another()]);
        await Promise.all([a.migrate(), b.migrate()]);
        const d = await a.createDevice(aDevice());
        expect(await b.getDevice(d.id)).toEqual(d);
      });

      it('close() may be called twice', async () => {
        const store = await open();
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });

    describe('devices', () => {
      it('creates a device with a generated topic-safe id and the defaults', async () => {
        const store = await open();
        const d = await store.createDevice({ tenant: 'acme', chargePointId: 'CP-defaults' });
        expect(d).toEqual({
          id: expect.stringMatching(/^[0-9a-f]{8}$/),
          tenant: 'acme',
          chargePointId: 'CP-defaults',
          label: 'CP-defaults',
          enabled: true,
          passwordHash: null,
          lenient: null,
          securityProfile: 1,
          ocppProtocol: null,
          pendingPasswordHash: null,
          templates: [],
          attrs: {},
          site: null,
          createdAt: expect.stringMatching(ISO_UTC),
          updatedAt: expect.stringMatching(ISO_UTC),
        });
        expect(d.updatedAt).toBe(d.createdAt);
        expect(Math.abs(Date.parse(d.createdAt) - Date.now())).toBeLessThan(60_000);
      });

      it('stores every field given, and reads it back the same by id and by chargePointId', async () => {
        const store = await open();
        const input: NewDevice = {
          id: 'c0ffee01',
          tenant: 'globex',
          chargePointId: 'ACME/Ünïcode 1',
          label: 'Bay 1',
          enabled: false,
          passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
          lenient: true,
          securityProfile: 3,
          templates: ['charger', 'ac-22kw'],
          attrs: { vendor: 'ACME', phases: 3, bidirectional: false, firmware: null },
          site: { name: 'Depot', address: '1 Main St', lat: 52.52, lng: 13.405 },
        };
        const d = await store.createDevice(input);
        const { id, ...rest } = input;
        expect(d).toMatchObject({ ...rest, id });
        expect(await store.getDevice('c0ffee01')).toEqual(d);
        expect(await store.getDeviceByChargePointId('ACME/Ünïcode 1')).toEqual(d);
      });

      it('answers null for an unknown id or chargePointId', async () => {
        const store = await open();
        expect(await store.getDevice('deadbeef')).toBeNull();
        expect(await store.getDeviceByChargePointId('nope')).toBeNull();
      });

      it('rejects a duplicate chargePointId, across tenants too, and writes nothing', async () => {
        const store = await open();
        await store.createDevice(aDevice({ tenant: 'acme', chargePointId: 'CP-dup' }));
        await expectStoreError(store.createDevice(aDevice({ tenant: 'globex', chargePointId: 'CP-dup' })), 'DUPLICATE', 'chargePointId');
        expect((await store.listDevices({})).total).toBe(1);
      });

      it('rejects a duplicate id', async () => {
        const store = await open();
        await store.createDevice(aDevice({ id: 'abcdef01' }));
        await expectStoreError(store.createDevice(aDevice({ id: 'abcdef01' })), 'DUPLICATE', 'id');
        expect((await store.listDevices({})).total).toBe(1);
      });

      it('chargePointIds are case-sensitive (the identity is taken from the URL as is)', async () => {
        const store = await open();
        await store.createDevice(aDevice({ chargePointId: 'cp-case' }));
        await store.createDevice(aDevice({ chargePointId: 'CP-CASE' }));
        expect(await store.getDeviceByChargePointId('Cp-Case')).toBeNull();
      });

      it('lists with tenant and chargePointId filters, total ignoring limit', async () => {
        const store = await open();
        await store.createDevice(aDevice({ tenant: 'acme', chargePointId: 'A1' }));
        await store.createDevice(aDevice({ tenant: 'acme', chargePointId: 'A2' }));
        await store.createDevice(aDevice({ tenant: 'globex', chargePointId: 'G1' }));

        const acme = await store.listDevices({ tenant: 'acme' });
        expect(acme.total).toBe(2);
        expect(acme.items.map((d) => d.chargePointId).sort()).toEqual(['A1', 'A2']);
        expect((await store.listDevices({ chargePointId: 'G1' })).items.map((d) => d.tenant)).toEqual(['globex']);
        expect(await store.listDevices({ tenant: 'acme', chargePointId: 'G1' })).toEqual({ items: [], total: 0 });
        expect(await store.listDevices({ tenant: 'initech' })).toEqual({ items: [], total: 0 });
        const limited = await store.listDevices({ limit: 1 });
        expect(limited.items).toHaveLength(1);
        expect(limited.total).toBe(3);
        expect(await store.listDevices({ limit: 0 })).toEqual({ items: [], total: 3 });
      });

      it('lists in a stable (createdAt, id) order and pages through it with limit/offset', async () => {
        const store = await open();
        for (const id of ['0000000c', '0000000a', '0000000e', '0000000b', '0000000d']) await store.createDevice(aDevice({ id }));
        const all = await store.listDevices({});
        const expected = [...all.items].sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1));
        expect(all.items.map((d) => d.id)).toEqual(expected.map((d) => d.id));
        expect(all.total).toBe(5);

        const pages = [];
        for (let offset = 0; offset < 5; offset += 2) {
          const p = await store.listDevices({ limit: 2, offset });
          expect(p.total).toBe(5);
          pages.push(...p.items);
        }
        expect(pages).toEqual(all.items);
        expect(await store.listDevices({ limit: 2, offset: 10 })).toEqual({ items: [], total: 5 });
        expect((await store.listDevices({ offset: 3 })).items).toEqual(all.items.slice(3));
      });

      it('updates: attrs merged key by key, site and templates replaced, updatedAt bumped', async () => {
        const store = await open();
        const d = await store.createDevice(
          aDevice({ attrs: { vendor: 'ACME', model: 'X1', firmware: '1.0' }, site: { name: 'Depot', lat: 1, lng: 2 }, templates: ['a', 'b'] }),
        );
        const u = await store.updateDevice(d.id, {
          label: 'Renamed',
          enabled: false,
          lenient: false,
          passwordHash: 'scrypt$x',
          templates: ['c'],
          attrs: { firmware: '1.1', serial: 'S-9', model: null },
          site: { address: 'Elsewhere' },
        });
        expect(u).toEqual({
          ...d,
          label: 'Renamed',
          enabled: false,
          lenient: false,
          passwordHash: 'scrypt$x',
          templates: ['c'],
          attrs: { vendor: 'ACME', model: null, firmware: '1.1', serial: 'S-9' },
          site: { address: 'Elsewhere' },
          updatedAt: expect.stringMatching(ISO_UTC),
        });
        expect(u!.createdAt).toBe(d.createdAt);
        expect(Date.parse(u!.updatedAt)).toBeGreaterThan(Date.parse(d.updatedAt));
        expect(await store.getDevice(d.id)).toEqual(u);
      });

      it('updates: fields absent from the patch are kept, nullable fields can be cleared', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({ lenient: true, passwordHash: 'h', site: { name: 'S' }, attrs: { a: 1 } }));
        const same = await store.updateDevice(d.id, {});
        expect({ ...same, updatedAt: d.updatedAt }).toEqual(d);
        const cleared = await store.updateDevice(d.id, { lenient: null, passwordHash: null, site: null });
        expect(cleared).toMatchObject({ lenient: null, passwordHash: null, site: null, attrs: { a: 1 }, label: d.label, enabled: true });
        expect(Date.parse(cleared!.updatedAt)).toBeGreaterThan(Date.parse(same!.updatedAt));
      });

      it('updates the security profile (whitepaper §2.1: 1, 2, 3) and keeps it when not given', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({}));
        expect(d.securityProfile).toBe(1);
        expect((await store.updateDevice(d.id, { securityProfile: 2 }))!.securityProfile).toBe(2);
        expect((await store.updateDevice(d.id, { label: 'x' }))!.securityProfile).toBe(2);
        expect((await store.getDeviceByChargePointId(d.chargePointId))!.securityProfile).toBe(2);
      });

      it('keeps a pending password hash beside the current one, and clears it', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({ passwordHash: 'old' }));
        expect((await store.updateDevice(d.id, { pendingPasswordHash: 'new' }))!).toMatchObject({ passwordHash: 'old', pendingPasswordHash: 'new' });
        expect((await store.updateDevice(d.id, { label: 'x' }))!.pendingPasswordHash).toBe('new');
        expect((await store.updateDevice(d.id, { passwordHash: 'new', pendingPasswordHash: null }))!).toMatchObject({ passwordHash: 'new', pendingPasswordHash: null });
      });

      it('updates the chargePointId, and the old one is free', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({ chargePointId: 'OLD' }));
        await store.updateDevice(d.id, { chargePointId: 'NEW' });
        expect((await store.getDeviceByChargePointId('NEW'))?.id).toBe(d.id);
        expect(await store.getDeviceByChargePointId('OLD')).toBeNull();
        await store.createDevice(aDevice({ chargePointId: 'OLD' }));
      });

      it('update to a taken chargePointId is DUPLICATE and applies nothing of the patch', async () => {
        const store = await open();
        await store.createDevice(aDevice({ chargePointId: 'TAKEN' }));
        const d = await store.createDevice(aDevice({ chargePointId: 'MINE', label: 'before' }));
        await expectStoreError(store.updateDevice(d.id, { chargePointId: 'TAKEN', label: 'after', attrs: { x: 1 } }), 'DUPLICATE', 'chargePointId');
        expect(await store.getDevice(d.id)).toEqual(d);
      });

      it('update of an unknown id answers null', async () => {
        const store = await open();
        expect(await store.updateDevice('deadbeef', { label: 'x' })).toBeNull();
      });

      it('concurrent updates of different attrs keys all land (no lost update)', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({ attrs: { vendor: 'ACME' } }));
        const n = 50;
        await Promise.all([
          ...Array.from({ length: n }, (_, i) => store.updateDevice(d.id, { attrs: { [`k${i}`]: i } })),
          store.updateDevice(d.id, { label: 'concurrent' }),
        ]);
        const after = await store.getDevice(d.id);
        expect(after!.label).toBe('concurrent');
        expect(after!.attrs).toEqual({ vendor: 'ACME', ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) });
      });

      it('deletes: true once, then false; the chargePointId is free again', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice({ chargePointId: 'GONE' }));
        expect(await store.deleteDevice(d.id)).toBe(true);
        expect(await store.deleteDevice(d.id)).toBe(false);
        expect(await store.getDevice(d.id)).toBeNull();
        expect(await store.getDeviceByChargePointId('GONE')).toBeNull();
        expect(await store.deleteDevice('deadbeef')).toBe(false);
        await store.createDevice(aDevice({ chargePointId: 'GONE' }));
      });
    });

    describe('transactions', () => {
      it('starts an active transaction with an int32 id', async () => {
        const store = await open();
        const t = await store.startTransaction(aTransaction('dev00001', { connectorId: 2, idTag: 'RFID-1', meterStart: 12_345, reservationId: 7 }));
        expect(t).toEqual({
          id: expect.any(Number),
          deviceId: 'dev00001',
          tenant: 'acme',
          chargerTransactionId: null,
          evseId: null,
          connectorId: 2,
          idTag: 'RFID-1',
          stopIdTag: null,
          startedAt: '2024-05-01T10:00:00.000Z',
          stoppedAt: null,
          meterStart: 12_345,
          meterStop: null,
          energyWh: null,
          stopReason: null,
          reservationId: 7,
          status: 'active',
        });
        expect(Number.isInteger(t.id) && t.id >= 1 && t.id <= INT32_MAX).toBe(true);
        expect(await store.getTransaction(t.id)).toEqual(t);
        expect((await store.startTransaction(aTransaction('dev00001'))).reservationId).toBeNull();
      });

      it('allocates strictly increasing ids', async () => {
        const store = await open();
        const ids: number[] = [];
        for (let i = 0; i < 10; i++) ids.push((await store.startTransaction(aTransaction('dev00001', { meterStart: i }))).id);
        for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
      });

      it('50 concurrent starts get 50 distinct ids', async () => {
        const store = await open();
        const started = await Promise.all(Array.from({ length: 50 }, (_, i) => store.startTransaction(aTransaction('dev00001', { meterStart: i }))));
        expect(new Set(started.map((t) => t.id)).size).toBe(50);
        expect((await store.listTransactions({})).total).toBe(50);
      });

      it('pages by id after a given one (afterId), in id order, whatever changes meanwhile', async () => {
        const store = await open();
        const ids: number[] = [];
        for (let i = 0; i < 7; i++) ids.push((await store.startTransaction(aTransaction('dev00001', { meterStart: i }))).id);
        const first = await store.listTransactions({ status: 'active', limit: 3 });
        expect(first.items.map((t) => t.id)).toEqual(ids.slice(0, 3));
        // Sessions of the first page end: with offset paging the next page would skip some.
        for (const t of first.items) await store.stopTransaction(t.id, { meterStop: 10, stoppedAt: '2024-05-01T11:00:00.000Z' });
        const next = await store.listTransactions({ status: 'active', afterId: first.items.at(-1)!.id, limit: 3 });
        expect(next.items.map((t) => t.id)).toEqual(ids.slice(3, 6));
        const last = await store.listTransactions({ status: 'active', afterId: next.items.at(-1)!.id, limit: 3 });
        expect(last.items.map((t) => t.id)).toEqual(ids.slice(6));
      });

      it('keeps the transactions of a deleted device, and never reuses their ids', async () => {
        const store = await open();
        const d = await store.createDevice(aDevice());
        const t = await store.startTransaction(aTransaction(d.id));
        await store.stopTransaction(t.id, { meterStop: 2000, stoppedAt: '2024-05-01T11:00:00.000Z' });
        expect(await store.deleteDevice(d.id)).toBe(true);
        expect(await store.getTransaction(t.id)).toMatchObject({ id: t.id, deviceId: d.id, energyWh: 1000 });
        expect((await store.listTransactions({ deviceId: d.id })).total).toBe(1);
        const next = await store.startTransaction(aTransaction('other001'));
        expect(next.id).toBeGreaterThan(t.id);
      });

      it('never reuses an id after the store is closed and reopened', async () => {
        const first = await open();
        const before = [];
        for (let i = 0; i < 3; i++) before.push((await first.startTransaction(aTransaction('dev00001', { meterStart: i }))).id);
        await first.close();
        const second = await open();
        const after = await second.startTransaction(aTransaction('dev00001', { meterStart: 99 }));
        expect(after.id).toBeGreaterThan(Math.max(...before));
        expect((await second.listTransactions({})).total).toBe(4);
      });

      it('stores start times as UTC and finds a transaction again by its start data', async () => {
        const store = await open();
        // The same instant as 10:00Z, as a charger in UTC+2 may send it.
        const t = await store.startTransaction(aTransaction('dev00001', { connectorId: 1, meterStart: 500, startedAt: '2024-05-01T12:00:00+02:00' }));
        expect(t.startedAt).toBe('2024-05-01T10:00:00.000Z');
        await store.startTransaction(aTransaction('dev00001', { connectorId: 2, meterStart: 500 }));

        expect(await store.findTransactionByStart('dev00001', 1, '2024-05-01T10:00:00Z', 500)).toEqual(t);
        expect(await store.findTransactionByStart('dev00001', 1, '2024-05-01T12:00:00.000+02:00', 500)).toEqual(t);
        expect(await store.findTransactionByStart('dev00002', 1, '2024-05-01T10:00:00Z', 500)).toBeNull();
        expect(await store.findTransactionByStart('dev00001', 3, '2024-05-01T10:00:00Z', 500)).toBeNull();
        expect(await store.findTransactionByStart('dev00001', 1, '2024-05-01T10:00:01Z', 500)).toBeNull();
        expect(await store.findTransactionByStart('dev00001', 1, '2024-05-01T10:00:00Z', 501)).toBeNull();
      });

      it('stops: completed, energyWh = meterStop - meterStart, stop idTag and reason kept', async () => {
        const store = await open();
        const t = await store.startTransaction(aTransaction('dev00001', { meterStart: 1000 }));
        const stopped = await store.stopTransaction(t.id, { meterStop: 8500, stoppedAt: '2024-05-01T13:30:00+02:00', stopReason: 'EVDisconnected', stopIdTag: 'OTHER-TAG' });
        expect(stopped).toEqual({
          ...t,
          status: 'completed',
          meterStop: 8500,
          energyWh: 7500,
          stoppedAt: '2024-05-01T11:30:00.000Z',
          stopReason: 'EVDisconnected',
          stopIdTag: 'OTHER-TAG',
        });
        expect(await store.getTransaction(t.id)).toEqual(stopped);
      });

      it('stop without reason or idTag stores nulls', async () => {
        const store = await open();
        const t = await store.startTransaction(aTransaction('dev00001'));
        expect(await store.stopTransaction(t.id, { meterStop: 1000, stoppedAt: '2024-05-01T10:00:00.000Z' })).toMatchObject({
          status: 'completed',
          energyWh: 0,
          stopReason: null,
          stopIdTag: null,
        });
      });

      it('stopping twice keeps the first stop; an unknown id answers null', async () => {
        const store = await open();
        const t = await store.startTransaction(aTransaction('dev00001'));
        const first = await store.stopTransaction(t.id, { meterStop: 2000, stoppedAt: '2024-05-01T11:00:00.000Z', stopReason: 'Local' });
        const again = await store.stopTransaction(t.id, { meterStop: 9999, stoppedAt: '2024-05-01T12:00:00.000Z', stopReason: 'Remote' });
        expect(again).toEqual(first);
        const racing = await store.startTransaction(aTransaction('dev00001', { meterStart: 1 }));
        const results = await Promise.all([10, 20, 30].map((m) => store.stopTransaction(racing.id, { meterStop: m, stoppedAt: '2024-05-01T12:00:00.000Z' })));
        expect(new Set(results.map((r) => r!.meterStop)).size).toBe(1);
        expect(await store.stopTransaction(987_654, { meterStop: 1, stoppedAt: '2024-05-01T12:00:00.000Z' })).toBeNull();
        expect(await store.getTransaction(987_654)).toBeNull();
        for (const bad of [0, -1, 1.5, INT32_MAX + 1]) {
          expect(await store.getTransaction(bad)).toBeNull();
          expect(await store.stopTransaction(bad, { meterStop: 1, stoppedAt: '2024-05-01T12:00:00.000Z' })).toBeNull();
        }
      });

      it('refuses numbers the columns cannot hold exactly, before writing anything (OCPP 1.6 JSON "integer" has no bound)', async () => {
        const store = await open();
        const t = await store.startTransaction(aTransaction('dev00001', { meterStart: 10 }));
        for (const bad of [{ meterStart: 1e308 }, { meterStart: 2 ** 53 }, { meterStart: 1.5 }, { connectorId: 2 ** 31 }, { reservationId: -(2 ** 31) - 1 }]) {
          const err = await rejection(store.startTransaction(aTransaction('dev00001', bad)));
          expect(err, JSON.stringify(bad)).toBeInstanceOf(RangeError);
        }
        // Nothing stored can match such a start: the idempotency lookup finds nothing, no error.
        expect(await store.findTransactionByStart('dev00001', 1, '2024-05-01T10:00:00.000Z', 1e308)).toBeNull();
        expect(await store.findTransactionByStart('dev00001', 2 ** 31, '2024-05-01T10:00:00.000Z', 10)).toBeNull();
        expect(await rejection(store.stopTransaction(t.id, { meterStop: 1e308, stoppedAt: '2024-05-01T11:00:00.000Z' }))).toBeInstanceOf(RangeError);
        expect(await store.getTransaction(t.id)).toEqual(t);
        expect((await store.listTransactions({})).total).toBe(1);
        // The largest exact values are kept as given.
        const big = await store.startTransaction(aTransaction('dev00001', { meterStart: 2 ** 53 - 1, connectorId: INT32_MAX }));
        expect(await store.getTransaction(big.id)).toMatchObject({ meterStart: 2 ** 53 - 1, connectorId: INT32_MAX });
        expect(big.id).toBeGreaterThan(t.id);
      });

      it('lists by tenant, device, time range and status, in id order, with paging and total', async () => {
        const store = await open();
        const mk = (deviceId: string, tenant: string, startedAt: string) => store.startTransaction(aTransaction(deviceId, { tenant, startedAt }));
        const t1 = await mk('dev0000a', 'acme', '2024-05-01T08:00:00.000Z');
        const t2 = await mk('dev0000a', 'acme', '2024-05-01T12:30:00+02:00'); // 10:30Z
        const t3 = await mk('dev0000b', 'acme', '2024-05-01T09:00:00.000Z');
        const t4 = await mk('dev0000g', 'globex', '2024-05-02T00:00:00.000Z');
        await store.stopTransaction(t2.id, { meterStop: 1500, stoppedAt: '2024-05-01T11:00:00.000Z' });
        const ids = async (f: Parameters<RegistryStore['listTransactions']>[0]) => (await store.listTransactions(f)).items.map((t) => t.id);

        expect(await ids({})).toEqual([t1.id, t2.id, t3.id, t4.id]);
        expect(await ids({ tenant: 'acme' })).toEqual([t1.id, t2.id, t3.id]);
        expect(await ids({ deviceId: 'dev0000a' })).toEqual([t1.id, t2.id]);
        expect(await ids({ tenant: 'globex', deviceId: 'dev0000a' })).toEqual([]);
        // from is inclusive, to exclusive; bounds with an offset compare as instants.
        expect(await ids({ from: '2024-05-01T09:00:00.000Z' })).toEqual([t2.id, t3.id, t4.id]);
        expect(await ids({ to: '2024-05-01T09:00:00.000Z' })).toEqual([t1.id]);
        expect(await ids({ from: '2024-05-01T11:00:00+02:00', to: '2024-05-01T12:30:00+02:00' })).toEqual([t3.id]);
        expect(await ids({ from: '2024-05-01T10:30:00Z', to: '2024-05-01T10:30:00.001Z' })).toEqual([t2.id]);
        expect(await ids({ status: 'completed' })).toEqual([t2.id]);
        expect(await ids({ status: 'active', tenant: 'acme' })).toEqual([t1.id, t3.id]);

        const page = await store.listTransactions({ limit: 2, offset: 1 });
        expect(page.total).toBe(4);
        expect(page.items.map((t) => t.id)).toEqual([t2.id, t3.id]);
        expect(page.items.map((t) => t.energyWh)).toEqual([500, null]);
        expect(await store.listTransactions({ tenant: 'acme', limit: 1, offset: 5 })).toEqual({ items: [], total: 3 });
      });
    });

    describe('idTags', () => {
      it('upserts and reads back per tenant', async () => {
        const store = await open();
        const tag = { tenant: 'acme', idTag: 'RFID-0001', status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET-1' } as const;
        expect(await store.upsertIdTag(tag)).toEqual(tag);
        expect(await store.getIdTag('acme', 'RFID-0001')).toEqual(tag);
        expect(await store.getIdTag('globex', 'RFID-0001')).toBeNull();
        expect(await store.getIdTag('acme', 'RFID-0002')).toBeNull();

        const blocked = { ...tag, status: 'Blocked', expiryDate: null, parentIdTag: null } as const;
        expect(await store.upsertIdTag(blocked)).toEqual(blocked);
        expect(await store.getIdTag('acme', 'RFID-0001')).toEqual(blocked);

        const other = { ...tag, tenant: 'globex', status: 'Expired' } as const;
        await store.upsertIdTag(other);
        expect(await store.getIdTag('globex', 'RFID-0001')).toEqual(other);
        expect(await store.getIdTag('acme', 'RFID-0001')).toEqual(blocked);
      });

      it('stores expiryDate as UTC', async () => {
        const store = await open();
        const saved = await store.upsertIdTag({ tenant: 'acme', idTag: 'T', status: 'Accepted', expiryDate: '2030-01-01T02:00:00+02:00', parentIdTag: null });
        expect(saved.expiryDate).toBe('2030-01-01T00:00:00.000Z');
        expect((await store.getIdTag('acme', 'T'))?.expiryDate).toBe('2030-01-01T00:00:00.000Z');
      });

      it('matches idTags case-insensitively (OCPP 1.6 §7.28: IdToken is a CiString)', async () => {
        const store = await open();
        await store.upsertIdTag({ tenant: 'acme', idTag: 'ABCDEF01', status: 'Accepted', expiryDate: null, parentIdTag: null });
        expect(await store.getIdTag('acme', 'abcdef01')).toMatchObject({ idTag: 'ABCDEF01', status: 'Accepted' });
        await store.upsertIdTag({ tenant: 'acme', idTag: 'abcdef01', status: 'Blocked', expiryDate: null, parentIdTag: null });
        expect(await store.getIdTag('acme', 'ABCDEF01')).toMatchObject({ idTag: 'abcdef01', status: 'Blocked' });
      });
    });
  });
}
