/**
 * The embedded time-series store (no InfluxDB configured): SQLite under DATA_DIR. One row per
 * (series, field, time); the primary key makes a replayed point replace itself. Retention:
 * rows older than `retentionDays` are deleted at start and hourly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AggregateFn, HistoryBackend, Point, SeriesQuery, SeriesResult } from '../types.ts';

const DDL = `
  CREATE TABLE IF NOT EXISTS points (
    tenant TEXT NOT NULL, device TEXT NOT NULL, connector TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT '', location TEXT NOT NULL DEFAULT '', tx TEXT NOT NULL DEFAULT '',
    field TEXT NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (tenant, device, field, phase, location, time, connector, tx)
  ) WITHOUT ROWID;
`;

const AGG: Record<Exclude<AggregateFn, 'first' | 'last'>, string> = { mean: 'AVG', min: 'MIN', max: 'MAX', sum: 'SUM', count: 'COUNT' };

export function createEmbeddedHistory(opts: { file: string; retentionDays?: number }): HistoryBackend {
  mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
  const db = new Database(opts.file);
  db.pragma('journal_mode = WAL');
  // FULL: the telemetry journal is checkpointed once a batch is written here, so a commit must
  // survive a power cut, not only a crash (NORMAL in WAL mode may lose the last commits).
  db.pragma('synchronous = FULL');
  const retentionMs = (opts.retentionDays ?? 30) * 86_400_000;
  let timer: NodeJS.Timeout | undefined;
  let insert: Database.Statement | undefined;

  const prune = () => db.prepare('DELETE FROM points WHERE time < ?').run(Date.now() - retentionMs);

  const writeBatch = db.transaction((rows: unknown[][]) => {
    for (const r of rows) insert!.run(...r);
  });

  return {
    name: 'embedded',
    async init() {
      db.exec(DDL);
      insert = db.prepare('INSERT OR REPLACE INTO points (tenant, device, connector, phase, location, tx, field, time, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      prune();
      timer = setInterval(prune, 3_600_000);
      timer.unref();
    },
    async write(points: Point[]) {
      const rows: unknown[][] = [];
      const rejected: Array<{ point: Point; reason: string }> = [];
      let written = 0;
      for (const p of points) {
        const bad = Object.entries(p.fields).find(([, v]) => !Number.isFinite(v));
        if (bad || !Number.isFinite(p.time)) {
          rejected.push({ point: p, reason: bad ? `field ${bad[0]} is not a finite number` : 'time is not a number' });
          continue;
        }
        const t = p.tags;
        for (const [field, value] of Object.entries(p.fields)) rows.push([t.tenant, t.device, t.connector, t.phase ?? '', t.location ?? '', t.transaction ?? '', field, p.time, value]);
        written++;
      }
      writeBatch(rows);
      return { written, rejected };
    },
    async query(q: SeriesQuery): Promise<SeriesResult> {
      const out: SeriesResult = {};
      for (const s of q.series) {
        const where = ['tenant = ?', 'device = ?', 'field = ?', 'phase = ?', 'location = ?'];
        const params: unknown[] = [q.tenant, q.device, s.field, s.phase ?? '', s.location ?? ''];
        if (q.from !== undefined) (where.push('time >= ?'), params.push(q.from));
        if (q.to !== undefined) (where.push('time < ?'), params.push(q.to));
        if (q.transaction !== undefined) (where.push('tx = ?'), params.push(q.transaction));
        if (q.connector !== undefined) (where.push('connector = ?'), params.push(q.connector));
        const w = where.join(' AND ');
        let sql: string;
        if (q.every && q.fn) {
          const win = `(time / ${Math.trunc(q.every)}) * ${Math.trunc(q.every)}`;
          sql =
            q.fn === 'first' || q.fn === 'last'
              ? `SELECT t, value AS v FROM (SELECT ${win} AS t, value, ROW_NUMBER() OVER (PARTITION BY ${win} ORDER BY time ${q.fn === 'first' ? 'ASC' : 'DESC'}) AS rn FROM points WHERE ${w}) WHERE rn = 1 ORDER BY t`
              : `SELECT ${win} AS t, ${AGG[q.fn]}(value) AS v FROM points WHERE ${w} GROUP BY t ORDER BY t`;
        } else {
          sql = `SELECT time AS t, value AS v FROM points WHERE ${w} ORDER BY time`;
        }
        if (q.lastN !== undefined) sql = `SELECT * FROM (SELECT * FROM (${sql}) ORDER BY t DESC LIMIT ${Math.trunc(q.lastN)}) ORDER BY t`;
        const rows = db.prepare(sql).all(...params) as Array<{ t: number; v: number }>;
        out[s.key] = rows.map((r) => ({ ts: new Date(r.t).toISOString(), value: r.v }));
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      db.close();
    },
  };
}
