/**
 * The message log on PostgreSQL (DATABASE_URL): one table, `message_log`, a row per event with
 * the same columns as the embedded store (backends/embedded.ts), `id` an identity column, `time`
 * the event's `ts` in ms. Indexes: (tenant, device, time, id) and (tenant, time, id) serve the
 * queries and the keyset scans, (tenant, message_id) one exchange, (time) retention. Retention
 * deletes in chunks of `PRUNE_CHUNK` rows (at start and hourly), so that no statement holds locks
 * on millions of rows; partitions by day are the next step for sites where that is too slow.
 *
 * A batch is one multi-row INSERT (unnest of one array per column): one round trip, committed
 * when it returns. The schema is created at start under an advisory lock, so several processes
 * may start together.
 */
import pg from 'pg';
import { whereOf, type LogFilter, type LogRow, type StoredRow } from '../rows.ts';
import type { LogCursor, LogPage, MessageLogStore } from '../types.ts';

const DAY_MS = 86_400_000;
const PRUNE_CHUNK = 10_000;
const COLUMNS = 'id, time, tenant, device, type, direction, action, message_id, error, payload';
const DDL = `
  CREATE TABLE IF NOT EXISTS message_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time bigint NOT NULL, tenant text NOT NULL, device text NOT NULL, type text NOT NULL,
    direction text, action text, message_id text, error text, payload text NOT NULL
  );
  CREATE INDEX IF NOT EXISTS message_log_device ON message_log (tenant, device, time, id);
  CREATE INDEX IF NOT EXISTS message_log_tenant ON message_log (tenant, time, id);
  CREATE INDEX IF NOT EXISTS message_log_message ON message_log (tenant, message_id);
  CREATE INDEX IF NOT EXISTS message_log_time ON message_log (time)`;

/** `?` placeholders (rows.ts whereOf) as PostgreSQL's `$n`, numbered from `from + 1`. */
export function numbered(sql: string, from = 0): string {
  let i = from;
  return sql.replace(/\?/g, () => `$${++i}`);
}

interface Raw {
  id: string;
  time: string;
  tenant: string;
  device: string;
  type: string;
  direction: 'in' | 'out' | null;
  action: string | null;
  message_id: string | null;
  error: string | null;
  payload: string;
}

const stored = (r: Raw): StoredRow => ({ id: Number(r.id), time: Number(r.time), tenant: r.tenant, device: r.device, type: r.type, direction: r.direction, action: r.action, messageId: r.message_id, error: r.error, payload: r.payload });

export interface PostgresLogOptions {
  url: string;
  retentionDays?: number;
  /** Queries only: nothing pruned (the writer does that). */
  readOnly?: boolean;
}

export function createPostgresLog(opts: PostgresLogOptions): MessageLogStore {
  const retentionMs = (opts.retentionDays ?? 30) * DAY_MS;
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.readOnly ? 4 : 2 });
  // An idle client's connection error must not end the process; the next query reports it.
  pool.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;

  async function prune(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (;;) {
      const r = await pool.query('DELETE FROM message_log WHERE id IN (SELECT id FROM message_log WHERE time < $1 LIMIT $2)', [now - retentionMs, PRUNE_CHUNK]);
      deleted += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < PRUNE_CHUNK) return deleted;
    }
  }

  return {
    name: 'postgres',
    prune,
    async init() {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query("SELECT pg_advisory_xact_lock(hashtext('chargebridge message_log'))");
        await c.query(DDL);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
      if (opts.readOnly) return;
      await prune();
      timer = setInterval(() => void prune().catch(() => undefined), 3_600_000);
      timer.unref();
    },
    async write(rows: readonly LogRow[], now = Date.now()) {
      const keep = rows.filter((r) => r.time >= now - retentionMs);
      if (keep.length) {
        await pool.query(
          `INSERT INTO message_log (time, tenant, device, type, direction, action, message_id, error, payload)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
          [keep.map((r) => r.time), keep.map((r) => r.tenant), keep.map((r) => r.device), keep.map((r) => r.type), keep.map((r) => r.direction), keep.map((r) => r.action), keep.map((r) => r.messageId), keep.map((r) => r.error), keep.map((r) => r.payload)],
        );
      }
      return { written: keep.length, expired: rows.length - keep.length };
    },
    async query(f: LogFilter, page): Promise<LogPage> {
      const w = whereOf(f);
      const dir = page.order === 'desc' ? 'DESC' : 'ASC';
      const total = await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM message_log WHERE ${numbered(w.sql)}`, w.params);
      const n = w.params.length;
      const rows = await pool.query<Raw>(`SELECT ${COLUMNS} FROM message_log WHERE ${numbered(w.sql)} ORDER BY time ${dir}, id ${dir} LIMIT $${n + 1} OFFSET $${n + 2}`, [...w.params, page.limit, page.offset]);
      return { items: rows.rows.map(stored), total: Number(total.rows[0]!.n) };
    },
    async scan(f: LogFilter, after: LogCursor | null, limit: number) {
      const w = whereOf(f);
      const n = w.params.length;
      const sql = after
        ? `SELECT ${COLUMNS} FROM message_log WHERE ${numbered(w.sql)} AND (time, id) > ($${n + 1}, $${n + 2}) ORDER BY time, id LIMIT $${n + 3}`
        : `SELECT ${COLUMNS} FROM message_log WHERE ${numbered(w.sql)} ORDER BY time, id LIMIT $${n + 1}`;
      const r = await pool.query<Raw>(sql, after ? [...w.params, after.time, after.id, limit] : [...w.params, limit]);
      return r.rows.map(stored);
    },
    async close() {
      clearInterval(timer);
      await pool.end();
    },
  };
}
