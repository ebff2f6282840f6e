/**
 * InfluxDB 1.x through `influx`. Measurement `telemetry`, ms precision, tags as in
 * history/types.ts (absent tags are omitted; InfluxQL matches an absent tag with '').
 */
import Influx from 'influx';
import type { HistoryBackend, Point, SeriesQuery, SeriesResult } from '../types.ts';

const { InfluxDB, escape } = Influx;
const FN = { mean: 'MEAN', min: 'MIN', max: 'MAX', sum: 'SUM', count: 'COUNT', first: 'FIRST', last: 'LAST' } as const;

export function createInflux1History(opts: { url: string; database: string; username?: string | undefined; password?: string | undefined }): HistoryBackend {
  const u = new URL(opts.url);
  const client = new InfluxDB({
    host: u.hostname,
    port: Number(u.port || 8086),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database: opts.database,
    ...(opts.username ? { username: opts.username, password: opts.password ?? '' } : {}),
  });

  return {
    name: 'influxdb1',
    async init() {
      const names = await client.getDatabaseNames();
      if (!names.includes(opts.database)) await client.createDatabase(opts.database);
    },
    async write(points: Point[]) {
      const rejected: Array<{ point: Point; reason: string }> = [];
      const ok: Point[] = [];
      for (const p of points) {
        const bad = Object.entries(p.fields).find(([, v]) => !Number.isFinite(v));
        if (bad) rejected.push({ point: p, reason: `field ${bad[0]} is not a finite number` });
        else ok.push(p);
      }
      if (ok.length) {
        try {
          await client.writePoints(
            ok.map((p) => ({
              measurement: 'telemetry',
              tags: Object.fromEntries(Object.entries(p.tags).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>,
              fields: p.fields,
              timestamp: p.time,
            })),
            { precision: 'ms' },
          );
        } catch (err) {
          // 4xx: the server refused the data itself (e.g. a field type conflict): retrying will
          // not help. Anything else (network, 5xx): reject so the batch is spooled and retried.
          const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
          if (status && status >= 400 && status < 500) {
            for (const p of ok) rejected.push({ point: p, reason: (err as Error).message });
            return { written: 0, rejected };
          }
          throw err;
        }
      }
      return { written: ok.length, rejected };
    },
    async query(q: SeriesQuery): Promise<SeriesResult> {
      const out: SeriesResult = {};
      for (const s of q.series) {
        const where = [
          `"tenant" = ${escape.stringLit(q.tenant)}`,
          `"device" = ${escape.stringLit(q.device)}`,
          `"phase" = ${escape.stringLit(s.phase ?? '')}`,
          `"location" = ${escape.stringLit(s.location ?? '')}`,
        ];
        if (q.transaction !== undefined) where.push(`"transaction" = ${escape.stringLit(q.transaction)}`);
        if (q.connector !== undefined) where.push(`"connector" = ${escape.stringLit(q.connector)}`);
        if (q.from !== undefined) where.push(`time >= ${Math.trunc(q.from)}ms`);
        if (q.to !== undefined) where.push(`time < ${Math.trunc(q.to)}ms`);
        const field = escape.quoted(s.field);
        const desc = q.lastN !== undefined;
        const limit = desc ? ` LIMIT ${Math.trunc(q.lastN!)}` : '';
        const sql =
          q.every && q.fn
            ? `SELECT ${FN[q.fn]}(${field}) AS v FROM "telemetry" WHERE ${where.join(' AND ')} GROUP BY time(${Math.trunc(q.every)}ms) fill(none) ORDER BY time ${desc ? 'DESC' : 'ASC'}${limit}`
            : `SELECT ${field} AS v FROM "telemetry" WHERE ${where.join(' AND ')} ORDER BY time ${desc ? 'DESC' : 'ASC'}${limit}`;
        const rows = (await client.query<{ v: number | null }>(sql, { precision: 'ms' })) as unknown as Array<{ time: Date; v: number | null }>;
        const series = rows.filter((r) => r.v !== null).map((r) => ({ ts: new Date(r.time.getTime()).toISOString(), value: r.v as number }));
        out[s.key] = desc ? series.reverse() : series;
      }
      return out;
    },
    async close() {},
  };
}
