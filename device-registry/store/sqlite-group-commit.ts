/**
 * Group commit for the SQLite registry: the writes (and the reads behind them) asked for in one
 * turn of the event loop run at the next turn, in call order, each in a SAVEPOINT of one BEGIN
 * IMMEDIATE transaction, and are answered once its COMMIT has returned: one fsync for all of
 * them (synchronous = FULL, sqlite.ts) instead of one each.
 *
 * Why: a new charger costs 3–4 registry writes (provisioning, boot, shadow, status), and a fleet
 * reconnecting at 300 chargers/s made 1,000 commits a second, each waiting for the disk; on the
 * OCPP thread that blocked handshakes until they timed out (docs/benchmarks.md, "Why the 300/s
 * ramp times out"). Grouped, the cost is one fsync per turn whatever the number of writes.
 *
 * What stays as it was, for every caller:
 * - a write resolves only after the COMMIT that holds it returned; when that COMMIT fails
 *   (SQLITE_FULL), every write of the group is rejected through the storage guard, none is
 *   reported done: ids handed out by AUTOINCREMENT roll back with their rows;
 * - a write whose own statements fail is rolled back to its SAVEPOINT alone and rejected alone;
 *   the others of the group still commit. If SQLite ended the whole transaction on that error
 *   (it does on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM: "Response To Errors Within A
 *   Transaction", sqlite.org/lang_transaction.html), the writes before it are lost with it and
 *   rejected, and the rest of the queue starts a new group;
 * - order within the connection: a read asked for while writes wait runs after them, in the
 *   same transaction, so it sees them (and is rejected with them if they do not commit); a read
 *   with no write waiting runs at once, as before;
 * - the write lock is taken and released within one synchronous run, never held across turns,
 *   so another connection on the file, on this thread or another process, waits at most for
 *   that run (an earlier attempt that held BEGIN IMMEDIATE open until the next turn deadlocked
 *   two connections on one thread in busy_timeout).
 *
 * Bound: at most MAX_QUEUED operations wait; past that a call is refused with StoreError
 * UNAVAILABLE at once (the gateway answers a CALLERROR the charger retries, HTTP 503). The
 * queue is emptied every turn, so reaching it means callers outpace the disk by that much.
 */
import { StoreError } from '../../contracts/registry.ts';
import type { Database } from '../../common/sqlite.ts';
import type { StorageGuard } from './storage-guard.ts';

/** Operations waiting for the next group at most (see the top). */
export const MAX_QUEUED = 10_000;

interface Queued {
  /** A write runs in a SAVEPOINT; a read runs as it is. */
  write: boolean;
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  ok: boolean;
  value: unknown;
  error: unknown;
}

export interface GroupCommit {
  /** `fn` in the next group, as a write: resolved after the COMMIT. */
  write<T>(fn: () => T): Promise<T>;
  /** `fn` at once when nothing waits, else after the waiting writes, in their group. */
  read<T>(fn: () => T): Promise<T>;
  /** Runs the waiting operations now, before the connection closes (they would fail on a closed one). */
  drain(): void;
  /** Groups run so far, and the operations they held (for the store's tests and docs). */
  readonly stats: { groups: number; operations: number };
}

/**
 * Group commit on `db`; `savepoint(fn)` runs `fn` in a SAVEPOINT when a transaction is open
 * (common/sqlite.ts transaction()), `guard` classifies failures and ends outages.
 */
export function groupCommit(db: Database, guard: StorageGuard, savepoint: (fn: () => unknown) => unknown): GroupCommit {
  let queue: Queued[] = [];
  let scheduled = false;
  const stats = { groups: 0, operations: 0 };

  const enqueue = (write: boolean, fn: () => unknown): Promise<unknown> => {
    if (queue.length >= MAX_QUEUED) {
      return Promise.reject(new StoreError('UNAVAILABLE', `the registry has ${MAX_QUEUED} operations waiting for the disk; nothing was acknowledged, retry later`, undefined, { problem: 'BUSY' }));
    }
    return new Promise((resolve, reject) => {
      queue.push({ write, fn, resolve, reject, ok: false, value: undefined, error: undefined });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };

  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    for (let i = 0; i < batch.length; ) i = runGroup(batch, i);
  }

  /** One transaction from `batch[start]` on; returns where the next one starts. */
  function runGroup(batch: Queued[], start: number): number {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      // The lock was not to be had within busy_timeout, or the file cannot be written.
      settle(batch.slice(start), { err });
      return batch.length;
    }
    let lost: { err: unknown } | null = null;
    let i = start;
    while (i < batch.length && !lost) {
      const q = batch[i++]!;
      try {
        q.value = q.write ? savepoint(q.fn) : q.fn();
        q.ok = true;
      } catch (err) {
        q.error = err;
        // SQLite rolled the whole transaction back: what ran before is gone too.
        if (!db.isTransaction) lost = { err };
      }
    }
    if (!lost) {
      try {
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        lost = { err };
      }
    }
    stats.groups++;
    stats.operations += i - start;
    settle(batch.slice(start, i), lost);
    return i;
  }

  /** Answers a group: all rejected with what lost it when it did not commit, else each with its own outcome. */
  function settle(group: Queued[], lost: { err: unknown } | null): void {
    if (lost) {
      const err = guard.failure(lost.err);
      for (const q of group) q.reject(err);
      return;
    }
    if (group.some((q) => q.write && q.ok)) guard.committed();
    for (const q of group) {
      if (q.ok) q.resolve(q.value);
      else q.reject(guard.failure(q.error));
    }
  }

  return {
    write: (fn) => enqueue(true, fn) as Promise<ReturnType<typeof fn>>,
    read: (fn) => (queue.length === 0 ? guard.read(fn) : (enqueue(false, fn) as Promise<ReturnType<typeof fn>>)),
    drain: flush,
    stats,
  };
}
