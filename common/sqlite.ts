/**
 * Node's own SQLite (`node:sqlite`, DatabaseSync) for every embedded store: the registry, the
 * history store, the message log and the broker's retained messages. It replaced better-sqlite3
 * (issue 15: measured equal, docs/runtime.md, and it needs no native build). Three things
 * better-sqlite3 gave that node:sqlite does not, kept here once:
 *
 * - `transaction(db, fn)`: BEGIN / COMMIT around `fn`, ROLLBACK when it throws (or when the
 *   COMMIT itself fails and leaves the transaction open, as SQLITE_FULL can), a SAVEPOINT when
 *   already inside one; `.immediate` takes the write lock at BEGIN. The same semantics as
 *   better-sqlite3's `Database#transaction` (lib/methods/transaction.js), which the stores were
 *   written against.
 * - `sqliteCode(err)`: SQLite's extended result code by name (`SQLITE_FULL`,
 *   `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_READONLY_DBMOVED`, ...). node:sqlite throws
 *   `ERR_SQLITE_ERROR` with the number in `errcode`; the storage guard (common/health.ts) and the
 *   duplicate checks read names.
 * - `openSqlite(file, pragmas)`: the connection with its pragmas applied in order.
 *
 * Rows come back as null-prototype objects, BLOBs as Uint8Array (not Buffer), and integers beyond
 * 2^53 throw ERR_OUT_OF_RANGE instead of losing precision; numbers are bound as REAL, booleans
 * as 0/1, a missing named parameter as NULL.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export type Database = DatabaseSync;

/**
 * A prepared statement as the stores use it: parameters and rows untyped at this boundary (each
 * store casts its rows to its own row interface), `changes` a number (no readBigInts).
 */
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** `db.prepare(text)` typed as the stores' Statement. */
export function prepare(db: DatabaseSync, text: string): Statement {
  return db.prepare(text) as StatementSync as unknown as Statement;
}

export interface OpenOptions {
  /** Open without write access (`query_only` is still worth setting for WAL readers). */
  readOnly?: boolean | undefined;
  /** How long a statement waits for another connection's lock (busy_timeout), ms. */
  timeoutMs?: number | undefined;
}

