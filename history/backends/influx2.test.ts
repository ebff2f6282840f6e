/**
 * The InfluxDB 2.x backend's requests, checked against the documented v2 HTTP API
 * (docs.influxdata.com/influxdb/v2/api: POST /api/v2/write, POST /api/v2/query,
 * GET/POST /api/v2/buckets, GET /api/v2/orgs) by a local server that records and validates every
 * request and answers as InfluxDB does (204, annotated CSV, JSON errors). No InfluxDB 2 server
 * runs on CI machines (Debian ships 1.x); set TEST_INFLUX2_URL/TOKEN/ORG to also run the full
 * backend contract against a real one.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInflux2History, seriesFlux } from './influx2.ts';
import { describeBackendContract } from './contract.ts';
import type { Point } from '../types.ts';

interface Req { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: string }

/** Line protocol (docs: reference/syntax/line-protocol) → measurement, tags, fields, time. */
function parseLine(line: string) {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') (cur += c + line[i + 1]), i++;
    else if (c === ' ') parts.push(cur), (cur = '');
    else cur += c;
  }
  parts.push(cur);
  if (parts.length !== 3) throw new Error(`expected "measurement,tags fields time": ${line}`);
  const split = (s: string, sep: string) => s.split(new RegExp(`(?<!\\\\)${sep}`));
  const unesc = (s: string) => s.replace(/\\([,= \\])/g, '$1');
  const [head, fieldSet, ts] = parts as [string, string, string];
  const [measurement, ...tagKv] = split(head, ',');
  const tags = Object.fromEntries(tagKv.map((kv) => split(kv, '=').map(unesc) as [string, string]));
  const fields = Object.fromEntries(
    split(fieldSet, ',').map((kv) => {
      const [k, v] = split(kv, '=') as [string, string];
      if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) throw new Error(`field ${k}: not a float literal: ${v}`);
      return [unesc(k), Number(v)];
    }),
  );
  if (!/^-?\d+$/.test(ts)) throw new Error(`bad timestamp ${ts}`);
  return { measurement: unesc(measurement!), tags, fields, time: Number(ts) };
}

const TOKEN = 'tok-123';
const ORG = 'acme';

