/**
 * What every PostgreSQL aggregate file (postgres-devices.ts, postgres-transactions.ts, ...) is
 * given: the pool, writes and reads through the storage guard, one-row and paged queries, the
 * rows' mappers for node-postgres' column types, and its duplicate-key errors. The rules of
 * postgres.ts hold for all of them: a write is one statement (its own transaction, committed
 * when the awaited query resolves) or a `transaction()` whose COMMIT is awaited and checked.
 */
import type pg from 'pg';
import { duplicateOf, type UniqueKey, type Where } from './helpers.ts';
import { rowMappers, type PgColumns } from './rows.ts';
import type { StorageGuard } from './storage-guard.ts';

/** Runs one write (one statement, or a transaction whose COMMIT is awaited) through the storage guard. */
export type PgWrite = <T>(fn: () => Promise<T>) => Promise<T>;
/** Runs a read through the storage guard. */
export type PgRead = <T>(fn: () => Promise<T>) => Promise<T>;

export interface PgDeps {
  pool: pg.Pool;
  write: PgWrite;
  read: PgRead;
  /** The first row of a query, or null (unguarded: inside `write` or `read`). */
  one<R extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<R | null>;
  /** The rows of a query (unguarded). */
  all<R extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<R[]>;
  /** A write (guarded) that reports whether it changed a row. */
  changed(text: string, params: unknown[]): Promise<boolean>;
  /** Count and page of `SELECT * FROM from`, guarded as a read; `where` numbered (helpers.ts Where). */
  page<R extends pg.QueryResultRow>(from: string, where: Where, order: string, limit: number | null, offset: number): Promise<{ rows: R[]; total: number }>;
}

/** PostgreSQL's column kinds as the contracts hold them (rows.ts): booleans, parsed jsonb, Dates, int8 strings. */
export const rows = rowMappers<PgColumns>({
  flag: (v) => v,
  json: (v) => v,
  time: (v) => v.toISOString(),
  int8: (v) => Number(v),
});

/** 23505 unique_violation as StoreError DUPLICATE, told apart by the constraint names migrations.ts spells out (helpers.ts UniqueKey); else null. */
export function duplicate(err: unknown, keys: readonly UniqueKey[], fallback: Pick<UniqueKey, 'field' | 'message'> | null = null) {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== '23505') return null;
  return duplicateOf(keys, (k) => e.constraint === k.postgres, fallback);
}

/** BEGIN ... COMMIT on one client of the pool; the COMMIT is checked to have been one. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    // COMMIT of a transaction that failed earlier answers ROLLBACK, without an error.
    const done = await client.query('COMMIT');
    if (done.command !== 'COMMIT') throw new Error(`transaction not committed: the server answered ${done.command}`);
    client.release();
    return result;
  } catch (err) {
    // A client whose ROLLBACK fails is in an unknown state: destroy it rather than reuse it.
    await client.query('ROLLBACK').then(
      () => client.release(),
      (rollbackErr: Error) => client.release(rollbackErr),
    );
    throw err;
  }
}

export function pgDeps(pool: pg.Pool, guard: StorageGuard): PgDeps {
  const write: PgWrite = (fn) => guard.write(fn);
  const read: PgRead = (fn) => guard.read(fn);
  const all = async <R extends pg.QueryResultRow>(text: string, params: unknown[]) => (await pool.query<R>(text, params)).rows;
  return {
    pool,
    write,
    read,
    all,
    one: async <R extends pg.QueryResultRow>(text: string, params: unknown[]) => (await all<R>(text, params))[0] ?? null,
    changed: async (text, params) => ((await write(() => pool.query(text, params))).rowCount ?? 0) > 0,
    /** One round trip: the window count is taken before LIMIT; an empty page needs a count of its own. */
    page: <R extends pg.QueryResultRow>(from: string, where: Where, order: string, limit: number | null, offset: number) =>
      read(async () => {
        const n = where.params.length;
        const r = await pool.query<R & { total$: string }>(
          `SELECT *, count(*) OVER () AS "total$" FROM ${from} ${where.clause} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...where.params, limit, offset],
        );
        const first = r.rows[0];
        if (first) return { rows: r.rows as R[], total: Number(first.total$) };
        const c = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${from} ${where.clause}`, where.params);
        return { rows: [] as R[], total: Number(c.rows[0]!.n) };
      }),
  };
}
