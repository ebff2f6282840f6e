/**
 * The embedded time-series store (no InfluxDB configured): SQLite under DATA_DIR, laid out for
 * time series (issue 14):
 *
 * - one table per UTC day (`h_YYYYMMDD`), so that retention drops whole days (`DROP TABLE`, no
 *   scan, no delete of rows one by one) and a query reads only the days of its range;
 * - one row per sample (one attrs message): the points of all its phases and locations in one
 *   JSON object whose keys are the attribute keys of the attrs message (`field[_phase][_location]`,
 *   history/points.ts: `{"power":7400,"current_L1":16,"temperature_Body":31}`); the primary key (tenant, device,
 *   time, connector, transaction) keeps a device's rows in time order. A three-phase sample is one
 *   B-tree insert, not one per phase group (measured: 4.5 rows per DC/AC message before, 48 µs of
 *   the writer thread per message at batches of 5,000). A point written again with the same key
 *   merges its fields into the row (`json_patch`), which is InfluxDB's semantics for points with
 *   the same series and time, so a replayed point never duplicates.
 *
 * In the all-in-one process the writer runs on the history worker thread (history/worker.ts) and
 * queries on another connection (`readOnly`), so that neither waits for the other beyond SQLite's
 * WAL locking, and neither runs on the thread that answers chargers. Writes use
 * `synchronous = FULL`: the telemetry journal is checkpointed once a batch is committed here, so a
 * commit must survive a power cut (NORMAL in WAL mode may lose the last commits).
 *
 * Older layouts are converted at start: one row per field (`points`, before issue 14) and one row
 * per phase group (`p_YYYYMMDD`, the first day-table layout).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { openSqlite, prepare, transaction, WRITER_CACHE_PRAGMA, type Database, type Statement } from '../../common/sqlite.ts';
import type { AggregateFn, HistoryBackend, Point, SeriesQuery, SeriesResult } from '../types.ts';

const DAY_MS = 86_400_000;
const TABLE_RE = /^h_(\d{8})$/;
const GROUP_TABLE_RE = /^p_\d{8}$/;
const AGG: Record<Exclude<AggregateFn, 'first' | 'last'>, string> = { mean: 'AVG', min: 'MIN', max: 'MAX', sum: 'SUM', count: 'COUNT' };

/** `h_20261201` for a time in ms. */
export function dayTable(time: number): string {
  const d = new Date(Math.floor(time / DAY_MS) * DAY_MS);
  return `h_${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

const dayStart = (table: string): number => {
  const m = TABLE_RE.exec(table)!;
  return Date.UTC(Number(m[1]!.slice(0, 4)), Number(m[1]!.slice(4, 6)) - 1, Number(m[1]!.slice(6, 8)));
};

const ddl = (table: string) => `
  CREATE TABLE IF NOT EXISTS ${table} (
    tenant TEXT NOT NULL, device TEXT NOT NULL, time INTEGER NOT NULL, connector TEXT NOT NULL,
    tx TEXT NOT NULL DEFAULT '', fields TEXT NOT NULL,
    PRIMARY KEY (tenant, device, time, connector, tx)
  ) WITHOUT ROWID`;

/**
 * The key of a field in a row's JSON object: the attrs key it came from (`power`, `current_L1`,
 * `temperature_Body`, `x_L1_EV`), which history/points.ts `selectorFor` parses back.
 */
export const fieldKey = (field: string, phase?: string, location?: string): string => `${field}${phase ? `_${phase}` : ''}${location ? `_${location}` : ''}`;
/** The same in SQL, for the conversion of the older layouts (`name`: the field's column). */
const fieldKeySql = (name: string) => `${name} || CASE WHEN phase != '' THEN '_' || phase ELSE '' END || CASE WHEN location != '' THEN '_' || location ELSE '' END`;

/** A JSON path for one key: keys are attribute base names with phase and location, quoted all the same. */
const fieldPath = (key: string) => `$."${key.replace(/["\\]/g, '')}"`;

export interface EmbeddedHistoryOptions {
  file: string;
  retentionDays?: number;
  /** Queries only: no tables created, nothing pruned or converted (the writer does that). */
  readOnly?: boolean;
}

