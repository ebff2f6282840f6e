/**
 * The contract on a real PostgreSQL: TEST_DATABASE_URL (see .ci/run for the setup). Each test
 * gets a schema of its own, named by the connection's search_path, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aDevice, registryStoreContract } from './contract.ts';
import { registryExtrasContract } from './contract-extras.ts';
import { registryAlertsContract } from './contract-alerts.ts';
import { registryShadowsContract } from './contract-shadows.ts';
import { registryProfileUpgradesContract } from './contract-profile-upgrades.ts';
import { registryCertificatesContract } from './contract-certificates.ts';
import { registryFaultContract } from './contract-faults.ts';
import { registryOcpp201Contract, type Ocpp201Harness } from './contract-ocpp201.ts';
import { registryDeviceModelContract } from './contract-device-model.ts';
import { MIGRATIONS } from './migrations.ts';
import { createPostgresStore } from './postgres.ts';
import { StoreError } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';
import { freePort } from '../../test/processes.ts';

const url = process.env['TEST_DATABASE_URL'];
const ci = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0';

/**
 * A fault at COMMIT time, in the test's own schema only (the database is shared): a deferred
 * constraint trigger on every table raises SQLSTATE 53100 disk_full while the switch is on, so
 * the error arrives after the statement ran and its RETURNING row was sent, the way a failed
 * WAL write at commit does.
 */
function faultDdl(schema: string): string {
  const tables = ['devices', 'transactions', 'id_tags', 'api_tokens', 'templates', 'device_shadows', 'device_variables', 'schema_migrations'];
  return `
    CREATE TABLE ${schema}.fault_switch (on_ boolean NOT NULL);
    INSERT INTO ${schema}.fault_switch VALUES (false);
    CREATE FUNCTION ${schema}.fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT on_ FROM ${schema}.fault_switch) THEN
        RAISE EXCEPTION 'injected: could not extend file: No space left on device' USING ERRCODE = '53100';
      END IF;
      RETURN NULL;
    END $$;
    ${tables.map((t) => `CREATE CONSTRAINT TRIGGER fault AFTER INSERT OR UPDATE OR DELETE ON ${schema}.${t} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${schema}.fault();`).join('\n')}
  `;
}

/** The same database, with `schema` first on the search_path. */
function urlWithSchema(base: string, schema: string): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

if (!url) {
  describe('PostgreSQL registry store', () => {
    // Never skipped: a missing database is a failure, not a pass (.ci/run creates one).
    it('needs TEST_DATABASE_URL', () => {
      throw new Error('TEST_DATABASE_URL is not set (e.g. postgres://chargebridge:chargebridge@127.0.0.1:5432/chargebridge_test; .ci/run creates it)');
    });
  });
}

describe.skipIf(!url)('PostgreSQL registry store', () => {
  let admin: pg.Client;
  let schema = '';
  let schemaUrl = '';

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });
  beforeEach(async () => {
    schema = `cb_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    schemaUrl = urlWithSchema(url!, schema);
  });
  afterEach(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  /** A client of its own on the current test's schema. */
  async function inSchema<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: schemaUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  registryStoreContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  registryExtrasContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  registryAlertsContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  registryShadowsContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  registryProfileUpgradesContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  registryCertificatesContract('postgres', async () => createPostgresStore({ url: schemaUrl }));
  const raw: Ocpp201Harness = {
    backend: 'postgres',
    make: async () => createPostgresStore({ url: schemaUrl }),
    // On the test's schema (search_path), outside the store's pool.
    exec: async (text) => void (await inSchema((c) => c.query(text))),
    rows: async (text) => (await inSchema((c) => c.query(text))).rows,
  };
  registryOcpp201Contract('postgres', raw);
  registryDeviceModelContract('postgres', raw);
  registryFaultContract('postgres, disk full at COMMIT (deferred trigger, SQLSTATE 53100)', async ({ health, probeIntervalMs }) => {
    const store = createPostgresStore({ url: schemaUrl, health, probeIntervalMs });
    await store.migrate();
    await admin.query(faultDdl(schema));
    const set = async (on: boolean) => {
      await admin.query(`UPDATE ${schema}.fault_switch SET on_ = $1`, [on]);
    };
    return { store, fault: { code: 'DISK_FULL', inject: () => set(true), clear: () => set(false) } };
  });

  describe('postgres specifics', () => {
    let store: RegistryStore | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('creates its tables in the search_path schema and records the migrations', async () => {
      store = createPostgresStore({ url: schemaUrl });
      await store.migrate();
      const tables = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['devices', 'id_tags', 'schema_migrations', 'transactions']));
      const applied = await admin.query<{ version: number; name: string; applied_at: Date }>(`SELECT version, name, applied_at FROM ${schema}.schema_migrations ORDER BY version`);
      expect(applied.rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(applied.rows.every((r) => r.applied_at instanceof Date)).toBe(true);
    });

    it('many processes migrating at once: the advisory lock lets exactly one apply each migration', async () => {
      const stores = Array.from({ length: 5 }, () => createPostgresStore({ url: schemaUrl, max: 2 }));
      try {
        await Promise.all(stores.map((s) => s.migrate()));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
      const applied = await admin.query(`SELECT version FROM ${schema}.schema_migrations`);
      expect(applied.rowCount).toBe(MIGRATIONS.length);
    });

    it('redraws a generated id that collides', async () => {
      const ids = ['aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb'];
      store = createPostgresStore({ url: schemaUrl, newId: () => ids.shift()! });
      await store.migrate();
      expect((await store.createDevice(aDevice())).id).toBe('aaaaaaaa');
      expect((await store.createDevice(aDevice())).id).toBe('bbbbbbbb');
    });

    it('transaction ids come from an int4 identity that never cycles', async () => {
      store = createPostgresStore({ url: schemaUrl });
      await store.migrate();
      const seq = await admin.query<{ data_type: string; cycle: boolean; max_value: string }>(
        'SELECT data_type::text, cycle, max_value FROM pg_sequences WHERE schemaname = $1',
        [schema],
      );
      expect(seq.rows).toEqual([{ data_type: 'integer', cycle: false, max_value: String(2 ** 31 - 1) }]);
    });
  });
});

// Needs no server: nothing listens on the port.
describe('PostgreSQL registry store, database unreachable', () => {
  it('a write raises UNAVAILABLE and the outage is reported as check registry', async () => {
    const events: string[] = [];
    const health = { fail: (c: string, p: { code: string }) => void events.push(`fail ${c} ${p.code}`), ok: (c: string) => void events.push(`ok ${c}`) };
    const store = createPostgresStore({ url: `postgres://nobody:secret@127.0.0.1:${await freePort()}/none`, health, probeIntervalMs: 60_000 });
    try {
      const err = await store.createDevice(aDevice()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', problem: 'UNAVAILABLE' });
      expect(events).toEqual(['ok registry', 'fail registry UNAVAILABLE']);
    } finally {
      await store.close();
    }
  });
});
