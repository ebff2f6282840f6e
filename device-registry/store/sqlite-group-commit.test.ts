import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, transaction, type Database } from '../../common/sqlite.ts';
import { StoreError } from '../../contracts/registry.ts';
import { groupCommit, MAX_QUEUED, type GroupCommit } from './sqlite-group-commit.ts';
import { createStorageGuard } from './storage-guard.ts';

describe('SQLite group commit', () => {
  let dir: string;
  let db: Database;
  let other: Database;
  let group: GroupCommit;
  let health: Array<[string, unknown]>;

  const rowsOf = (conn: Database) => (conn.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: number }>).map((r) => r.v);
  const insert = (v: number) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cb-group-'));
    const file = path.join(dir, 'g.db');
    db = openSqlite(file, ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 2000']);
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    other = openSqlite(file, ['busy_timeout = 2000']);
    health = [];
    const guard = createStorageGuard({
      health: { fail: (c, p) => health.push([c, p.code]), ok: (c) => health.push([c, 'ok']) },
      component: 'test',
      where: 'test',
      probe: async () => undefined,
      probeIntervalMs: 60_000,
    });
    const inTransaction = transaction(db, (fn: () => unknown) => fn());
    group = groupCommit(db, guard, (fn) => inTransaction(fn));
  });

  afterEach(() => {
    db.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the writes of one turn in one transaction, answered after its COMMIT, in call order', async () => {
    const writes = Array.from({ length: 200 }, (_, i) => group.write(insert(i)));
    // Nothing has run yet: the group runs at the next turn.
    expect(rowsOf(other)).toEqual([]);
    await expect(Promise.all(writes)).resolves.toEqual(Array(200).fill(1));
    expect(group.stats).toEqual({ groups: 1, operations: 200 });
    // Committed: another connection sees every row.
    expect(rowsOf(other)).toHaveLength(200);
  });

  it('rolls back a failing write alone: the others of its group commit', async () => {
    const [a, dup, b] = [group.write(insert(1)), group.write(insert(1)), group.write(insert(2))];
    await expect(a).resolves.toBe(1);
    await expect(dup).rejects.toThrow(/UNIQUE/);
    await expect(b).resolves.toBe(1);
    expect(rowsOf(other)).toEqual([1, 2]);
    expect(group.stats.groups).toBe(1);
  });

  it('rejects every write of a group whose COMMIT fails, and stores none of them', async () => {
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('CREATE TABLE child (parent INTEGER REFERENCES t (v) DEFERRABLE INITIALLY DEFERRED)');
    const ok = group.write(insert(1));
    // A deferred foreign key is checked at COMMIT: the COMMIT itself fails.
    const orphan = group.write(() => db.prepare('INSERT INTO child (parent) VALUES (99)').run().changes);
    const results = await Promise.allSettled([ok, orphan]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(rowsOf(other)).toEqual([]);
    expect(db.isTransaction).toBe(false);
    // The next group works.
    await expect(group.write(insert(3))).resolves.toBe(1);
    expect(rowsOf(other)).toEqual([3]);
  });

  it('when SQLite ends the transaction on an error, rejects what ran before it and runs the rest in a new group', async () => {
    const before = group.write(insert(1));
    // As SQLite does on SQLITE_FULL or SQLITE_IOERR: the whole transaction is rolled back.
    const fatal = group.write(() => {
      db.exec('ROLLBACK');
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    });
    const after = group.write(insert(2));
    const results = await Promise.allSettled([before, fatal, after]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    const reason = (results[0] as PromiseRejectedResult).reason as StoreError;
    expect(reason).toBeInstanceOf(StoreError);
    expect(reason.code).toBe('UNAVAILABLE');
    expect(rowsOf(other)).toEqual([2]);
    expect(group.stats.groups).toBe(2);
    // One outage reported, then over with the commit of the next group.
    expect(health).toEqual([
      ['test', 'ok'],
      ['test', 'IO_ERROR'],
      ['test', 'ok'],
    ]);
  });

  it('a read asked for behind waiting writes sees them; with nothing waiting it runs at once', async () => {
    let ran = false;
    const immediate = group.read(() => {
      ran = true;
      return rowsOf(db);
    });
    expect(ran).toBe(true);
    await expect(immediate).resolves.toEqual([]);
    const w = group.write(insert(7));
    const r = group.read(() => rowsOf(db));
    const w2 = group.write(insert(8));
    await w;
    await w2;
    await expect(r).resolves.toEqual([7]);
  });

  it('never holds the write lock across turns: another connection writes between groups', async () => {
    await group.write(insert(1));
    // Synchronous, with a busy_timeout: it would fail with SQLITE_BUSY if the lock were still held.
    other.prepare('INSERT INTO t (v) VALUES (2)').run();
    await group.write(insert(3));
    expect(rowsOf(other)).toEqual([1, 2, 3]);
  });

  it(`refuses the operation past ${MAX_QUEUED} waiting, with UNAVAILABLE, and keeps the rest`, async () => {
    const waiting = Array.from({ length: MAX_QUEUED }, (_, i) => group.write(insert(i)));
    const refused = group.write(insert(-1));
    await expect(refused).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await Promise.all(waiting);
    expect(rowsOf(other)).toHaveLength(MAX_QUEUED);
  });

  it('drain() runs what waits at once, so that a close right after the calls loses none of them', async () => {
    const writes = [group.write(insert(1)), group.write(insert(2))];
    group.drain();
    // Committed before the turn ends: the connection could be closed now.
    expect(rowsOf(other)).toEqual([1, 2]);
    await expect(Promise.all(writes)).resolves.toEqual([1, 1]);
    expect(group.stats.groups).toBe(1);
  });
});
