/**
 * Issue 13: the HTTP API under hostile input, against the real process. The corpus
 * (test/corpus/http, raw requests) is replayed, then request bodies, content types and query
 * strings of the main routes are fuzzed with the admin token (fixed seed, bounded count;
 * FUZZ_SEED / FUZZ_RUNS / FUZZ_PATH; docs/reliability-fuzzing.md).
 *
 * Property, for every request: never a 5xx (no backing service is down here, so not even 503);
 * every 4xx is application/problem+json with a `code` from the registry (docs/api.md "Errors")
 * and the HTTP status, and a VALIDATION_FAILED names its fields (`body.x`, `query.x`,
 * `params.x`); a 2xx JSON answer parses. The process stays up and nothing reaches its guard.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSchema, hostileValue, mutate, mutation, PROTO_KEYS, RAW, requestSchema, spliceText, timestamp } from './fuzz-values.ts';
import {
  ADMIN_TOKEN,
  CORPUS,
  corpus,
  expectNothingEscaped,
  expectServing,
  fuzzParams,
  fuzzTimeout,
  httpStatus,
  metric,
  startGateway,
  tcpExchange,
  type Gateway,
} from './hostile.ts';

const ESCAPED = 'chargebridge_process_unexpected_errors_total';

/** docs/api.md "Errors". */
const CODES: ReadonlySet<string> = new Set([
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'DUPLICATE',
  'CONFLICT',
  'NOT_ACCEPTABLE',
  'CHARGER_OFFLINE',
  'CHARGER_TIMEOUT',
  'CHARGER_ERROR',
  'UNAVAILABLE',
  'INTERNAL',
]);

interface Response {
  status: number;
  type: string;
  body: string;
}

/** What is wrong with an answer of the API (empty: nothing). */
function responseProblems(r: Response): string[] {
  const p: string[] = [];
  if (r.status >= 500) p.push(`status ${r.status}: ${r.body.slice(0, 300)}`);
  if (r.status >= 400) {
    if (!/^application\/problem\+json\b/.test(r.type)) p.push(`${r.status} with content-type ${JSON.stringify(r.type)}, not application/problem+json: ${r.body.slice(0, 200)}`);
    let j: { code?: unknown; status?: unknown; errors?: Array<{ field?: unknown }> };
    try {
      j = JSON.parse(r.body) as typeof j;
    } catch {
      return [...p, `${r.status} body is not JSON: ${r.body.slice(0, 200)}`];
    }
    if (typeof j.code !== 'string' || !CODES.has(j.code)) p.push(`code ${JSON.stringify(j.code)} is not in the error registry`);
    if (j.status !== r.status) p.push(`problem status ${JSON.stringify(j.status)} for HTTP ${r.status}`);
    if (j.code === 'VALIDATION_FAILED') {
      if (!Array.isArray(j.errors) || j.errors.length === 0) p.push('VALIDATION_FAILED without errors[]');
      else for (const e of j.errors) if (typeof e.field !== 'string' || !/^(body|query|params)(\.|$)/.test(e.field)) p.push(`errors[].field ${JSON.stringify(e.field)} does not name a field`);
    }
  } else if (r.status >= 200 && r.status < 300 && /json/.test(r.type) && r.body) {
    try {
      JSON.parse(r.body);
    } catch {
      p.push(`${r.status} JSON body does not parse: ${r.body.slice(0, 200)}`);
    }
  }
  return p;
}

/** A raw HTTP/1.1 response: status, content-type, body (Content-Length or chunked). */
function parseRaw(got: Buffer): Response | null {
  const status = httpStatus(got);
  if (status === null) return null;
  const end = got.indexOf('\r\n\r\n');
  const head = got.subarray(0, end).toString('latin1');
  let body = got.subarray(end + 4);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const parts: Buffer[] = [];
    for (let i = 0; i < body.length; ) {
      const eol = body.indexOf('\r\n', i);
      const n = parseInt(body.subarray(i, eol).toString('latin1'), 16);
      if (!n) break;
      parts.push(body.subarray(eol + 2, eol + 2 + n));
      i = eol + 2 + n + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, type: /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '', body: body.toString('utf8') };
}

