/**
 * The embedded registry: one SQLite file under DATA_DIR (node:sqlite through common/sqlite.ts),
 * the all-in-one default.
 *
 * node:sqlite is synchronous, so inside this process every method runs to completion before
 * the next starts: Promise.all of many updates cannot interleave. Read-modify-write methods
 * still run in BEGIN IMMEDIATE transactions so that a second process on the same file (a CLI,
 * a backup tool) cannot slip in between the read and the write; busy_timeout makes it wait.
 *
 * Acknowledged means durable (issue 13). Every write is one BEGIN IMMEDIATE transaction whose
 * COMMIT common/sqlite.ts runs and checks, and rows of `RETURNING` are read with `.all()`, never
 * `.get()`. In autocommit mode SQLite hands out the first RETURNING row on the first
 * sqlite3_step and commits when the statement completes; a failed commit (SQLITE_FULL on a
 * full disk) is then reported by the last step or by sqlite3_reset, and better-sqlite3's
 * `.get()` (src/objects/statement.cpp, Statement::JS_get), which this store used before
 * node:sqlite, reset after one row and ignored what the reset returned. A write that never
 * committed looked like a success: on a full tmpfs five chargers got the same transactionId. synchronous = FULL makes each commit reach the disk
 * before it is acknowledged. Storage failures go through storage-guard.ts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openSqlite, prepare, transaction, type Database } from '../../common/sqlite.ts';
import { probeWrite } from '../../common/data-dir.ts';
import { newDeviceId } from '../ids.ts';
import { sqliteDeps } from './sqlite-deps.ts';
import { sqliteDevices } from './sqlite-devices.ts';
import { sqliteTransactions } from './sqlite-transactions.ts';
import { sqliteIdTags } from './sqlite-id-tags.ts';
import { sqliteTokens } from './sqlite-tokens.ts';
import { sqliteTemplates } from './sqlite-templates.ts';
import { sqliteAlerts } from './sqlite-alerts.ts';
import { sqliteShadows } from './sqlite-shadows.ts';
import { sqliteProfileUpgrades } from './sqlite-profile-upgrades.ts';
import { sqliteCertificates } from './sqlite-certificates.ts';
import { sqliteDeviceModel } from './sqlite-device-model.ts';
import { pendingMigrations, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import { createStorageGuard, type StoreHealth } from './storage-guard.ts';
import type { RegistryStore } from './types.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, normally `${DATA_DIR}/registry.db`; its directory is created if missing. */
  file: string;
  /** How long a write waits for another process's lock before failing with SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /** Device id generator; tests use it to force a collision. Default `newDeviceId`. */
  newId?: (() => string) | undefined;
  /** Where storage failures and recoveries are reported (common/health.ts), as check `registry`. */
  health?: StoreHealth | undefined;
  /** While the storage fails, how often a probe write checks whether it works again. Default 5000 ms. */
  probeIntervalMs?: number | undefined;
  /** Test seam: called with the open connection; the contract suite injects storage faults with it. */
  onConnection?: ((db: Database) => void) | undefined;
}

export function createSqliteStore(opts: SqliteStoreOptions): RegistryStore {
  mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
  // synchronous FULL, not NORMAL: in WAL mode NORMAL skips the WAL fsync at commit, so a power
  // cut may lose the last acknowledged StartTransaction/StopTransaction (SQLite docs, PRAGMA
  // synchronous: "A transaction committed in WAL mode with synchronous=NORMAL might roll back
  // following a power loss or system crash"). The cost, one fsync per write, is in docs/api.md
  // (Storage).
  const db = openSqlite(opts.file, ['journal_mode = WAL', 'synchronous = FULL', `busy_timeout = ${opts.busyTimeoutMs ?? 5000}`]);
  opts.onConnection?.(db);

  const guard = createStorageGuard({
    health: opts.health,
    component: 'registry',
    where: `registry (${opts.file})`,
    probeIntervalMs: opts.probeIntervalMs ?? 5000,
    // The directory takes a file that reaches the disk, and the database itself takes a
    // commit (a no-op update: SQLITE_READONLY_DBMOVED and the like pass a file probe).
    async probe() {
      probeWrite(path.dirname(path.resolve(opts.file)));
      deps.immediate(() => deps.sql('UPDATE schema_migrations SET applied_at = applied_at WHERE version = 1').run());
    },
  });
  const deps = sqliteDeps(db, guard);

  const migrate = transaction(db, () => {
    db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    const applied = (prepare(db, 'SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version);
    for (const m of pendingMigrations(applied)) {
      db.exec(m.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    }
  });

  let closed = false;

  return {
    async migrate() {
      migrate.immediate();
    },
    async close() {
      if (closed) return;
      closed = true;
      // What was asked for before the close is committed (or fails) now, not on a closed connection.
      deps.group.drain();
      guard.close();
      deps.forget();
      db.close();
    },
    // One aggregate each (their tables: migrations.ts).
    ...sqliteDevices({ ...deps, newId: opts.newId ?? newDeviceId }),
    ...sqliteTransactions(deps),
    ...sqliteIdTags(deps),
    ...sqliteTokens(deps),
    ...sqliteTemplates(deps),
    ...sqliteShadows(deps),
    ...sqliteAlerts(deps),
    ...sqliteDeviceModel(deps),
    ...sqliteProfileUpgrades(deps),
    ...sqliteCertificates(deps),
  };
}
