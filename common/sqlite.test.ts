import { describe, expect, it } from 'vitest';
import { blobBuffer, isUniqueViolation, openSqlite, pragmaValue, prepare, sqliteCode, sqliteCodeName, transaction } from './sqlite.ts';

const table = () => {
  const db = openSqlite(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE, b BLOB)');
  return db;
};
const count = (db: ReturnType<typeof table>) => (prepare(db, 'SELECT count(*) AS n FROM t').get() as { n: number }).n;

describe('transaction', () => {
  it('commits what the function wrote and returns its result', () => {
    const db = table();
    const t = transaction(db, (u: string) => prepare(db, 'INSERT INTO t (u) VALUES (?)').run(u).changes);
    expect(t('a')).toBe(1);
    expect(t.immediate('b')).toBe(1);
    expect(db.isTransaction).toBe(false);
    expect(count(db)).toBe(2);
  });

  it('rolls back everything when the function throws, and rethrows', () => {
    const db = table();
    const t = transaction(db, () => {
      prepare(db, 'INSERT INTO t (u) VALUES (?)').run('a');
      prepare(db, 'INSERT INTO t (u) VALUES (?)').run('a'); // UNIQUE violation
    });
    expect(() => t.immediate()).toThrow(/UNIQUE/);
    expect(db.isTransaction).toBe(false);
    expect(count(db)).toBe(0);
  });

  it('nests as a savepoint: an inner failure undoes only the inner part', () => {
    const db = table();
    const inner = transaction(db, () => {
      prepare(db, 'INSERT INTO t (u) VALUES (?)').run('inner');
      throw new Error('inner fails');
    });
    const outer = transaction(db, () => {
      prepare(db, 'INSERT INTO t (u) VALUES (?)').run('outer');
      expect(() => inner()).toThrow('inner fails');
      expect(db.isTransaction).toBe(true);
    });
    outer();
    expect((prepare(db, 'SELECT u FROM t').all() as Array<{ u: string }>).map((r) => r.u)).toEqual(['outer']);
  });
});

describe('sqliteCode', () => {
  it('names node:sqlite errors by their extended result code', () => {
    const db = table();
    prepare(db, 'INSERT INTO t (id, u) VALUES (1, ?)').run('a');
    let unique: unknown, primary: unknown;
    try { prepare(db, 'INSERT INTO t (u) VALUES (?)').run('a'); } catch (e) { unique = e; }
    try { prepare(db, 'INSERT INTO t (id) VALUES (1)').run(); } catch (e) { primary = e; }
    expect(sqliteCode(unique)).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(sqliteCode(primary)).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(isUniqueViolation(unique) && isUniqueViolation(primary)).toBe(true);
    db.exec('PRAGMA query_only = ON');
    let ro: unknown;
    try { prepare(db, 'DELETE FROM t').run(); } catch (e) { ro = e; }
    expect(sqliteCode(ro)).toBe('SQLITE_READONLY');
  });

  it('maps the codes the storage guard reads (sqlite3.h)', () => {
    expect(sqliteCodeName(13)).toBe('SQLITE_FULL');
    expect(sqliteCodeName(1032)).toBe('SQLITE_READONLY_DBMOVED');
    expect(sqliteCodeName(773)).toBe('SQLITE_BUSY_TIMEOUT');
    expect(sqliteCodeName(10 | (4 << 8))).toBe('SQLITE_IOERR_FSYNC');
    expect(sqliteCodeName(14)).toBe('SQLITE_CANTOPEN');
    expect(sqliteCodeName(10 | (99 << 8))).toBe('SQLITE_IOERR_99');
    expect(sqliteCode(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBeNull();
    expect(sqliteCode(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe('SQLITE_FULL');
  });
});

describe('openSqlite', () => {
  it('applies the pragmas in order and reads them back', () => {
    const db = openSqlite(':memory:', ['synchronous = FULL', 'busy_timeout = 1234']);
    expect(pragmaValue(db, 'synchronous')).toBe(2);
    expect(pragmaValue(db, 'busy_timeout')).toBe(1234);
  });

  it('returns BLOBs that blobBuffer turns into Buffers without a copy', () => {
    const db = table();
    prepare(db, 'INSERT INTO t (u, b) VALUES (?, ?)').run('a', Buffer.from('payload'));
    const { b } = prepare(db, 'SELECT b FROM t').get() as { b: Uint8Array };
    const buf = blobBuffer(b);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.toString()).toBe('payload');
    expect(buf.buffer).toBe(b.buffer);
  });
});