/** Opens `file` (or `:memory:`) and runs each `PRAGMA` of `pragmas` in order (`journal_mode = WAL`, ...). */
export function openSqlite(file: string, pragmas: readonly string[] = [], opts: OpenOptions = {}): DatabaseSync {
  const db = new DatabaseSync(file, { readOnly: opts.readOnly ?? false, ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}) });
  try {
    for (const p of pragmas) db.exec(`PRAGMA ${p}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * The page cache of a writer's connection to a store that inserts by a key other than time (the
 * history's day tables by device, the message log's device and message-id indexes): 16 MiB, where
 * SQLite's default is 2 MiB. With 1,000 chargers each insert lands on a leaf page of its own
 * device; a cache smaller than those hot pages spills them to the WAL inside the transaction and
 * reads them back at the next insert. Measured on the history writer (1,000 devices, batches of
 * 5,000 rows): 20.9 -> 15.5 us, 9.7 -> 4.9 KiB written and 12.7 -> 2.6 KiB read per row
 * (docs/benchmarks.md, "The writers' page writes"). Pages are allocated as used, up to the bound.
 */
export const WRITER_CACHE_PRAGMA = 'cache_size = -16384';

/** The value of a one-value pragma (`journal_mode`, `synchronous`). */
export function pragmaValue(db: DatabaseSync, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

export interface Transaction<A extends unknown[], R> {
  /** BEGIN (deferred): the write lock is taken at the first write. */
  (...args: A): R;
  /** BEGIN IMMEDIATE: the write lock is taken at once, so a read-modify-write cannot be overtaken. */
  immediate(...args: A): R;
}

let savepoints = 0;

/** Wraps `fn` in a transaction (better-sqlite3's `Database#transaction` semantics, see above). */
export function transaction<A extends unknown[], R>(db: DatabaseSync, fn: (...args: A) => R): Transaction<A, R> {
  const run = (begin: string) => (...args: A): R => {
    if (db.isTransaction) {
      const name = `cb_sp_${++savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = fn(...args);
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        if (db.isTransaction) {
          db.exec(`ROLLBACK TO ${name}`);
          db.exec(`RELEASE ${name}`);
        }
        throw err;
      }
    }
    db.exec(begin);
    try {
      const result = fn(...args);
      db.exec('COMMIT');
      return result;
    } catch (err) {
      // A failed COMMIT (SQLITE_FULL, SQLITE_BUSY) may leave the transaction open: end it, so
      // that the next write does not run inside a transaction nobody will commit.
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  };
  const t = run('BEGIN') as Transaction<A, R>;
  t.immediate = run('BEGIN IMMEDIATE');
  return t;
}

// sqlite3.h "Result Codes" and "Extended Result Codes": the low byte is the primary code, the
// rest the extension.
const PRIMARY: Record<number, string> = {
  1: 'ERROR', 2: 'INTERNAL', 3: 'PERM', 4: 'ABORT', 5: 'BUSY', 6: 'LOCKED', 7: 'NOMEM', 8: 'READONLY', 9: 'INTERRUPT',
  10: 'IOERR', 11: 'CORRUPT', 12: 'NOTFOUND', 13: 'FULL', 14: 'CANTOPEN', 15: 'PROTOCOL', 16: 'EMPTY', 17: 'SCHEMA',
  18: 'TOOBIG', 19: 'CONSTRAINT', 20: 'MISMATCH', 21: 'MISUSE', 22: 'NOLFS', 23: 'AUTH', 24: 'FORMAT', 25: 'RANGE',
  26: 'NOTADB', 27: 'NOTICE', 28: 'WARNING',
};
const EXTENDED: Record<string, readonly string[]> = {
  ERROR: ['', 'MISSING_COLLSEQ', 'RETRY', 'SNAPSHOT'],
  ABORT: ['', '', 'ROLLBACK'],
  BUSY: ['', 'RECOVERY', 'SNAPSHOT', 'TIMEOUT'],
  LOCKED: ['', 'SHAREDCACHE', 'VTAB'],
  READONLY: ['', 'RECOVERY', 'CANTLOCK', 'ROLLBACK', 'DBMOVED', 'CANTINIT', 'DIRECTORY'],
  IOERR: ['', 'READ', 'SHORT_READ', 'WRITE', 'FSYNC', 'DIR_FSYNC', 'TRUNCATE', 'FSTAT', 'UNLOCK', 'RDLOCK', 'DELETE', 'BLOCKED',
    'NOMEM', 'ACCESS', 'CHECKRESERVEDLOCK', 'LOCK', 'CLOSE', 'DIR_CLOSE', 'SHMOPEN', 'SHMSIZE', 'SHMLOCK', 'SHMMAP', 'SEEK',
    'DELETE_NOENT', 'MMAP', 'GETTEMPPATH', 'CONVPATH', 'VNODE', 'AUTH', 'BEGIN_ATOMIC', 'COMMIT_ATOMIC', 'ROLLBACK_ATOMIC',
    'DATA', 'CORRUPTFS', 'IN_PAGE'],
  CORRUPT: ['', 'VTAB', 'SEQUENCE', 'INDEX'],
  CANTOPEN: ['', 'NOTEMPDIR', 'ISDIR', 'FULLPATH', 'CONVPATH', 'DIRTYWAL', 'SYMLINK'],
  CONSTRAINT: ['', 'CHECK', 'COMMITHOOK', 'FOREIGNKEY', 'FUNCTION', 'NOTNULL', 'PRIMARYKEY', 'TRIGGER', 'UNIQUE', 'VTAB', 'ROWID', 'PINNED', 'DATATYPE'],
};

/** `SQLITE_<NAME>` for an extended result code (2067 → `SQLITE_CONSTRAINT_UNIQUE`). */
export function sqliteCodeName(errcode: number): string {
  const primary = PRIMARY[errcode & 0xff] ?? String(errcode & 0xff);
  const ext = errcode >> 8;
  if (ext === 0) return `SQLITE_${primary}`;
  const name = EXTENDED[primary]?.[ext];
  return `SQLITE_${primary}_${name || ext}`;
}

/**
 * The SQLite result code of an error by name, or null when it is not an SQLite error. Reads
 * node:sqlite's `errcode` (a number) and also accepts an error that already carries a
 * `SQLITE_*` name in `code`.
 */
export function sqliteCode(err: unknown): string | null {
  const e = err as { code?: unknown; errcode?: unknown } | null;
  if (typeof e?.errcode === 'number' && e.code === 'ERR_SQLITE_ERROR') return sqliteCodeName(e.errcode);
  return typeof e?.code === 'string' && e.code.startsWith('SQLITE_') ? e.code : null;
}

/** A UNIQUE or PRIMARY KEY violation: SQLite names the columns in the message. */
export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A BLOB column's value as a Buffer (node:sqlite returns Uint8Array), without a copy. */
export function blobBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
