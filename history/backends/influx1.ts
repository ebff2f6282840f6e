/**
 * InfluxDB 1.x through `influx`. Measurement `telemetry`, ms precision, tags as in
 * history/types.ts (absent tags are omitted; InfluxQL matches an absent tag with '').
 */
import Influx from 'influx';
import type { HistoryBackend, Point, SeriesQuery, SeriesResult } from '../types.ts';
import { influxRefusal, writeIsolatingRefusals } from './refusals.ts';

const { InfluxDB, escape } = Influx;
const tagsOf = (p: Point) => Object.fromEntries(Object.entries(p.tags).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
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
    // InfluxDB's own advice: "The optimal batch size is 5000 lines of line protocol" (docs.influxdata.com,
    // InfluxDB v2.7, Write data > Best practices > Optimize writes); a point is one line.
    batchPoints: 5000,
    async init() {
      const names = await client.getDatabaseNames();
      if (!names.includes(opts.database)) await client.createDatabase(opts.database);
    },
    async write(points: Point[]) {
      return writeIsolatingRefusals(
        points,
        (ps) =>
          client.writePoints(
            ps.map((p) => ({ measurement: 'telemetry', tags: tagsOf(p), fields: p.fields, timestamp: p.time })),
            { precision: 'ms' },
          ),
        // 400 = the data itself is refused; 401/404/5xx/network = spool and retry later.
        (err) => influxRefusal((err as { res?: { statusCode?: number } }).res?.statusCode, (err as Error).message),
      );
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
