import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite, pragmaValue, type Database } from '../../common/sqlite.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inCI, mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../../test/tmpfs.ts';
import { aDevice, registryStoreContract } from './contract.ts';
import { registryExtrasContract } from './contract-extras.ts';
import { registryAlertsContract } from './contract-alerts.ts';
import { registryShadowsContract } from './contract-shadows.ts';
import { registryProfileUpgradesContract } from './contract-profile-upgrades.ts';
import { registryCertificatesContract } from './contract-certificates.ts';
import { registryFaultContract } from './contract-faults.ts';
import { registryOcpp201Contract, type Ocpp201Harness } from './contract-ocpp201.ts';
import { registryDeviceModelContract } from './contract-device-model.ts';
import { createSqliteStore } from './sqlite.ts';
import { MIGRATIONS } from './migrations.ts';
import type { RegistryStore } from './types.ts';

const root = mkdtempSync(path.join(tmpdir(), 'chargebridge-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SQLite registry store', () => {
  let file = '';
  beforeEach(() => {
    // A fresh file per test, in a directory that does not exist yet (the store creates it).
    file = path.join(root, randomUUID(), 'data', 'registry.db');
  });

  registryStoreContract('sqlite', async () => createSqliteStore({ file }));
  registryExtrasContract('sqlite', async () => createSqliteStore({ file }));
  registryAlertsContract('sqlite', async () => createSqliteStore({ file }));
  registryShadowsContract('sqlite', async () => createSqliteStore({ file }));
  registryProfileUpgradesContract('sqlite', async () => createSqliteStore({ file }));
  registryCertificatesContract('sqlite', async () => createSqliteStore({ file }));
  const raw: Ocpp201Harness = {
    backend: 'sqlite',
    make: async () => createSqliteStore({ file }),
    // A connection of its own, as another program on the file would have.
    async exec(text) {
      mkdirSync(path.dirname(file), { recursive: true });
      const db = openSqlite(file, ['busy_timeout = 5000']);
      try {
        db.exec(text);
      } finally {
        db.close();
      }
    },
    async rows(text) {
      const db = openSqlite(file, [], { readOnly: true });
      try {
        return db.prepare(text).all() as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
  };
  registryOcpp201Contract('sqlite', raw);
  registryDeviceModelContract('sqlite', raw);
  // Portable: the store's own connection turned read-only (SQLITE_READONLY on every write).
  registryFaultContract('sqlite, connection made read-only (PRAGMA query_only)', async ({ health, probeIntervalMs }) => {
    let db: Database | undefined;
    const store = createSqliteStore({ file, health, probeIntervalMs, onConnection: (c) => (db = c) });
    await store.migrate();
    const set = (on: boolean) => {
      if (db?.isOpen) db.exec(`PRAGMA query_only = ${on ? 'ON' : 'OFF'}`);
    };
    return { store, fault: { code: 'READ_ONLY', inject: async () => set(true), clear: async () => set(false) } };
  });

  describe('sqlite specifics', () => {
    let store: RegistryStore | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('creates the directory, uses WAL, records the migrations', async () => {
      store = createSqliteStore({ file });
      await store.migrate();
      expect(existsSync(file)).toBe(true);
      await store.close();
      const db = openSqlite(file, [], { readOnly: true });
      try {
        expect(pragmaValue(db, 'journal_mode')).toBe('wal');
        const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string; applied_at: string }>;
        expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
        expect(rows.every((r) => !Number.isNaN(Date.parse(r.applied_at)))).toBe(true);
      } finally {
        db.close();
      }
    });

    it('commits with synchronous = FULL: an acknowledged write survives a power cut', async () => {
      let db: Database | undefined;
      store = createSqliteStore({ file, onConnection: (c) => (db = c) });
      await store.migrate();
      // 2 = FULL (SQLite "PRAGMA synchronous"): the WAL is fsynced at every commit.
      expect(pragmaValue(db!, 'synchronous')).toBe(2);
    });

    it('redraws a generated id that collides', async () => {
      const ids = ['aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb'];
      store = createSqliteStore({ file, newId: () => ids.shift()! });
      await store.migrate();
      expect((await store.createDevice(aDevice())).id).toBe('aaaaaaaa');
      expect((await store.createDevice(aDevice())).id).toBe('bbbbbbbb');
    });

    it('groups the writes of one turn into one commit, and close() right after them commits them first', async () => {
      store = createSqliteStore({ file });
      await store.migrate();
      const asked = Array.from({ length: 25 }, () => store!.createDevice(aDevice()));
      await store.close();
      const created = await Promise.all(asked);
      store = createSqliteStore({ file });
      expect((await store.listDevices({})).total).toBe(25);
      expect(new Set(created.map((d) => d.id)).size).toBe(25);
    });
  });
});

// The real thing: the registry on a small tmpfs filled to the last byte. This is where
// better-sqlite3's .get() on INSERT ... RETURNING handed out rows that never committed
// (the stores now run on node:sqlite; the same tests hold it to the same rule).
const noTmpfs = tmpfsUnavailable();
if (noTmpfs) {
  if (!inCI) console.warn(`SQLite full-disk tests SKIPPED: ${noTmpfs}`);
  describe('SQLite registry store on a full file system', () => {
    // In CI a missing mount must not pass as "skipped".
    it.runIf(inCI)('mounting a tmpfs is required in CI', () => {
      throw new Error(noTmpfs);
    });
    it.skip(`skipped: ${noTmpfs}`, () => {});
  });
}

describe.skipIf(!!noTmpfs)('SQLite registry store on a full file system', () => {
  let fs: Tmpfs | undefined;
  beforeAll(() => {
    // One file system for every test of the contract, each with its own database (and WAL,
    // which may reach a few MiB): room enough that freeing the filler always frees enough.
    fs = mountTmpfs(64);
  });
  afterAll(() => fs?.unmount());

  registryFaultContract('sqlite on a full tmpfs (SQLITE_FULL at commit)', async ({ health, probeIntervalMs }) => {
    const store = createSqliteStore({ file: path.join(fs!.dir, randomUUID(), 'registry.db'), health, probeIntervalMs });
    await store.migrate();
    return { store, fault: { code: 'DISK_FULL', inject: async () => fs!.fill(), clear: async () => fs!.free() } };
  });
});
