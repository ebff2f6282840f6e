/**
 * What every SQLite aggregate file (sqlite-devices.ts, sqlite-transactions.ts, ...) is given:
 * the connection's statements, writes and reads through the storage guard, consistent pages,
 * the rows' mappers for SQLite's column types, and its duplicate-key errors. The rules of
 * sqlite.ts hold for all of them: a write is one BEGIN IMMEDIATE transaction through `write`,
 * whose COMMIT common/sqlite.ts runs and checks; RETURNING rows are read through `returning()`.
 * `write` and `read` go through the group commit (sqlite-group-commit.ts): the writes of one
 * turn share one transaction and one fsync, each in a SAVEPOINT of its own.
 */
import { isUniqueViolation, prepare, transaction, type Database, type Statement } from '../../common/sqlite.ts';
import { duplicateOf, type UniqueKey, type Where } from './helpers.ts';
import { rowMappers, type SqliteColumns } from './rows.ts';
import type { StorageGuard } from './storage-guard.ts';
import { groupCommit, type GroupCommit } from './sqlite-group-commit.ts';

/** Runs a function in a SAVEPOINT of the next group's BEGIN IMMEDIATE transaction, through the storage guard. */
export type SqliteWrite = <T>(fn: () => T) => Promise<T>;
/** Runs a read through the storage guard (its storage errors become StoreError UNAVAILABLE). */
export type SqliteRead = <T>(fn: () => T) => Promise<T>;

export interface SqliteDeps {
  /** The statement of `text`, prepared on first use (the tables exist only after migrate()) and kept. */
  sql(text: string): Statement;
  write: SqliteWrite;
  read: SqliteRead;
  /** Runs `fn` in one deferred (read) transaction, so that its statements see one snapshot. */
  snapshot<T>(fn: () => T): T;
  /** Count and page of `SELECT * FROM from` in one read transaction, so total and items agree. */
  page<R>(from: string, where: Where, order: string, limit: number | null, offset: number): Promise<{ rows: R[]; total: number }>;
}

/** SQLite's column kinds as the contracts hold them (rows.ts): flags 0/1, JSON text, ISO text times. */
export const rows = rowMappers<SqliteColumns>({
  flag: (v) => v === 1,
  json: (v) => JSON.parse(v) as unknown,
  time: (v) => v,
  int8: (v) => v,
});

/** A boolean as SQLite keeps it. */
export const flag = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);

/**
 * The rows of a statement with RETURNING, run to completion with `.all()` (never `.get()`: see
 * the top of sqlite.ts); the first one, for the single-row writes.
 */
export function returning<R>(statement: Statement, ...params: unknown[]): R | undefined {
  return statement.all(...params)[0] as R | undefined;
}

/** A unique violation as StoreError DUPLICATE (helpers.ts UniqueKey; SQLite names the columns in the message), else null. */
export function duplicate(err: unknown, keys: readonly UniqueKey[], fallback: Pick<UniqueKey, 'field' | 'message'> | null = null) {
  if (!isUniqueViolation(err)) return null;
  const message = String((err as { message?: unknown }).message);
  return duplicateOf(keys, (k) => message.includes(k.sqlite), fallback);
}

/**
 * The deps of the aggregates on `db`, guarded by `guard`; also the unguarded BEGIN IMMEDIATE
 * (for migrate() and the guard's probe) and `forget()`, which drops the prepared statements
 * before the connection closes.
 */
export function sqliteDeps(db: Database, guard: StorageGuard): SqliteDeps & { immediate<T>(fn: () => T): T; forget(): void; group: GroupCommit } {
  const statements = new Map<string, Statement>();
  const sql = (text: string): Statement => {
    let s = statements.get(text);
    if (!s) statements.set(text, (s = prepare(db, text)));
    return s;
  };
  const inTransaction = transaction(db, (fn: () => unknown) => fn());
  const readPage = transaction(db, (from: string, where: Where, order: string, limit: number | null, offset: number) => {
    const { n } = sql(`SELECT count(*) AS n FROM ${from} ${where.clause}`).get(...where.params) as { n: number };
    const found = sql(`SELECT * FROM ${from} ${where.clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...where.params, limit ?? -1, offset);
    return { rows: found, total: n };
  });
  const group = groupCommit(db, guard, (fn) => inTransaction(fn));
  return {
    sql,
    write: (fn) => group.write(fn),
    read: (fn) => group.read(fn),
    snapshot: (fn) => inTransaction(fn) as ReturnType<typeof fn>,
    page: <R>(from: string, where: Where, order: string, limit: number | null, offset: number) =>
      group.read(() => readPage(from, where, order, limit, offset) as { rows: R[]; total: number }),
    immediate: (fn) => inTransaction.immediate(fn) as ReturnType<typeof fn>,
    forget: () => statements.clear(),
    group,
  };
}
