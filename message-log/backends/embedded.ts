/**
 * The embedded message log: SQLite in `DATA_DIR/message-log.db`, laid out like the embedded
 * history (history/backends/embedded.ts):
 *
 * - one table per UTC day of the event's `ts` (`m_YYYYMMDD`), so retention drops whole days
 *   (`DROP TABLE`, no scan, no delete row by row) and a query reads only the days of its range;
 * - a row per event: the columns queries filter on and the event's JSON text as published;
 *   `id` (the rowid, assigned increasing across tables) orders the events of one millisecond;
 * - indexes on (tenant, device, time), (tenant, time) and (tenant, message_id).
 *
 * One writer (the message-log writer thread in the all-in-one process, message-log/worker.ts) and
 * readers on their own read-only connections (the HTTP API), which never wait for the writer's
 * transactions beyond SQLite's WAL locking. A batch is one transaction; `synchronous = NORMAL`
 * (WAL): a committed batch survives a crash of the process, a power cut may lose the last
 * commits — events are not acknowledged to anyone, so this is the trade for a cheaper commit.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { openSqlite, prepare, transaction, WRITER_CACHE_PRAGMA, type Database, type Statement } from '../../common/sqlite.ts';
import { whereOf, type LogFilter, type LogRow, type StoredRow } from '../rows.ts';
import type { LogCursor, LogPage, MessageLogStore } from '../types.ts';

const DAY_MS = 86_400_000;
const TABLE_RE = /^m_(\d{8})$/;
const COLUMNS = 'id, time, tenant, device, type, direction, action, message_id, error, payload';

/** `m_20261201` for a time in ms. */
export function dayTable(time: number): string {
  const d = new Date(Math.floor(time / DAY_MS) * DAY_MS);
  return `m_${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

export function dayStart(table: string): number {
  const m = TABLE_RE.exec(table)!;
  return Date.UTC(Number(m[1]!.slice(0, 4)), Number(m[1]!.slice(4, 6)) - 1, Number(m[1]!.slice(6, 8)));
}

const ddl = (t: string) => `
  CREATE TABLE IF NOT EXISTS ${t} (
    id INTEGER PRIMARY KEY, time INTEGER NOT NULL, tenant TEXT NOT NULL, device TEXT NOT NULL,
    type TEXT NOT NULL, direction TEXT, action TEXT, message_id TEXT, error TEXT, payload TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ${t}_device ON ${t} (tenant, device, time);
  CREATE INDEX IF NOT EXISTS ${t}_tenant ON ${t} (tenant, time);
  CREATE INDEX IF NOT EXISTS ${t}_message ON ${t} (tenant, message_id)`;

interface Raw {
  id: number;
  time: number;
  tenant: string;
  device: string;
  type: string;
  direction: 'in' | 'out' | null;
  action: string | null;
  message_id: string | null;
  error: string | null;
  payload: string;
}

const stored = (r: Raw): StoredRow => ({ id: r.id, time: r.time, tenant: r.tenant, device: r.device, type: r.type, direction: r.direction, action: r.action, messageId: r.message_id, error: r.error, payload: r.payload });

export interface EmbeddedLogOptions {
  file: string;
  retentionDays?: number;
  /** Queries only: nothing created or pruned (the writer does that). */
  readOnly?: boolean;
}

export function createEmbeddedLog(opts: EmbeddedLogOptions): MessageLogStore {
  const sync = createSyncLog(opts);
  return {
    name: 'embedded',
    init: sync.init,
    close: sync.close,
    // node:sqlite is synchronous: the promises only fit the port (PostgreSQL is not).
    write: async (rows, now) => sync.write(rows, now),
    query: async (f, page) => sync.query(f, page),
    scan: async (f, after, limit) => sync.scan(f, after, limit),
    prune: async (now) => sync.prune(now),
  };
}

function createSyncLog(opts: EmbeddedLogOptions) {
  const retentionMs = (opts.retentionDays ?? 30) * DAY_MS;
  let db: Database | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nextId = 1;
  const inserts = new Map<string, Statement>();

  function open(): Database | undefined {
    if (db) return db;
    if (opts.readOnly && !existsSync(opts.file)) return undefined; // nothing written yet
    mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    db = openSqlite(opts.file, ['busy_timeout = 5000', 'journal_mode = WAL', ...(opts.readOnly ? ['query_only = ON'] : ['synchronous = NORMAL', WRITER_CACHE_PRAGMA])]);
    return db;
  }

  function tables(): string[] {
    const d = open();
    if (!d) return [];
    return (prepare(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'm_[0-9]*'").all() as Array<{ name: string }>)
      .map((r) => r.name)
      .filter((n) => TABLE_RE.test(n))
      .sort();
  }

  const inRange = (f: LogFilter) => tables().filter((t) => dayStart(t) + DAY_MS > (f.from ?? -Infinity) && dayStart(t) < (f.to ?? Infinity));

  function insertInto(t: string): Statement {
    let s = inserts.get(t);
    if (!s) {
      db!.exec(ddl(t));
      s = prepare(db!, `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      inserts.set(t, s);
    }
    return s;
  }

  function prune(now = Date.now()): number {
    const cutoff = now - retentionMs;
    let dropped = 0;
    for (const t of tables()) {
      if (dayStart(t) + DAY_MS <= cutoff) {
        db!.exec(`DROP TABLE IF EXISTS ${t}`);
        inserts.delete(t);
        dropped++;
      }
    }
    return dropped;
  }

  return {
    prune,
    async init() {
      if (opts.readOnly) return;
      const d = open()!;
      // Ids go on from the newest table's largest, across restarts and pruned days.
      for (const t of tables()) nextId = Math.max(nextId, ((prepare(d, `SELECT MAX(id) AS m FROM ${t}`).get() as { m: number | null }).m ?? 0) + 1);
      prune();
      timer = setInterval(prune, 3_600_000);
      timer.unref();
    },
    write(rows: readonly LogRow[], now = Date.now()) {
      const d = open()!;
      // A day wholly past the retention is not recreated by a late event.
      const oldest = Math.floor((now - retentionMs) / DAY_MS) * DAY_MS;
      let written = 0;
      let expired = 0;
      transaction(d, () => {
        for (const r of rows) {
          if (r.time < oldest) {
            expired++;
            continue;
          }
          insertInto(dayTable(r.time)).run(nextId++, r.time, r.tenant, r.device, r.type, r.direction, r.action, r.messageId, r.error, r.payload);
          written++;
        }
      })();
      return { written, expired };
    },
    query(f: LogFilter, page: { limit: number; offset: number; order: 'asc' | 'desc' }): LogPage {
      const d = open();
      if (!d) return { items: [], total: 0 };
      const w = whereOf(f);
      const days = inRange(f);
      if (page.order === 'desc') days.reverse();
      const dir = page.order === 'desc' ? 'DESC' : 'ASC';
      let total = 0;
      let skip = page.offset;
      const items: StoredRow[] = [];
      // Day by day in order: each day counts its matches (the total), and gives rows once the
      // offset is used up, until the page is full.
      for (const t of days) {
        const n = (prepare(d, `SELECT COUNT(*) AS n FROM ${t} WHERE ${w.sql}`).get(...w.params) as { n: number }).n;
        total += n;
        if (items.length >= page.limit || n === 0) continue;
        if (skip >= n) {
          skip -= n;
          continue;
        }
        const rows = prepare(d, `SELECT ${COLUMNS} FROM ${t} WHERE ${w.sql} ORDER BY time ${dir}, id ${dir} LIMIT ? OFFSET ?`).all(...w.params, page.limit - items.length, skip) as Raw[];
        skip = 0;
        for (const r of rows) items.push(stored(r));
      }
      return { items, total };
    },
    scan(f: LogFilter, after: LogCursor | null, limit: number): StoredRow[] {
      const d = open();
      if (!d) return [];
      const w = whereOf(after ? { ...f, from: Math.max(f.from ?? -Infinity, after.time) } : f);
      const out: StoredRow[] = [];
      for (const t of inRange(after ? { ...f, from: Math.max(f.from ?? -Infinity, after.time) } : f)) {
        const sql = after ? `${w.sql} AND (time > ? OR (time = ? AND id > ?))` : w.sql;
        const params = after ? [...w.params, after.time, after.time, after.id] : w.params;
        const rows = prepare(d, `SELECT ${COLUMNS} FROM ${t} WHERE ${sql} ORDER BY time, id LIMIT ?`).all(...params, limit - out.length) as Raw[];
        for (const r of rows) out.push(stored(r));
        if (out.length >= limit) break;
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      db?.close();
      db = undefined;
      inserts.clear();
    },
  };
}