/** Headers and body are in (or it is a 101, which has no body). */
function responseIn(got: Buffer): boolean {
  const end = got.indexOf('\r\n\r\n');
  if (end < 0) return false;
  if (httpStatus(got) === 101) return true;
  const head = got.subarray(0, end).toString('latin1');
  const len = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (len) return got.length - end - 4 >= Number(len[1]);
  return /\r\ntransfer-encoding: *chunked/i.test(head) && got.subarray(end).includes('\r\n0\r\n\r\n');
}

let gw: Gateway;
let device: string;

beforeAll(async () => {
  gw = await startGateway();
  const res = await fetch(`${gw.httpUrl}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chargePointId: 'FUZZ-HTTP-TARGET' }),
  });
  expect(res.status).toBe(201);
  device = ((await res.json()) as { id: string }).id;
});

afterAll(async () => {
  await gw?.stop();
});

/** A corpus request with its placeholders filled in (test/corpus/README.md). */
function fill(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replaceAll('{{TOKEN}}', ADMIN_TOKEN).replaceAll('{{DEVICE}}', device);
  const end = text.indexOf('\r\n\r\n');
  const length = end < 0 ? 0 : Buffer.byteLength(text.slice(end + 4), 'latin1');
  return Buffer.from(text.replace('{{LENGTH}}', String(length)), 'latin1');
}

describe('hostile HTTP requests (test/corpus/http)', () => {
  for (const c of corpus('http')) {
    it(c.name, async () => {
      const before = await metric(gw, ESCAPED);
      const { got } = await tcpExchange(gw.ports.http, fill(c.bytes), { until: responseIn, timeoutMs: 5000 });
      const r = parseRaw(got);
      if (c.name.startsWith('malformed-')) {
        // Not HTTP/1.1: Node's parser answers (or closes); never a 5xx.
        if (r) expect(r.status, got.toString('latin1').slice(0, 300)).toBeLessThan(500);
      } else {
        expect(r, `no HTTP response: ${got.toString('latin1').slice(0, 300)}`).not.toBeNull();
        if (r!.status !== 101) expect(responseProblems(r!)).toEqual([]);
      }
      expect(gw.alive()).toBe(true);
      expect(await metric(gw, ESCAPED)).toBe(before);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Fuzzing

const printable = fc.string({ minLength: 1, maxLength: 48 }).filter((s) => s.trim() === s && !/[\p{Cc}\p{Cf}]/u.test(s));
const site = fc.record({ name: fc.string({ maxLength: 200 }), address: fc.string({ maxLength: 100 }), lat: fc.double({ min: -90, max: 90, noNaN: true }), lng: fc.double({ min: -180, max: 180, noNaN: true }) }, { requiredKeys: [] });
const attrs = fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)), { maxKeys: 4 });
const deviceFields = {
  chargePointId: printable,
  label: fc.string({ minLength: 1, maxLength: 200 }),
  site,
  enabled: fc.boolean(),
  lenient: fc.option(fc.boolean(), { nil: null }),
  templates: fc.constant([]),
  attrs,
};
const CS_ACTIONS = ['Reset', 'ClearCache', 'UnlockConnector', 'TriggerMessage', 'ChangeAvailability', 'GetConfiguration', 'RemoteStopTransaction', 'DataTransfer', 'SetChargingProfile'];

/** Valid bodies of the main routes, to mutate. `{DEVICE}` and `{TAG}` are filled per request. */
const routes = [
  { method: 'POST', path: '/devices', body: fc.record(deviceFields, { requiredKeys: ['chargePointId'] }) },
  { method: 'PATCH', path: '/devices/{DEVICE}', body: fc.record({ ...deviceFields, chargePointId: fc.constant('FUZZ-HTTP-TARGET') }, { requiredKeys: [] }) },
  { method: 'PUT', path: '/id-tags/{TAG}', body: fc.record({ status: fc.constantFrom('Accepted', 'Blocked', 'Expired', 'Invalid'), expiryDate: fc.option(timestamp, { nil: null }), parentIdTag: fc.string({ minLength: 1, maxLength: 20 }) }, { requiredKeys: [] }) },
  { method: 'POST', path: '/id-tags', body: fc.record({ idTag: fc.string({ minLength: 1, maxLength: 20 }), status: fc.constantFrom('Accepted', 'Blocked') }, { requiredKeys: ['idTag'] }) },
  { method: 'POST', path: '/tokens', body: fc.record({ tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), role: fc.constantFrom('admin', 'operator', 'read-only'), label: fc.string({ maxLength: 50 }) }, { requiredKeys: ['role'] }) },
  {
    method: 'POST',
    path: '/devices/{DEVICE}/commands',
    // Payloads valid against the 1.6 schemas (the device is offline: 409 CHARGER_OFFLINE), then mutated.
    body: fc.constantFrom(...CS_ACTIONS).chain((action) => fc.record({ action: fc.constant(action), payload: fromSchema(requestSchema(action)), timeoutMs: fc.integer({ min: 1, max: 60_000 }) }, { requiredKeys: ['action', 'payload'] })),
  },
  { method: 'POST', path: '/message-log/replay', body: fc.record({ deviceId: fc.constant('{DEVICE}'), from: timestamp, to: timestamp, action: fc.array(fc.constantFrom('Heartbeat', 'MeterValues'), { maxLength: 2 }), direction: fc.constantFrom('in', 'out') }, { requiredKeys: ['from', 'to'] }) },
  { method: 'POST', path: '/templates', body: fc.record({ label: fc.string({ minLength: 1, maxLength: 20 }), attrs: fc.array(fc.record({ label: fc.string({ minLength: 1, maxLength: 10 }), type: fc.constantFrom('dynamic', 'static'), valueType: fc.constantFrom('float', 'string') }), { maxLength: 3 }) }) },
  { method: 'PUT', path: '/alert-rules/offline', body: fc.record({ enabled: fc.boolean(), severity: fc.constantFrom('critical', 'warning'), params: fc.record({ seconds: fc.integer({ min: 1, max: 86_400 }) }) }, { requiredKeys: [] }) },
  {
    method: 'POST',
    path: '/alert-targets',
    body: fc.oneof(
      fc.record({ type: fc.constant('webhook'), url: fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:9/x'), secret: fc.string({ minLength: 16, maxLength: 40 }), label: fc.string({ maxLength: 20 }) }, { requiredKeys: ['type', 'url', 'secret'] }),
      fc.record({ type: fc.constant('email'), to: fc.array(fc.constantFrom('ops@example.com', 'a.b@example.org'), { minLength: 1, maxLength: 3 }), enabled: fc.boolean() }, { requiredKeys: ['type', 'to'] }),
    ),
  },
] as const;

const count = (max: number) => fc.integer({ min: 0, max }).map(String);

/** Valid query strings of the GET routes (key/value pairs, so keys may repeat), to mutate. */
const queries = [
  { path: '/devices', valid: fc.record({ chargePointId: fc.string({ maxLength: 48 }), online: fc.constantFrom('true', 'false'), limit: count(1000), offset: count(100) }, { requiredKeys: [] }) },
  {
    path: '/devices/{DEVICE}/history',
    valid: fc.record(
      { attr: fc.constantFrom('power', 'energy', 'power,voltage', 'current_L1', 'soc', 'energy,power,current,voltage,soc'), from: timestamp, to: timestamp, lastN: count(1000), every: fc.constantFrom('10s', '5m', '1h', '1d'), fn: fc.constantFrom('mean', 'max', 'count', 'last') },
      { requiredKeys: ['attr'] },
    ),
  },
  { path: '/transactions', valid: fc.record({ deviceId: fc.constant('{DEVICE}'), from: timestamp, to: timestamp, status: fc.constantFrom('active', 'completed'), limit: count(10_000), offset: count(100) }, { requiredKeys: [] }) },
  { path: '/id-tags', valid: fc.record({ limit: count(10_000), offset: count(100) }, { requiredKeys: [] }) },
  {
    path: '/message-log',
    valid: fc.record(
      { deviceId: fc.constant('{DEVICE}'), from: timestamp, to: timestamp, type: fc.constantFrom('ocpp', 'ocpp,command'), action: fc.constantFrom('Heartbeat', 'MeterValues,BootNotification'), messageId: fc.string({ maxLength: 36 }), direction: fc.constantFrom('in', 'out'), failed: fc.constantFrom('true', 'false'), order: fc.constantFrom('asc', 'desc'), limit: count(10_000), offset: count(100) },
      { requiredKeys: [] },
    ),
  },
  { path: '/alerts', valid: fc.record({ deviceId: fc.constant('{DEVICE}'), active: fc.constantFrom('true', 'false'), rule: fc.constantFrom('offline', 'connectorFault'), limit: count(1000), offset: count(100) }, { requiredKeys: [] }) },
  { path: '/alert-deliveries', valid: fc.record({ status: fc.constantFrom('pending', 'delivered', 'failed'), alertId: fc.string({ maxLength: 16 }), limit: count(1000), offset: count(100) }, { requiredKeys: [] }) },
  { path: '/tokens', valid: fc.record({ tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }, { requiredKeys: [] }) },
  { path: '/transactions/{TX}/meter-values', valid: fc.record({ attr: fc.constantFrom('power', 'energy,power'), every: fc.constantFrom('1m', '1h'), fn: fc.constantFrom('mean', 'sum') }, { requiredKeys: [] }) },
] as const;

type QueryEdit = { kind: 'set'; at: number; value: string } | { kind: 'drop'; at: number } | { kind: 'add'; key: string | number; value: string };
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json;;',
  'application/problem+json',
  'application/vnd.api+json',
  'text/json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  '',
];

/** Path segments: mostly plain or percent-encoded, sometimes odd. */
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, '00000000', '..', '.', '%2F', '%00', 'a%20b', '-1', '1e308', '9007199254740993', 'ffffffff') },
);

const queryValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom('', 'true', 'false', '0', '-1', '1e308', '-0', 'NaN', 'Infinity', '99999999999999999999', '1.5', '10s', '0s', '1ms', '99999999999d', 'mean', 'count', '__proto__', 'power', 'power,voltage', 'power_L1', 'energy_', ',,,') },
  { weight: 2, arbitrary: timestamp },
  { weight: 1, arbitrary: fc.constantFrom('-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2026-06-30T23:59:60Z', '2026-02-30', '0', '1', 'Z', 'now') },
);

const queryEdit: fc.Arbitrary<QueryEdit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: queryValue }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  // A key the route reads once more (a number: the nth pair's key), or one it does not read.
  fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.nat(), fc.constantFrom(...PROTO_KEYS, 'x', 'limit[]', 'a[b]', '', '%')), value: queryValue }),
);

const query = fc
  .record({
    route: fc.constantFrom(...queries).chain((r) => fc.record({ path: fc.constant(r.path), valid: r.valid as fc.Arbitrary<Record<string, string>> })),
    edits: fc.array(queryEdit, { maxLength: 3 }),
    // Query strings as a browser would not write them: unencoded, or with broken percent-encoding.
    encoding: fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'broken'),
    accept: fc.option(fc.constantFrom('text/csv', 'application/json', '*/*', 'application/xml', 'text/csv;q=0', 'text/html, */*;q=0.1', ';;'), { nil: undefined }),
  })
  .map(({ route, edits, encoding, accept }) => {
    const pairs: Array<[string, string]> = Object.entries(route.valid);
    for (const e of edits) {
      if (e.kind === 'add') pairs.push([typeof e.key === 'number' ? (pairs[e.key % Math.max(pairs.length, 1)]?.[0] ?? 'x') : e.key, e.value]);
      else if (pairs.length && e.kind === 'set') pairs[e.at % pairs.length]![1] = e.value;
      else if (pairs.length) pairs.splice(e.at % pairs.length, 1);
    }
    const enc = (s: string) => (encoding === 'encoded' ? encodeURIComponent(s) : encoding === 'raw' ? s.replace(/[#&\s]/g, encodeURIComponent) : `${s.replace(/%/g, '%Z').replace(/[#&\s]/g, encodeURIComponent)}%`);
    const qs = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    return { method: 'GET', path: route.path, qs, accept, contentType: undefined, body: undefined };
  });

const bodyRequest = fc
  .record({
    route: fc.constantFrom(...routes).chain((r) => fc.record({ r: fc.constant(r), valid: r.body as fc.Arbitrary<unknown> })),
    shape: fc.constantFrom('valid', 'mutated', 'mutated', 'mutated', 'random', 'text', 'bytes'),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    random: hostileValue,
    text: fc.string({ unit: 'binary', maxLength: 200 }),
    bytes: fc.uint8Array({ maxLength: 200 }),
    contentType: fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
  })
  .map(({ route, shape, mutations, random, text, bytes, contentType }) => {
    const body: string | Uint8Array =
      shape === 'valid' ? spliceText(route.valid) : shape === 'mutated' ? spliceText(mutate(route.valid, mutations)) : shape === 'random' ? spliceText(random) : shape === 'text' ? text : bytes;
    return { method: route.r.method, path: route.r.path, qs: '', accept: undefined, contentType, body };
  });

type Request = { method: string; path: string; qs: string; accept: string | undefined; contentType: string | undefined; body: string | Uint8Array | undefined };

const request = fc.record({ req: fc.oneof(bodyRequest, query), device: fc.constantFrom('{DEVICE}', 'unknown'), tag: segment, tx: segment });

/**
 * Bugs the corpus already holds, failing there until fixed: the fuzzer steps over their inputs
 * (`input`) or lets their symptom pass (`problem`), so that it keeps looking for new ones.
 * Delete an entry once its corpus case passes.
 */
export const KNOWN_BUGS: Array<{ corpus: string; bug: string; input?(url: string): boolean; problem?(p: string): boolean }> = [];

let seq = 0;

async function send(r: Request, devicePart: string, tag: string, tx: string): Promise<void> {
  const p = r.path.replace('{DEVICE}', devicePart === '{DEVICE}' ? device : `${devicePart}${++seq}`).replace('{TAG}', tag).replace('{TX}', tx);
  const url = `${p}${r.qs ? `?${r.qs.replaceAll('%7BDEVICE%7D', device).replaceAll('{DEVICE}', device)}` : ''}`;
  fc.pre(!KNOWN_BUGS.some((b) => b.input?.(url)));
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.accept) headers['accept'] = r.accept;
  const body = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : new Blob([new Uint8Array(r.body)]);
  const res = await fetch(gw.httpUrl + url, { method: r.method, headers, ...(body !== undefined ? { body } : {}) });
  const resp = { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  const problems = responseProblems(resp).filter((p) => !KNOWN_BUGS.some((b) => b.problem?.(p)));
  if (problems.length) throw new Error(`${r.method} ${url.slice(0, 300)} ${r.contentType ?? ''}: ${problems.join('; ')}`);
  if (!gw.alive()) throw new Error(`process exited:\n${gw.log().slice(-2000)}`);
}

const RUNS = { requests: 1500 };

describe('fuzzing the HTTP API against the real process', () => {
  it('bodies, content types and query strings of the main routes', async () => {
    await fc.assert(
      fc.asyncProperty(request, ({ req, device: d, tag, tx }) => send(req, d, tag, tx)),
      fuzzParams(RUNS.requests),
    );
  }, fuzzTimeout(RUNS.requests));

  it('leaves the gateway serving, with nothing escaped to the process guard', async () => {
    await expectNothingEscaped(gw);
    await expectServing(gw);
    await expectNothingEscaped(gw);
  });

  it('shuts down cleanly (SIGTERM, exit 0)', async () => {
    expect(await gw.stop()).toBe(0);
  });
});

describe('the fuzzer itself', () => {
  it('steps over known bugs only while their corpus case exists', () => {
    for (const b of KNOWN_BUGS) expect(existsSync(path.join(CORPUS, b.corpus)), b.corpus).toBe(true);
  });
  it('reads problem+json as the docs describe it', () => {
    const ok = { status: 400, type: 'application/problem+json; charset=utf-8', body: JSON.stringify({ code: 'VALIDATION_FAILED', status: 400, errors: [{ field: 'body.site.lat' }] }) };
    expect(responseProblems(ok)).toEqual([]);
    expect(responseProblems({ ...ok, type: 'application/json' })).toHaveLength(1);
    expect(responseProblems({ status: 503, type: ok.type, body: JSON.stringify({ code: 'UNAVAILABLE', status: 503 }) })).toHaveLength(1);
    expect(responseProblems({ ...ok, body: JSON.stringify({ code: 'VALIDATION_FAILED', status: 400, errors: [{ field: 'lat' }] }) })).toHaveLength(1);
    expect(spliceText({ a: RAW('1e999') })).toBe('{"a":1e999}');
  });
});