export function createEmbeddedHistory(opts: EmbeddedHistoryOptions): HistoryBackend & { prune(now?: number): number } {
  const retentionMs = (opts.retentionDays ?? 30) * DAY_MS;
  let db: Database | undefined;
  let timer: NodeJS.Timeout | undefined;
  const known = new Set<string>();
  const inserts = new Map<string, Statement>();

  function open(): Database | undefined {
    if (db) return db;
    if (opts.readOnly && !existsSync(opts.file)) return undefined; // nothing written yet
    mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    db = openSqlite(opts.file, ['busy_timeout = 5000', 'journal_mode = WAL', ...(opts.readOnly ? ['query_only = ON'] : ['synchronous = FULL', WRITER_CACHE_PRAGMA])]);
    return db;
  }

  function tables(): string[] {
    const d = open();
    if (!d) return [];
    return (prepare(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'h_[0-9]*'").all() as Array<{ name: string }>).map((r) => r.name).filter((n) => TABLE_RE.test(n)).sort();
  }

  function insertInto(table: string): Statement {
    let s = inserts.get(table);
    if (s) return s;
    if (!known.has(table)) {
      db!.exec(ddl(table));
      known.add(table);
    }
    s = prepare(db!, 
      `INSERT INTO ${table} (tenant, device, time, connector, tx, fields) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, device, time, connector, tx) DO UPDATE SET fields = json_patch(fields, excluded.fields)`,
    );
    inserts.set(table, s);
    return s;
  }

  /** Drops the days wholly older than the retention. Returns how many. */
  function prune(now = Date.now()): number {
    const cutoff = now - retentionMs;
    let dropped = 0;
    for (const t of tables()) {
      if (dayStart(t) + DAY_MS <= cutoff) {
        db!.exec(`DROP TABLE IF EXISTS ${t}`);
        known.delete(t);
        inserts.delete(t);
        dropped++;
      }
    }
    return dropped;
  }

  /** Older layouts into day tables of one row per sample, once (each in one transaction). */
  function convertOldLayouts(): void {
    const d = db!;
    const has = (name: string) => !!prepare(d, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
    const target = (day: number) => {
      const table = dayTable(day * DAY_MS);
      d.exec(ddl(table));
      known.add(table);
      return table;
    };
    // One row per field (before issue 14).
    if (has('points')) {
      // Integer division: node:sqlite binds a JS number as REAL, and time / 86400000.0 is a
      // fraction whose product with DAY_MS can round past `time` (the row then fell outside its day).
      const days = prepare(d, 'SELECT DISTINCT time / CAST(? AS INTEGER) AS day FROM points').all(DAY_MS) as Array<{ day: number }>;
      transaction(d, () => {
        for (const { day } of days) {
          prepare(d, 
            `INSERT INTO ${target(day)} (tenant, device, time, connector, tx, fields)
             SELECT tenant, device, time, connector, tx, json_group_object(${fieldKeySql('field')}, value) FROM points
             WHERE time >= ? AND time < ? GROUP BY tenant, device, time, connector, tx
             ON CONFLICT DO UPDATE SET fields = json_patch(fields, excluded.fields)`,
          ).run(day * DAY_MS, (day + 1) * DAY_MS);
        }
        d.exec('DROP TABLE points');
      })();
    }
    // One row per phase group (`p_YYYYMMDD`).
    const groupTables = (prepare(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'p_[0-9]*'").all() as Array<{ name: string }>).map((r) => r.name).filter((n) => GROUP_TABLE_RE.test(n));
    for (const old of groupTables) {
      const day = Date.UTC(Number(old.slice(2, 6)), Number(old.slice(6, 8)) - 1, Number(old.slice(8, 10))) / DAY_MS;
      transaction(d, () => {
        d.exec(
          `INSERT INTO ${target(day)} (tenant, device, time, connector, tx, fields)
           SELECT tenant, device, time, connector, tx, json_group_object(${fieldKeySql('j.key')}, j.value) FROM ${old}, json_each(${old}.fields) AS j
           GROUP BY tenant, device, time, connector, tx
           ON CONFLICT DO UPDATE SET fields = json_patch(fields, excluded.fields)`,
        );
        d.exec(`DROP TABLE ${old}`);
      })();
    }
  }

  const writeBatch = (rows: Array<[string, unknown[]]>) =>
    transaction(db!, () => {
      for (const [table, r] of rows) insertInto(table).run(...r);
    })();

  return {
    name: 'embedded',
    // A transaction writes every page it touched to the WAL, and a device's rows sit on a leaf
    // page of their own: the more rows per commit, the fewer times each such page is written.
    // Its unit is a row, one per sample, and a sample is 3 points (DC: the sample, EV, Body) to 5
    // (AC three-phase: L1, L2, L3 groups too). 5,000 points were 1,000-1,700 rows a transaction
    // at 5,000 MeterValues/s: 13.3 KiB written and 27.5 us of the writer per row at 1,111 rows,
    // 4.9 KiB and 13.5-16 us at 5,000 (npm run bench:writers; docs/benchmarks.md "The writers'
    // page writes"). 25,000 points is 5,000-8,000 rows; the batch age (1 s) cuts it sooner below
    // 5,000 samples/s.
    batchPoints: 25_000,
    prune,
    async init() {
      if (opts.readOnly) return;
      open();
      convertOldLayouts();
      for (const t of tables()) known.add(t);
      prune();
      timer = setInterval(prune, 3_600_000);
      timer.unref();
    },
    async write(points: Point[]) {
      // The points of one sample (same device, time, connector, transaction; one per phase and
      // location group) become one row.
      const rows = new Map<string, { table: string; params: unknown[]; fields: Record<string, number> }>();
      const rejected: Array<{ point: Point; reason: string }> = [];
      let written = 0;
      for (const p of points) {
        let bad: string | undefined;
        for (const f in p.fields) {
          if (!Number.isFinite(p.fields[f])) {
            bad = f;
            break;
          }
        }
        if (bad !== undefined || !Number.isFinite(p.time)) {
          rejected.push({ point: p, reason: bad !== undefined ? `field ${bad} is not a finite number` : 'time is not a number' });
          continue;
        }
        const t = p.tags;
        const id = `${t.tenant}\0${t.device}\0${p.time}\0${t.connector}\0${t.transaction ?? ''}`;
        let row = rows.get(id);
        if (!row) rows.set(id, (row = { table: dayTable(p.time), params: [t.tenant, t.device, p.time, t.connector, t.transaction ?? ''], fields: {} }));
        for (const f in p.fields) row.fields[fieldKey(f, t.phase, t.location)] = p.fields[f]!;
        written++;
      }
      open();
      if (rows.size) writeBatch([...rows.values()].map((r) => [r.table, [...r.params, JSON.stringify(r.fields)]]));
      return { written, rejected };
    },
    async query(q: SeriesQuery): Promise<SeriesResult> {
      const out: SeriesResult = {};
      // The days of the range only.
      const from = q.from ?? Number.NEGATIVE_INFINITY;
      const to = q.to ?? Number.POSITIVE_INFINITY;
      const days = tables().filter((t) => dayStart(t) + DAY_MS > from && dayStart(t) < to);
      for (const s of q.series) {
        if (days.length === 0) {
          out[s.key] = [];
          continue;
        }
        const where = ['tenant = ?', 'device = ?'];
        const params: unknown[] = [q.tenant, q.device];
        if (q.from !== undefined) (where.push('time >= ?'), params.push(q.from));
        if (q.to !== undefined) (where.push('time < ?'), params.push(q.to));
        if (q.transaction !== undefined) (where.push('tx = ?'), params.push(q.transaction));
        if (q.connector !== undefined) (where.push('connector = ?'), params.push(q.connector));
        const w = where.join(' AND ');
        const key = fieldPath(fieldKey(s.field, s.phase, s.location));
        const union = days.map((t) => `SELECT time, json_extract(fields, '${key}') AS value FROM ${t} WHERE ${w}`).join(' UNION ALL ');
        const allParams = days.flatMap(() => params);
        const points = `SELECT time, value FROM (${union}) WHERE value IS NOT NULL`;
        let sql: string;
        if (q.every && q.fn) {
          const every = Math.trunc(q.every);
          const win = `(time / ${every}) * ${every}`;
          sql =
            q.fn === 'first' || q.fn === 'last'
              ? `SELECT t, value AS v FROM (SELECT ${win} AS t, value, ROW_NUMBER() OVER (PARTITION BY ${win} ORDER BY time ${q.fn === 'first' ? 'ASC' : 'DESC'}) AS rn FROM (${points})) WHERE rn = 1 ORDER BY t`
              : `SELECT ${win} AS t, ${AGG[q.fn]}(value) AS v FROM (${points}) GROUP BY t ORDER BY t`;
        } else {
          sql = `SELECT time AS t, value AS v FROM (${points}) ORDER BY time`;
        }
        if (q.lastN !== undefined) sql = `SELECT * FROM (SELECT * FROM (${sql}) ORDER BY t DESC LIMIT ${Math.trunc(q.lastN)}) ORDER BY t`;
        const rows = prepare(open()!, sql).all(...allParams) as Array<{ t: number; v: number }>;
        out[s.key] = rows.map((r) => ({ ts: new Date(r.t).toISOString(), value: r.v }));
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      db?.close();
      db = undefined;
    },
  };
}
