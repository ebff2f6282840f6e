/**
 * Contract for migration 8 (OCPP 2.0.1): the station's own transactionId and the EVSE id on a
 * session, an idempotent start by that id, a start completed by a later event, and the
 * subprotocol preferred for a device. Every backend runs it beside `registryStoreContract`.
 *
 * Besides `make` (as in contract.ts: a store, not yet migrated, on the current test's storage)
 * the backend hands in raw access to that storage, outside the store: the migration test builds
 * a database at version 7 with data in it, and the schema's own checks are tried directly.
 */
import { describe, expect, it } from 'vitest';
import { aDevice, aTransaction } from './contract.ts';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import { OCPP_PROTOCOLS, type OcppProtocol } from '../../ocpp/protocols.ts';
import { StoreError, type StoreErrorCode } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';
import { suiteStores } from './contract-stores.ts';

export interface Ocpp201Harness {
  backend: 'sqlite' | 'postgres';
  make: () => Promise<RegistryStore>;
  /** Runs SQL text (one or more statements separated by `;`) on the current test's storage. */
  exec: (sql: string) => Promise<void>;
  /** Runs one query on the current test's storage and returns its rows. */
  rows: (sql: string) => Promise<Array<Record<string, unknown>>>;
}

/** A TransactionEvent transactionId as stations send it: a UUID, 36 characters. */
const UUID = '3f1c9b2e-5a7d-4e8f-9b6a-0c2d4e6f8a1b';
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

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function registryOcpp201Contract(name: string, h: Ocpp201Harness): void {
  describe(`${name}: OCPP 2.0.1 sessions and protocol (migration 8)`, () => {
    const { open } = suiteStores(() => h.make());

    describe('transactions', () => {
      it('chargerTransactionId and evseId round-trip; a 1.6 start has them null', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, evseId: 2, connectorId: 1, meterStart: 500 }));
        expect(t).toEqual({
          id: expect.any(Number),
          deviceId: 'dev00001',
          tenant: 'acme',
          chargerTransactionId: UUID,
          evseId: 2,
          connectorId: 1,
          idTag: 'TAG-1',
          stopIdTag: null,
          startedAt: '2024-05-01T10:00:00.000Z',
          stoppedAt: null,
          meterStart: 500,
          meterStop: null,
          energyWh: null,
          stopReason: null,
          reservationId: null,
          status: 'active',
        });
        expect(await s.getTransaction(t.id)).toEqual(t);
        expect((await s.listTransactions({ deviceId: 'dev00001' })).items).toEqual([t]);
        const stopped = await s.stopTransaction(t.id, { meterStop: 1500, stoppedAt: '2024-05-01T11:00:00.000Z' });
        expect(stopped).toMatchObject({ chargerTransactionId: UUID, evseId: 2, energyWh: 1000, status: 'completed' });

        const v16 = await s.startTransaction(aTransaction('dev00001', { meterStart: 7 }));
        expect(v16).toMatchObject({ chargerTransactionId: null, evseId: null });
        expect(v16.id).toBeGreaterThan(t.id);
        // Explicit nulls are 1.6 sessions too; several per device (the unique index leaves NULL out).
        const v16b = await s.startTransaction(aTransaction('dev00001', { meterStart: 8, chargerTransactionId: null, evseId: null }));
        expect(v16b).toMatchObject({ chargerTransactionId: null, evseId: null });
        expect(v16b.id).not.toBe(v16.id);
      });

      it('a charger id of 36 characters is kept as given (characters, not bytes or UTF-16 units)', async () => {
        const s = await open();
        for (const id of ['x', UUID.toUpperCase(), '€'.repeat(36), '🔌'.repeat(36), "quote ' and \" and ; --"]) {
          const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: id }));
          expect(t.chargerTransactionId).toBe(id);
          expect(await s.findTransactionByChargerId('dev00001', id)).toEqual(t);
        }
      });

      it('refuses an empty or too long charger id, and an evseId that is not int32, writing nothing', async () => {
        const s = await open();
        for (const bad of ['', 'a'.repeat(37), '€'.repeat(37), 'nul\u0000inside', 'lone \ud800 surrogate']) {
          await expectStoreError(s.startTransaction(aTransaction('dev00001', { chargerTransactionId: bad })), 'INVALID', 'chargerTransactionId');
        }
        for (const evseId of [2 ** 31, 1.5, -(2 ** 31) - 1]) {
          expect(await rejection(s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, evseId })))).toBeInstanceOf(RangeError);
        }
        expect((await s.listTransactions({})).total).toBe(0);
        const max = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, evseId: INT32_MAX }));
        expect(max.evseId).toBe(INT32_MAX);
      });

      it('findTransactionByChargerId: by device and exact id (case-sensitive); null otherwise', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: 'TX-1' }));
        await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: 'TX-2', meterStart: 2 }));
        await s.startTransaction(aTransaction('dev00001', { meterStart: 3 }));
        expect(await s.findTransactionByChargerId('dev00001', 'TX-1')).toEqual(t);
        expect(await s.findTransactionByChargerId('dev00001', 'tx-1')).toBeNull();
        expect(await s.findTransactionByChargerId('dev00002', 'TX-1')).toBeNull();
        expect(await s.findTransactionByChargerId('dev00001', 'TX-3')).toBeNull();
        // Ids no session can have are simply not found (no error, as for findTransactionByStart).
        expect(await s.findTransactionByChargerId('dev00001', '')).toBeNull();
        expect(await s.findTransactionByChargerId('dev00001', 'a'.repeat(37))).toBeNull();
        expect(await s.findTransactionByChargerId('dev00001', 'nul\u0000')).toBeNull();
      });

      it('a second start with the same (device, charger id) returns the stored session and creates no row', async () => {
        const s = await open();
        const first = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, evseId: 1, meterStart: 100, idTag: 'A' }));
        // A resend may differ (a later timestamp, another meter reading): the stored one stands.
        const again = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, evseId: 2, meterStart: 999, idTag: 'B', startedAt: '2024-05-01T10:00:05.000Z' }));
        expect(again).toEqual(first);
        expect((await s.listTransactions({})).total).toBe(1);
        // Also once it is completed: the completed session, unchanged.
        const stopped = await s.stopTransaction(first.id, { meterStop: 600, stoppedAt: '2024-05-01T11:00:00.000Z' });
        expect(await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID }))).toEqual(stopped);
        expect((await s.listTransactions({})).total).toBe(1);
        // Ids go on increasing past the starts that inserted nothing.
        expect((await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: 'other' }))).id).toBeGreaterThan(first.id);
      });

      it('concurrent starts with the same charger id, through one store and through two: exactly one row', async () => {
        const a = await open();
        const b = await open();
        const starts = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, meterStart: i })));
        const results = await Promise.all(starts);
        expect(new Set(results.map((t) => t.id)).size).toBe(1);
        expect(results.every((t) => JSON.stringify(t) === JSON.stringify(results[0]))).toBe(true);
        expect((await a.listTransactions({})).total).toBe(1);
        // And distinct charger ids at the same time all get rows of their own.
        const many = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).startTransaction(aTransaction('dev00001', { chargerTransactionId: `tx-${i}` }))));
        expect(new Set(many.map((t) => t.id)).size).toBe(20);
        expect((await b.listTransactions({})).total).toBe(21);
      });

      it('the same charger id on two devices is two sessions', async () => {
        const s = await open();
        const one = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID }));
        const two = await s.startTransaction(aTransaction('dev00002', { chargerTransactionId: UUID }));
        expect(two.id).not.toBe(one.id);
        expect(await s.findTransactionByChargerId('dev00001', UUID)).toEqual(one);
        expect(await s.findTransactionByChargerId('dev00002', UUID)).toEqual(two);
        expect((await s.listTransactions({})).total).toBe(2);
      });

      it('updateTransactionStart fills in meterStart and idTag of an active session, keeping what the patch leaves out', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, meterStart: 0, idTag: '' }));
        const metered = await s.updateTransactionStart(t.id, { meterStart: 12_000 });
        expect(metered).toEqual({ ...t, meterStart: 12_000 });
        const tagged = await s.updateTransactionStart(t.id, { idTag: 'RFID-7' });
        expect(tagged).toEqual({ ...t, meterStart: 12_000, idTag: 'RFID-7' });
        expect(await s.updateTransactionStart(t.id, {})).toEqual(tagged);
        expect(await s.updateTransactionStart(t.id, { meterStart: 12_500, idTag: 'RFID-8' })).toEqual({ ...t, meterStart: 12_500, idTag: 'RFID-8' });
        expect(await s.getTransaction(t.id)).toEqual({ ...t, meterStart: 12_500, idTag: 'RFID-8' });
        // The energy is counted from the start as updated.
        expect(await s.stopTransaction(t.id, { meterStop: 15_000, stoppedAt: '2024-05-01T11:00:00.000Z' })).toMatchObject({ energyWh: 2_500 });
      });

      it('updateTransactionStart gives a session started without its EVSE the EVSE (evseId and connectorId)', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, connectorId: 0, evseId: 0 }));
        expect(await s.updateTransactionStart(t.id, { evseId: 2 })).toEqual({ ...t, evseId: 2, connectorId: 2 });
        await expect(s.updateTransactionStart(t.id, { evseId: 2 ** 31 })).rejects.toThrow(RangeError);
        expect(await s.getTransaction(t.id)).toEqual({ ...t, evseId: 2, connectorId: 2 });
      });

      it('updateTransactionStart on a completed session is CONFLICT and changes nothing; unknown ids answer null', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID, meterStart: 100 }));
        const stopped = await s.stopTransaction(t.id, { meterStop: 300, stoppedAt: '2024-05-01T11:00:00.000Z' });
        await expectStoreError(s.updateTransactionStart(t.id, { meterStart: 200 }), 'CONFLICT', 'status');
        await expectStoreError(s.updateTransactionStart(t.id, { idTag: 'late' }), 'CONFLICT', 'status');
        expect(await s.getTransaction(t.id)).toEqual(stopped);
        expect(await s.updateTransactionStart(987_654, { meterStart: 1 })).toBeNull();
        for (const bad of [0, -1, 1.5, INT32_MAX + 1]) expect(await s.updateTransactionStart(bad, { meterStart: 1 })).toBeNull();
      });

      it('updateTransactionStart refuses a meter reading the column cannot hold, before writing', async () => {
        const s = await open();
        const t = await s.startTransaction(aTransaction('dev00001', { meterStart: 5 }));
        for (const meterStart of [1e308, 2 ** 53, 1.5]) expect(await rejection(s.updateTransactionStart(t.id, { meterStart, idTag: 'X' }))).toBeInstanceOf(RangeError);
        expect(await s.getTransaction(t.id)).toEqual(t);
        // A 1.6 session may be updated the same way (the store does not tell the versions apart here).
        expect(await s.updateTransactionStart(t.id, { meterStart: 2 ** 53 - 1 })).toMatchObject({ meterStart: 2 ** 53 - 1 });
      });

      it('a stop and an update racing: either the update lands before the stop, or it is CONFLICT', async () => {
        const s = await open();
        for (let i = 0; i < 10; i++) {
          const t = await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: `race-${i}`, meterStart: 0 }));
          const [update, stop] = await Promise.allSettled([
            s.updateTransactionStart(t.id, { meterStart: 100 }),
            s.stopTransaction(t.id, { meterStop: 1000, stoppedAt: '2024-05-01T11:00:00.000Z' }),
          ]);
          expect(stop.status).toBe('fulfilled');
          const final = (await s.getTransaction(t.id))!;
          expect(final.status).toBe('completed');
          if (update.status === 'fulfilled') expect(final).toMatchObject({ meterStart: 100, energyWh: 900 });
          else expect([update.reason, final.meterStart]).toMatchObject([{ code: 'CONFLICT' }, 0]);
        }
      });
    });

    describe('devices: ocppProtocol', () => {
      it('null by default; each protocol set at creation reads back the same everywhere', async () => {
        const s = await open();
        expect((await s.createDevice(aDevice())).ocppProtocol).toBeNull();
        for (const p of OCPP_PROTOCOLS) {
          const d = await s.createDevice(aDevice({ ocppProtocol: p }));
          expect(d.ocppProtocol).toBe(p);
          expect(await s.getDevice(d.id)).toEqual(d);
          expect(await s.getDeviceByChargePointId(d.chargePointId)).toEqual(d);
          expect((await s.listDevices({ chargePointId: d.chargePointId })).items).toEqual([d]);
          expect((await s.listShadows({ limit: 100 })).find((x) => x.device.id === d.id)?.device).toEqual(d);
        }
        expect((await s.createDevice(aDevice({ ocppProtocol: null }))).ocppProtocol).toBeNull();
      });

      it('patched, kept when not given, cleared with null', async () => {
        const s = await open();
        const d = await s.createDevice(aDevice({ ocppProtocol: 'ocpp1.6' }));
        expect((await s.updateDevice(d.id, { ocppProtocol: 'ocpp2.0.1' }))!.ocppProtocol).toBe('ocpp2.0.1');
        expect((await s.updateDevice(d.id, { label: 'x' }))!.ocppProtocol).toBe('ocpp2.0.1');
        expect((await s.updateDevice(d.id, { ocppProtocol: 'ocpp2.1', enabled: false }))!).toMatchObject({ ocppProtocol: 'ocpp2.1', enabled: false });
        const cleared = await s.updateDevice(d.id, { ocppProtocol: null });
        expect(cleared!.ocppProtocol).toBeNull();
        expect(await s.getDevice(d.id)).toEqual(cleared);
      });

      it('an unknown protocol is refused (INVALID, field ocppProtocol) and nothing is written', async () => {
        const s = await open();
        for (const bad of ['ocpp2.0', 'OCPP1.6', '', 'ocpp1.6 ']) {
          await expectStoreError(s.createDevice(aDevice({ ocppProtocol: bad as OcppProtocol })), 'INVALID', 'ocppProtocol');
        }
        expect((await s.listDevices({})).total).toBe(0);
        const d = await s.createDevice(aDevice({ ocppProtocol: 'ocpp2.0.1' }));
        await expectStoreError(s.updateDevice(d.id, { ocppProtocol: 'ocpp3' as OcppProtocol, label: 'changed' }), 'INVALID', 'ocppProtocol');
        expect(await s.getDevice(d.id)).toEqual(d);
      });

      it('the schema itself refuses an unknown protocol (CHECK), whoever writes', async () => {
        const s = await open();
        const d = await s.createDevice(aDevice());
        await expect(h.exec(`UPDATE devices SET ocpp_protocol = 'ocpp1.5' WHERE id = ${quote(d.id)}`)).rejects.toThrow();
        await h.exec(`UPDATE devices SET ocpp_protocol = 'ocpp2.1' WHERE id = ${quote(d.id)}`);
        expect((await s.getDevice(d.id))!.ocppProtocol).toBe('ocpp2.1');
      });
    });

    describe('migration 8', () => {
      /** A database as version 7 left it, with a device and two sessions (one completed). */
      async function atVersion7(): Promise<void> {
        const upTo7 = MIGRATIONS.filter((m) => m.version <= 7);
        let text = `${SCHEMA_MIGRATIONS_DDL[h.backend]};\n`;
        for (const m of upTo7) {
          text += `${m[h.backend]};\n`;
          text += `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${quote(m.name)}, '2024-01-01T00:00:00.000Z');\n`;
        }
        text += `
          INSERT INTO devices (id, tenant, charge_point_id, label, created_at, updated_at)
            VALUES ('0000aaaa', 'acme', 'CP-V7', 'Old charger', '2024-05-01T09:00:00.000Z', '2024-05-01T09:00:00.000Z');
          INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, stopped_at, meter_start, meter_stop, stop_reason, status)
            VALUES ('0000aaaa', 'acme', 1, 'TAG-1', '2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z', 1000, 1500, 'Local', 'completed');
          INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, status)
            VALUES ('0000aaaa', 'acme', 2, 'TAG-2', '2024-05-01T10:30:00.000Z', 2000, 'active');
        `;
        await h.exec(text);
      }

      it('applies on a database at version 7 with data: old rows keep their values, with the new fields null', async () => {
        await atVersion7();
        expect((await h.rows('SELECT max(version) AS v FROM schema_migrations'))[0]).toEqual({ v: 7 });
        const s = await open();
        expect((await h.rows('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((m) => m.version));

        const device = await s.getDevice('0000aaaa');
        expect(device).toMatchObject({ chargePointId: 'CP-V7', label: 'Old charger', enabled: true, securityProfile: 1, ocppProtocol: null });
        const old = (await s.listTransactions({ deviceId: '0000aaaa' })).items;
        expect(old).toEqual([
          expect.objectContaining({ connectorId: 1, idTag: 'TAG-1', meterStart: 1000, meterStop: 1500, energyWh: 500, status: 'completed', chargerTransactionId: null, evseId: null }),
          expect.objectContaining({ connectorId: 2, idTag: 'TAG-2', meterStart: 2000, status: 'active', chargerTransactionId: null, evseId: null }),
        ]);
        // 1.6 idempotency by start data still finds the old session; its id stays ours.
        expect(await s.findTransactionByStart('0000aaaa', 2, '2024-05-01T10:30:00.000Z', 2000)).toEqual(old[1]);

        // New sessions continue the id sequence; 1.6 and 2.0.1 starts both work on the old device.
        const v16 = await s.startTransaction(aTransaction('0000aaaa', { meterStart: 3000 }));
        expect(v16.id).toBeGreaterThan(Math.max(...old.map((t) => t.id)));
        const v201 = await s.startTransaction(aTransaction('0000aaaa', { chargerTransactionId: UUID, evseId: 1 }));
        expect(await s.startTransaction(aTransaction('0000aaaa', { chargerTransactionId: UUID }))).toEqual(v201);
        expect((await s.listTransactions({ deviceId: '0000aaaa' })).total).toBe(4);
        expect(await s.updateTransactionStart(old[1]!.id, { meterStart: 2001 })).toMatchObject({ meterStart: 2001, chargerTransactionId: null });
        expect((await s.updateDevice('0000aaaa', { ocppProtocol: 'ocpp1.6' }))!.ocppProtocol).toBe('ocpp1.6');

        // Migrating again changes nothing.
        await s.migrate();
        expect(await s.getTransaction(v201.id)).toEqual(v201);
      });

      it('the unique index holds the pair (device, charger id) and leaves 1.6 rows (NULL) out of it', async () => {
        const s = await open();
        await s.startTransaction(aTransaction('dev00001', { chargerTransactionId: UUID }));
        const insert = (deviceId: string, chargerId: string | null) =>
          h.exec(
            `INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, charger_transaction_id, status)
             VALUES (${quote(deviceId)}, 'acme', 1, 'T', '2024-05-01T10:00:00.000Z', 1, ${chargerId === null ? 'NULL' : quote(chargerId)}, 'active')`,
          );
        await expect(insert('dev00001', UUID)).rejects.toThrow();
        await insert('dev00002', UUID);
        await insert('dev00001', null);
        await insert('dev00001', null);
        // The length check backs the store's own: a raw write of 37 characters fails as well.
        await expect(insert('dev00001', 'a'.repeat(37))).rejects.toThrow();
        await expect(insert('dev00001', '')).rejects.toThrow();
        expect((await s.listTransactions({})).total).toBe(4);
      });
    });
  });
}