class FakeInflux2 {
  requests: Req[] = [];
  buckets = new Set<string>();
  stored = new Map<string, ReturnType<typeof parseLine>>();
  failWith: number | null = null;
  refuseDevice = 'broken';
  csv = '';
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const url = new URL(req.url!, 'http://x');
      const r: Req = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body };
      this.requests.push(r);
      const send = (status: number, payload?: unknown, type = 'application/json') => {
        res.writeHead(status, payload === undefined ? {} : { 'content-type': type });
        res.end(payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Token ${TOKEN}`) return send(401, { code: 'unauthorized', message: 'unauthorized access' });
      if (this.failWith) return send(this.failWith, { code: 'unavailable', message: 'service unavailable' });
      const route = `${r.method} ${r.path}`;
      if (route === 'GET /api/v2/buckets') return send(200, { buckets: this.buckets.has(r.query.get('name')!) ? [{ name: r.query.get('name') }] : [] });
      if (route === 'GET /api/v2/orgs') return send(200, { orgs: r.query.get('org') === ORG ? [{ id: '0a1b2c3d4e5f6a7b', name: ORG }] : [] });
      if (route === 'POST /api/v2/buckets') {
        const b = JSON.parse(body) as { name: string };
        this.buckets.add(b.name);
        return send(201, { id: 'b1', ...b });
      }
      if (route === 'POST /api/v2/write') {
        // Documented: 400 = "Line protocol poorly formed and no points were written".
        if (!this.buckets.has(r.query.get('bucket')!)) return send(404, { code: 'not found', message: `bucket "${r.query.get('bucket')}" not found` });
        try {
          const lines = body.split('\n').filter(Boolean).map(parseLine);
          const bad = lines.findIndex((l) => l.tags['device'] === this.refuseDevice);
          if (bad >= 0) return send(400, { code: 'invalid', message: `failure writing points to database: partial write: field type conflict: line ${bad + 1}` });
          for (const l of lines) this.stored.set(JSON.stringify([l.measurement, l.tags, l.time]), l);
          return send(204);
        } catch (err) {
          return send(400, { code: 'invalid', message: (err as Error).message });
        }
      }
      if (route === 'POST /api/v2/query') return send(200, this.csv, 'text/csv; charset=utf-8');
      send(404, { code: 'not found', message: 'path not found' });
    });
  });
  url = '';
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const fake = new FakeInflux2();
beforeAll(() => fake.start());
afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));
beforeEach(() => {
  fake.requests = [];
  fake.stored.clear();
  fake.failWith = null;
});

const T0 = Date.UTC(2026, 5, 1, 10);
const pt = (i: number, tags: Partial<Point['tags']> = {}): Point => ({ tags: { tenant: 'acme', device: 'cp-1', connector: '1', ...tags }, fields: { power: 1000 + i + 0.5, soc: 20 }, time: T0 + i * 1000 });
const backend = (over: Partial<Parameters<typeof createInflux2History>[0]> = {}) => createInflux2History({ url: fake.url, token: TOKEN, org: ORG, bucket: 'telemetry', retentionDays: 7, ...over });

describe('InfluxDB 2.x backend: requests against the v2 HTTP API', () => {
  it('init creates a missing bucket in the org with the configured retention, and leaves an existing one alone', async () => {
    await backend().init();
    expect(fake.requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual(['GET /api/v2/buckets?org=acme&name=telemetry', 'GET /api/v2/orgs?org=acme', 'POST /api/v2/buckets?']);
    expect(JSON.parse(fake.requests[2]!.body)).toEqual({ orgID: '0a1b2c3d4e5f6a7b', name: 'telemetry', retentionRules: [{ type: 'expire', everySeconds: 7 * 86400 }] });
    fake.requests = [];
    await backend().init();
    expect(fake.requests).toHaveLength(1);
    await expect(backend({ org: 'nobody', bucket: 'new' }).init()).rejects.toThrow(/INFLUX_ORG/);
  });

  it('writes line protocol with ms precision, escaped tags, float fields and the sample time', async () => {
    const weird = { device: 'cp 1,=x', phase: 'L1-N', transaction: '42', location: undefined };
    const r = await backend().write([pt(0), pt(1, weird)]);
    expect(r).toEqual({ written: 2, rejected: [] });
    const w = fake.requests.find((x) => x.path === '/api/v2/write')!;
    expect(w.method).toBe('POST');
    expect(Object.fromEntries(w.query)).toEqual({ org: 'acme', bucket: 'telemetry', precision: 'ms' });
    expect(w.headers['content-type']).toMatch(/^text\/plain/);
    expect(w.headers.authorization).toBe(`Token ${TOKEN}`);
    const lines = w.body.split('\n').map(parseLine);
    expect(lines[0]).toEqual({ measurement: 'telemetry', tags: { tenant: 'acme', device: 'cp-1', connector: '1' }, fields: { power: 1000.5, soc: 20 }, time: T0 });
    expect(lines[1]).toEqual({ measurement: 'telemetry', tags: { tenant: 'acme', device: 'cp 1,=x', connector: '1', phase: 'L1-N', transaction: '42' }, fields: { power: 1001.5, soc: 20 }, time: T0 + 1000 });
  });

  it('sends a 5000-point batch in one gzip request and every point arrives', async () => {
    const batch = Array.from({ length: 5000 }, (_, i) => pt(i));
    expect((await backend().write(batch)).written).toBe(5000);
    const writes = fake.requests.filter((x) => x.path === '/api/v2/write');
    expect(writes).toHaveLength(1);
    expect(writes[0]!.headers['content-encoding']).toBe('gzip');
    expect(fake.stored.size).toBe(5000);
  });

  it('outages and auth failures reject (the persister spools); refused data is isolated and the rest written', async () => {
    fake.failWith = 503;
    await expect(backend().write([pt(0)])).rejects.toThrow();
    fake.failWith = null;
    await expect(createInflux2History({ url: fake.url, token: 'wrong', org: ORG, bucket: 'telemetry' }).write([pt(0)])).rejects.toThrow();
    await expect(backend({ bucket: 'missing' }).write([pt(0)])).rejects.toThrow();
    expect(fake.stored.size).toBe(0);
    const batch = [pt(0), pt(1), pt(2, { device: 'broken' }), pt(3), pt(4), { ...pt(5), fields: { power: Number.NaN } }];
    const r = await backend().write(batch);
    expect(r.written).toBe(4);
    expect(r.rejected.map((x) => [x.point.time, x.reason])).toEqual([
      [T0 + 5000, expect.stringMatching(/power/)],
      [T0 + 2000, expect.stringMatching(/field type conflict/)],
    ]);
    expect([...fake.stored.values()].map((l) => l.time).sort()).toEqual([0, 1, 3, 4].map((i) => T0 + i * 1000));
  });

  it('queries with Flux: POST /api/v2/query, JSON body, annotated CSV dialect', async () => {
    fake.csv = [
      '#datatype,string,long,dateTime:RFC3339,double',
      '#group,false,false,false,false',
      '#default,_result,,,',
      ',result,table,_time,_value',
      ',,0,2026-06-01T10:00:00Z,1000.5',
      ',,0,2026-06-01T10:00:10.123456789Z,1001',
      ',,0,2026-06-01T10:00:20Z,',
      '',
    ].join('\r\n');
    const r = await backend().query({ tenant: 'acme', device: 'cp-1', series: [{ key: 'power', field: 'power' }], from: T0, to: T0 + 60_000 });
    expect(r).toEqual({
      power: [
        { ts: '2026-06-01T10:00:00.000Z', value: 1000.5 },
        { ts: '2026-06-01T10:00:10.123Z', value: 1001 },
      ],
    });
    const q = fake.requests.find((x) => x.path === '/api/v2/query')!;
    expect(Object.fromEntries(q.query)).toEqual({ org: 'acme' });
    expect(q.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(q.body) as { query: string; type: string; dialect: { annotations: string[]; header: boolean } };
    expect(body.type).toBe('flux');
    expect(body.dialect).toMatchObject({ header: true, annotations: ['datatype', 'group', 'default'] });
    expect(body.query).toContain('from(bucket: "telemetry")');
    expect(body.query).toContain('range(start: time(v: "2026-06-01T10:00:00.000Z"), stop: time(v: "2026-06-01T10:01:00.000Z"))');
  });

  it('reads an aggregate of type long (count) and reports a query error with InfluxDB\'s message', async () => {
    fake.csv = '#datatype,string,long,dateTime:RFC3339,long\r\n#group,false,false,false,false\r\n#default,_result,,,\r\n,result,table,_time,_value\r\n,,0,2026-06-01T10:00:00Z,60\r\n\r\n';
    const r = await backend().query({ tenant: 'acme', device: 'cp-1', series: [{ key: 'power', field: 'power' }], every: 60_000, fn: 'count' });
    expect(r['power']).toEqual([{ ts: '2026-06-01T10:00:00.000Z', value: 60 }]);
    fake.failWith = 400;
    await expect(backend().query({ tenant: 'acme', device: 'cp-1', series: [{ key: 'power', field: 'power' }] })).rejects.toThrow(/400|unavailable/);
  });
});

describe('InfluxDB 2.x backend: the Flux it sends', () => {
  it('selects one series by tags, absent tags with not exists, merges connectors, windows and limits', () => {
    const f = seriesFlux(
      'tele"metry',
      { tenant: 'a"b', device: 'cp-${x}', series: [], transaction: '7', every: 60_000, fn: 'mean', lastN: 10 },
      { key: 'current_L1', field: 'current', phase: 'L1' },
    ).toString();
    expect(f).toBe(
      [
        'from(bucket: "tele\\"metry")',
        '  |> range(start: time(v: "1970-01-01T00:00:00Z"), stop: time(v: "2200-01-01T00:00:00Z"))',
        '  |> filter(fn: (r) => r._measurement == "telemetry" and r._field == "current" and r.tenant == "a\\"b" and r.device == "cp-\\${x}")',
        '  |> filter(fn: (r) => r.phase == "L1" and not exists r.location)',
        '  |> filter(fn: (r) => r.transaction == "7")',
        '  |> group()',
        '  |> sort(columns: ["_time"])',
        '  |> aggregateWindow(every: 60000ms, fn: mean, createEmpty: false, timeSrc: "_start")',
        '  |> tail(n: 10)',
        '  |> keep(columns: ["_time", "_value"])',
      ].join('\n'),
    );
  });
});

// The full contract against a real InfluxDB 2.x when one is given.
const real = process.env['TEST_INFLUX2_URL'];
if (real) {
  let n = 0;
  describeBackendContract('InfluxDB 2.x (TEST_INFLUX2_URL)', async () => {
    const b = createInflux2History({ url: real, token: process.env['TEST_INFLUX2_TOKEN'] ?? '', org: process.env['TEST_INFLUX2_ORG'] ?? '', bucket: `contract_${process.pid}_${n++}` });
    await b.init();
    return b;
  });
}
