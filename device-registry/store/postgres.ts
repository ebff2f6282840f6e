/**
 * The shared registry on PostgreSQL (DATABASE_URL), for several gateway processes at once.
 *
 * Concurrency comes from other processes as well as from this one, so every write is a single
 * statement whose row lock serializes it (the attrs merge is `attrs || $patch` inside the
 * UPDATE, so concurrent updates of different keys all land), and migrate() runs in one
 * transaction behind an advisory lock. The schema lives in whatever schema the connection's
 * search_path names first (tests use `?options=-c search_path=...`).
 *
 * Acknowledged means durable (issue 13): a single statement outside BEGIN is its own
 * transaction, committed by the server before it answers the statement (with the default
 * synchronous_commit = on, after the WAL flush), and an error at commit (a deferred constraint,
 * disk full) is that statement's error; node-postgres settles the query only on ReadyForQuery,
 * so an awaited pool.query() that resolved has committed. migrate() awaits its COMMIT and
 * checks that it was one. Storage failures go through storage-guard.ts.
 */
import pg from 'pg';
import type { Problem } from '../../common/health.ts';
import type { Logger } from '../../common/logger.ts';
import { newDeviceId } from '../ids.ts';
import { pgDeps, transaction } from './postgres-deps.ts';
import { postgresDevices } from './postgres-devices.ts';
import { postgresTransactions } from './postgres-transactions.ts';
import { postgresIdTags } from './postgres-id-tags.ts';
import { postgresTokens } from './postgres-tokens.ts';
import { postgresTemplates } from './postgres-templates.ts';
import { postgresProfileUpgrades } from './postgres-profile-upgrades.ts';
import { postgresCertificates } from './postgres-certificates.ts';
import { postgresAlerts } from './postgres-alerts.ts';
import { postgresShadows } from './postgres-shadows.ts';
import { postgresDeviceModel } from './postgres-device-model.ts';
import { pendingMigrations, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import { createStorageGuard, type StoreHealth } from './storage-guard.ts';
import type { RegistryStore } from './types.ts';

/** For the aggregates' files: what they are given (postgres-deps.ts). */
export type { PgDeps, PgRead, PgWrite } from './postgres-deps.ts';

export interface PostgresStoreOptions {
  /** A libpq-style connection URL, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Pool size. Default 10. */
  max?: number | undefined;
  /** Where an idle connection's failure is reported (the pool replaces the connection). */
  log?: Pick<Logger, 'warn'> | undefined;
  /** Device id generator; tests use it to force a collision. Default `newDeviceId`. */
  newId?: (() => string) | undefined;
  /** Where storage failures and recoveries are reported (common/health.ts), as check `registry`. */
  health?: StoreHealth | undefined;
  /** While the storage fails, how often a probe write checks whether it works again. Default 5000 ms. */
  probeIntervalMs?: number | undefined;
}

/** pg_advisory_xact_lock key that serializes migrate() across processes ("chargebr" in ASCII). */
const MIGRATION_LOCK = '7163082351321637490';

export function createPostgresStore(opts: PostgresStoreOptions): RegistryStore {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10 });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle PostgreSQL connection failed'));
  const guard = createStorageGuard({
    health: opts.health,
    component: 'registry',
    where: `registry (PostgreSQL ${serverName(opts.url)})`,
    classify: (err) => pgProblem(err, serverName(opts.url)),
    probeIntervalMs: opts.probeIntervalMs ?? 5000,
    // A committed no-op update: fails while the database is read-only, full or unreachable.
    async probe() {
      await pool.query('UPDATE schema_migrations SET applied_at = applied_at WHERE version = 1');
    },
  });
  const deps = pgDeps(pool, guard);

  let closing: Promise<void> | undefined;

  return {
    async migrate() {
      await transaction(pool, async (c) => {
        // Several processes may start at once: one migrates, the others wait and find it done.
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
        await c.query(SCHEMA_MIGRATIONS_DDL.postgres);
        const applied = (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version);
        for (const m of pendingMigrations(applied)) {
          await c.query(m.postgres);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
        }
      });
    },
    async close() {
      guard.close();
      closing ??= pool.end();
      await closing;
    },
    // One aggregate each (their tables: migrations.ts).
    ...postgresDevices({ ...deps, newId: opts.newId ?? newDeviceId }),
    ...postgresTransactions(deps),
    ...postgresIdTags(deps),
    ...postgresTokens(deps),
    ...postgresTemplates(deps),
    ...postgresShadows(deps),
    ...postgresAlerts(deps),
    ...postgresDeviceModel(deps),
    ...postgresProfileUpgrades(deps),
    ...postgresCertificates(deps),
  };
}

/** host:port/database of a connection URL, without the credentials, for the operator's message. */
function serverName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * What a PostgreSQL failure means for the operator. The server's disk is full (SQLSTATE 53100
 * disk_full) or the database is read-only (25006 read_only_sql_transaction: a standby, or
 * default_transaction_read_only); or the database cannot be reached: the connection failed or
 * was lost (node-postgres' own errors carry no code), or the server refuses connections (class
 * 08 connection_exception, 57P01-57P03 shutdown / cannot_connect_now, 53300
 * too_many_connections). Anything else is left to common/health.ts storageProblem.
 */
function pgProblem(err: unknown, server: string): Problem | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = String(e?.code ?? '');
  const message = String(e?.message ?? '');
  const where = `registry (PostgreSQL ${server})`;
  if (code === '53100') return { code: 'DISK_FULL', message: `${where}: the database server's disk is full (53100); free space there, the process recovers by itself` };
  if (code === '25006') return { code: 'READ_ONLY', message: `${where}: the database is read-only (25006: a standby, or default_transaction_read_only); point DATABASE_URL at the primary, the process recovers by itself` };
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(code);
  const refused = code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
  const lost = !code && /Connection terminated|timeout exceeded when trying to connect/.test(message);
  if (!network && !refused && !lost) return null;
  return {
    code: 'UNAVAILABLE',
    message: `${where}: the database cannot be reached (${code || message}); check DATABASE_URL and the server, the process recovers by itself`,
  };
}
