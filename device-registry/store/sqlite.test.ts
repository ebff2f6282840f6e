import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aDevice, registryStoreContract } from './contract.ts';
import { registryExtrasContract } from './contract-extras.ts';
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
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string; applied_at: string }>;
        expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
        expect(rows.every((r) => !Number.isNaN(Date.parse(r.applied_at)))).toBe(true);
      } finally {
        db.close();
      }
    });

    it('redraws a generated id that collides', async () => {
      const ids = ['aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb'];
      store = createSqliteStore({ file, newId: () => ids.shift()! });
      await store.migrate();
      expect((await store.createDevice(aDevice())).id).toBe('aaaaaaaa');
      expect((await store.createDevice(aDevice())).id).toBe('bbbbbbbb');
    });
  });
});
