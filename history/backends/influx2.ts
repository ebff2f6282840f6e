/**
 * InfluxDB 2.x (and 3.x through its v2-compatible write API) through `@influxdata/influxdb-client`:
 * line protocol to POST /api/v2/write (precision ms, `Authorization: Token`), Flux to
 * POST /api/v2/query. Schema as in history/types.ts; absent tags are omitted and matched in Flux
 * with `not exists r.tag`.
 *
 * The client's own batching and retries are turned off: the persister owns batching, the durable
 * spool and the retry loop, so a batch is either acknowledged by InfluxDB or kept on disk.
 */
import { flux, fluxDateTime, fluxExpression, HttpError, InfluxDB, Point as LinePoint, setLogger } from '@influxdata/influxdb-client';
import type { AggregateFn, HistoryBackend, Point, SeriesQuery, SeriesResult } from '../types.ts';
import { influxRefusal, writeIsolatingRefusals } from './refusals.ts';

export interface Influx2Options {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Retention of a bucket this backend creates; an existing bucket keeps its own. */
  retentionDays?: number;
  timeoutMs?: number;
}

// The client logs every failed request to the console; the persister already logs outages once
// with their reason, so the client stays quiet.
setLogger({ error() {}, warn() {} });

const FLUX_FN: Record<AggregateFn, string> = { mean: 'mean', min: 'min', max: 'max', sum: 'sum', count: 'count', first: 'first', last: 'last' };
const EPOCH = '1970-01-01T00:00:00Z';
const FAR = '2200-01-01T00:00:00Z';

export function toLine(p: Point): LinePoint {
  const lp = new LinePoint('telemetry');
  for (const [k, v] of Object.entries(p.tags)) if (v !== undefined && v !== '') lp.tag(k, v);
  for (const [k, v] of Object.entries(p.fields)) lp.floatField(k, v);
  return lp.timestamp(p.time);
}

/** The Flux for one series of a history query (exported for the request tests). */
export function seriesFlux(bucket: string, q: SeriesQuery, s: SeriesQuery['series'][number]) {
  const iso = (ms: number | undefined, dflt: string) => fluxDateTime(ms === undefined ? dflt : new Date(ms).toISOString());
  const optTag = (tag: string, v: string | undefined) => (v === undefined ? fluxExpression(`not exists r.${tag}`) : flux`r.${fluxExpression(tag)} == ${v}`);
  let f = flux`from(bucket: ${bucket})
  |> range(start: ${iso(q.from, EPOCH)}, stop: ${iso(q.to, FAR)})
  |> filter(fn: (r) => r._measurement == "telemetry" and r._field == ${s.field} and r.tenant == ${q.tenant} and r.device == ${q.device})
  |> filter(fn: (r) => ${optTag('phase', s.phase)} and ${optTag('location', s.location)})`;
  if (q.transaction !== undefined) f = flux`${f}
  |> filter(fn: (r) => r.transaction == ${q.transaction})`;
  if (q.connector !== undefined) f = flux`${f}
  |> filter(fn: (r) => r.connector == ${q.connector})`;
  // One series whatever the connector/transaction tags were: the front end asked for one line.
  f = flux`${f}
  |> group()
  |> sort(columns: ["_time"])`;
  if (q.every && q.fn) f = flux`${f}
  |> aggregateWindow(every: ${fluxExpression(`${Math.trunc(q.every)}ms`)}, fn: ${fluxExpression(FLUX_FN[q.fn])}, createEmpty: false, timeSrc: "_start")`;
  if (q.lastN !== undefined) f = flux`${f}
  |> tail(n: ${fluxExpression(String(Math.trunc(q.lastN)))})`;
  return flux`${f}
  |> keep(columns: ["_time", "_value"])`;
}

/** RFC 3339 with up to nanoseconds → ISO 8601 with milliseconds. */
function isoMs(t: string): string {
  return new Date(t.replace(/(\.\d{3})\d+/, '$1')).toISOString();
}

export function createInflux2History(opts: Influx2Options): HistoryBackend {
  const client = new InfluxDB({ url: opts.url, token: opts.token, timeout: opts.timeoutMs ?? 10_000 });
  const headers = { Authorization: `Token ${opts.token}`, 'Content-Type': 'application/json' };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(path, opts.url), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB ${method} ${path.split('?')[0]}: ${res.status} ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  return {
    name: 'influxdb2',
    // InfluxDB's own advice: "The optimal batch size is 5000 lines of line protocol" (docs.influxdata.com,
    // InfluxDB v2.7, Write data > Best practices > Optimize writes); a point is one line.
    batchPoints: 5000,
    async init() {
      // GET /api/v2/buckets?org=&name=: create the bucket (with our retention) only if missing.
      const found = (await api('GET', `/api/v2/buckets?org=${encodeURIComponent(opts.org)}&name=${encodeURIComponent(opts.bucket)}`))['buckets'] as unknown[];
      if (found?.length) return;
      const orgs = (await api('GET', `/api/v2/orgs?org=${encodeURIComponent(opts.org)}`))['orgs'] as Array<{ id: string }> | undefined;
      if (!orgs?.length) throw new Error(`INFLUX_ORG: organization ${opts.org} not found`);
      const everySeconds = (opts.retentionDays ?? 30) * 86_400;
      await api('POST', '/api/v2/buckets', { orgID: orgs[0]!.id, name: opts.bucket, retentionRules: [{ type: 'expire', everySeconds }] });
    },
    async write(points: Point[]) {
      return writeIsolatingRefusals(
        points,
        async (ps) => {
          const w = client.getWriteApi(opts.org, opts.bucket, 'ms', { batchSize: ps.length + 1, flushInterval: 0, maxRetries: 0, maxBufferLines: ps.length + 1 });
          w.writePoints(ps.map(toLine));
          await w.close();
        },
        (err) => influxRefusal(err instanceof HttpError ? err.statusCode : undefined, (err as Error).message),
      );
    },
    async query(q: SeriesQuery): Promise<SeriesResult> {
      const out: SeriesResult = {};
      const qapi = client.getQueryApi(opts.org);
      for (const s of q.series) {
        const rows = await qapi.collectRows<{ _time: string; _value: number | null }>(seriesFlux(opts.bucket, q, s));
        out[s.key] = rows.filter((r) => r._value !== null && r._value !== undefined).map((r) => ({ ts: isoMs(r._time), value: Number(r._value) }));
      }
      return out;
    },
    async close() {},
  };
}
