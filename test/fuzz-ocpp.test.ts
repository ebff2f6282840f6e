/**
 * Issue 13: OCPP-J frames fuzzed against the real process, fixed seed, bounded count
 * (FUZZ_SEED / FUZZ_RUNS / FUZZ_PATH to replay or widen; docs/reliability-fuzzing.md).
 *
 * Property, for every frame: the connection answers as the specs say (expectationFor in
 * test/hostile.ts: exactly one well-formed answer for the frame's id, a CALLERROR code from
 * OCPP-J 1.6 Table 7, a CALLRESULT valid against the action's .conf schema, nothing larger than
 * 2 KiB, no answer to a CALLRESULT or CALLERROR) or closes with the documented code, and a
 * Heartbeat on a fresh connection is answered afterwards. The process never dies and nothing
 * reaches its process guard.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSchema, hostileValue, mutate, mutation, numberMutation, PROTO_KEYS, RAW, requestSchema, spliceText } from './fuzz-values.ts';
import {
  ADMIN_TOKEN,
  CHARGE_POINT_ACTIONS,
  checkFrame,
  CORPUS,
  expectNothingEscaped,
  expectServing,
  fuzzParams,
  fuzzTimeout,
  httpStatus,
  RawCharger,
  schemaValid,
  startGateway,
  tcpExchange,
  type Gateway,
} from './hostile.ts';

/** Actions the Central System sends, never receives: a charger sending one gets NotImplemented. */
const CENTRAL_SYSTEM_ACTIONS = ['Reset', 'RemoteStartTransaction', 'GetConfiguration', 'TriggerMessage', 'SetChargingProfile'];

const action = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...CHARGE_POINT_ACTIONS) },
  { weight: 1, arbitrary: fc.constantFrom(...CENTRAL_SYSTEM_ACTIONS, ...PROTO_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...CHARGE_POINT_ACTIONS).map((a) => a.toLowerCase()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const messageId = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 36 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 37, maxLength: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '-1', '__proto__', '\u0000', '\ud800', ' ') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 })) },
).filter((id) => !(typeof id === 'string' && id.startsWith('barrier-')));

/** A CALL as a charger could send it: an action, a valid or mutated payload, an odd id, extra elements. */
const callFrame = action
  .chain((a) =>
    fc.record({
      type: fc.oneof({ weight: 12, arbitrary: fc.constant<unknown>(2) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(3, 4, 5, 0, -2, 2.5, '2', null) }),
      id: messageId,
      action: fc.constant(a),
      // The schema of the action (Heartbeat's for one that is not a charge point action).
      valid: fromSchema(requestSchema(CHARGE_POINT_ACTIONS.includes(a) ? a : 'Heartbeat')),
      shape: fc.oneof(
        { weight: 3, arbitrary: fc.constant<'valid'>('valid') },
        { weight: 6, arbitrary: fc.constant<'mutated'>('mutated') },
        { weight: 2, arbitrary: fc.constant<'numbers'>('numbers') },
        { weight: 1, arbitrary: fc.constant<'random'>('random') },
      ),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
      numberEdits: fc.array(numberMutation, { minLength: 1, maxLength: 2 }),
      random: hostileValue,
      extra: fc.oneof({ weight: 9, arbitrary: fc.constant<unknown[]>([]) }, { weight: 1, arbitrary: fc.array(hostileValue, { minLength: 1, maxLength: 3 }) }),
    }),
  )
  .map((f) => {
    const payload =
      f.shape === 'valid'
        ? f.valid
        : f.shape === 'mutated'
          ? mutate(f.valid, f.mutations)
          : f.shape === 'numbers'
            ? mutate(f.valid, f.numberEdits)
            : f.random;
    return spliceText([f.type, f.id, f.action, payload, ...f.extra]);
  });

/**
 * Bugs the corpus already holds, failing there until fixed (test/hostile-frames.test.ts): the
 * fuzzer steps over their inputs (fc.pre) so that it keeps looking for new ones. Delete an entry
 * once its corpus case passes.
 */
export const KNOWN_BUGS: Array<{ corpus: string; bug: string; matches(frame: unknown): boolean }> = [];

function knownBug(data: Buffer): boolean {
  let f: unknown;
  try {
    f = JSON.parse(data.toString('utf8'));
  } catch {
    return false;
  }
  return KNOWN_BUGS.some((b) => b.matches(f));
}

/** Runs per property in CI (FUZZ_RUNS overrides every one). */
const RUNS = { json: 300, bytes: 300, calls: 600, sessions: 150, identities: 200 };

/** A valid CALL of a charge point action with a short unique id: what a session is mostly made of. */
let callSeq = 0;
const validCall = fc
  .constantFrom(...CHARGE_POINT_ACTIONS)
  .chain((a) => fc.tuple(fc.constant(a), fromSchema(requestSchema(a))))
  .map(([a, payload]) => JSON.stringify([2, `s-${++callSeq}`, a, payload]));

// Charge point identities. OCPP-J 2.0.1 part 4 §3.1.1: at most 48 characters of identifierString
// (part 2: a-z A-Z 0-9 * - _ = : + | @ .), which the gateway must accept; it may accept more (1.6
// sets no rule, and the spec's own example "RDAM 123" has a space), but never what cannot be shown
// in a log, an event or a CSV line: control and format characters (bidi overrides, zero width),
// line separators, unpaired surrogates, white space at either end, or more than 48 characters.
const IDENTIFIER_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-_=:+|@.'];
const identity = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...IDENTIFIER_CHARS), minLength: 1, maxLength: 48 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ unit: fc.constantFrom(...IDENTIFIER_CHARS), maxLength: 20 }), fc.constantFrom('\u0000', '\r', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u200b', '\u200e', '\u202e', '\u2066', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', ' ', '\u00a0'), fc.string({ unit: fc.constantFrom(...IDENTIFIER_CHARS), maxLength: 20 }))
      .map(([a, b, c]) => a + b + c),
  },
  { weight: 1, arbitrary: fc.integer({ min: 49, max: 5000 }).map((n) => 'A'.repeat(n)) },
);
const authorization = fc.option(
  fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Bearer x', 'basic Og==', `Basic ${'A'.repeat(4000)}`, 'Basic ' + ' '.repeat(3000) + 'x'),
  ),
  { nil: undefined },
);

function identityVerdict(id: string): 'good' | 'bad' | 'either' | 'dot-segment' {
  // "." and ".." are path segments a URL resolves away (RFC 3986 §5.2.4): no identity at all (404).
  if (id === '.' || id === '..') return 'dot-segment';
  const chars = [...id];
  if (chars.length > 48 || id.trim() !== id || /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(id)) return 'bad';
  return chars.every((c) => IDENTIFIER_CHARS.includes(c)) ? 'good' : 'either';
}

/** Percent-encoding of the UTF-8 bytes (a lone surrogate, which encodeURIComponent refuses, as WTF-8). */
function percentEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    const ch = String.fromCodePoint(cp);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (cu >= 0xd800 && cu <= 0xdfff && cp <= 0xffff) out += [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 0x3f), 0x80 | (cu & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += [...Buffer.from(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

async function deviceCount(): Promise<number> {
  const res = await fetch(`${gw.httpUrl}/devices?limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await res.json()) as { total: number }).total;
}

let gw: Gateway;
let seq = 0;

beforeAll(async () => {
  gw = await startGateway();
});

afterAll(async () => {
  await gw?.stop();
});

/** One frame on a fresh connection; then a Heartbeat on another fresh connection. */
async function oneFrame(data: Buffer, binary: boolean, identity: string): Promise<void> {
  fc.pre(!knownBug(data));
  const cp = await RawCharger.open(gw.ocppUrl, identity);
  let problems: string[];
  try {
    problems = await checkFrame(cp, data, binary);
  } finally {
    cp.terminate();
  }
  if (problems.length) throw new Error(`${problems.join('\n')}\nframe (${data.length} bytes): ${data.toString('utf8', 0, 300)}`);
  if (!gw.alive()) throw new Error(`process exited:\n${gw.log().slice(-2000)}`);
  const fresh = await RawCharger.open(gw.ocppUrl, `FUZZ-FRESH-${++seq % 4}`);
  const hb = await fresh.barrier();
  fresh.terminate();
  if (hb.kind !== 'answer') throw new Error(`a Heartbeat on a fresh connection was not answered: closed ${hb.code}`);
}

describe('fuzzing OCPP-J frames against the real process', () => {
  it('arbitrary JSON values as frames', async () => {
    const frame = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.tuple(fc.constantFrom(2, 3, 4, 5), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 3 })),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(frame, (v) => oneFrame(Buffer.from(JSON.stringify(v)), false, 'FUZZ-JSON')),
      fuzzParams(RUNS.json),
    );
  }, fuzzTimeout(RUNS.json));

  it('arbitrary strings and bytes as text and binary frames', async () => {
    const frame = fc.oneof(
      fc.record({ binary: fc.constant(false), data: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)) }),
      fc.record({ binary: fc.constant(false), data: fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', ',', ':', '2', '\\', 'u', ' ', 'a', '1', 'e', '-', '.'), maxLength: 60 }).map((s) => Buffer.from(s)) }),
      fc.record({ binary: fc.boolean(), data: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }),
      fc.record({ binary: fc.constant(true), data: fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify([2, 'bin', 'Heartbeat', v]))) }),
    );
    await fc.assert(
      fc.asyncProperty(frame, ({ data, binary }) => oneFrame(data, binary, 'FUZZ-BYTES')),
      fuzzParams(RUNS.bytes),
    );
  }, fuzzTimeout(RUNS.bytes));

  it('valid and mutated CALLs of the OCPP 1.6 charge point actions', async () => {
    await fc.assert(
      fc.asyncProperty(callFrame, (text) => oneFrame(Buffer.from(text), false, 'FUZZ-CALL')),
      fuzzParams(RUNS.calls),
    );
  }, fuzzTimeout(RUNS.calls));

  it('sequences of CALLs on one connection (a session: boot, transactions, meter values)', async () => {
    const session = fc.array(fc.oneof({ weight: 3, arbitrary: validCall }, { weight: 1, arbitrary: callFrame }), { minLength: 2, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(session, async (frames) => {
        const cp = await RawCharger.open(gw.ocppUrl, 'FUZZ-SESSION');
        try {
          for (const text of frames) {
            const data = Buffer.from(text);
            fc.pre(!knownBug(data));
            const problems = await checkFrame(cp, data, false);
            if (problems.length) throw new Error(`${problems.join('\n')}\nframe ${frames.indexOf(text) + 1} of ${frames.length} (${data.length} bytes): ${text.slice(0, 300)}`);
            if (cp.closed) break;
          }
        } finally {
          cp.terminate();
        }
        if (!gw.alive()) throw new Error(`process exited:\n${gw.log().slice(-2000)}`);
      }),
      fuzzParams(RUNS.sessions),
    );
  }, fuzzTimeout(RUNS.sessions, 150));

  it('charge point identities and headers at the handshake', async () => {
    await fc.assert(
      fc.asyncProperty(identity, authorization, async (id, auth) => {
        const verdict = identityVerdict(id);
        const devices = await deviceCount();
        const head = [
          `GET /ocpp/${percentEncode(id)} HTTP/1.1`,
          'Host: 127.0.0.1',
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Protocol: ocpp1.6',
          ...(auth ? [`Authorization: ${auth}`] : []),
        ].join('\r\n');
        const { got } = await tcpExchange(gw.ports.ocpp, Buffer.from(`${head}\r\n\r\n`, 'latin1'), { until: (g) => g.includes('\r\n\r\n') });
        const status = httpStatus(got);
        const allowed = verdict === 'bad' ? [400] : verdict === 'good' ? [101] : verdict === 'dot-segment' ? [400, 404] : [101, 400];
        if (!allowed.includes(status ?? 0)) throw new Error(`identity ${JSON.stringify(id)}: HTTP ${status}; expected ${allowed.join(' or ')}\n${got.toString('latin1').slice(0, 200)}`);
        if (status === 400 && (await deviceCount()) !== devices) throw new Error(`identity ${JSON.stringify(id)} refused, but a device was created`);
        if (status === 101) {
          const res = await fetch(`${gw.httpUrl}/devices?chargePointId=${percentEncode(id)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
          const found = (await res.json()) as { items: Array<{ chargePointId: string }> };
          if (found.items[0]?.chargePointId !== id) throw new Error(`identity ${JSON.stringify(id)} accepted, but its device is not found under it`);
        }
        if (!gw.alive()) throw new Error(`process exited:\n${gw.log().slice(-2000)}`);
      }),
      fuzzParams(RUNS.identities),
    );
  }, fuzzTimeout(RUNS.identities));

  it('leaves the gateway serving, with nothing escaped to the process guard', async () => {
    await expectNothingEscaped(gw);
    await expectServing(gw);
    await expectNothingEscaped(gw);
  });
});

describe('the fuzzer itself', () => {
  it('steps over known bugs only while their corpus case exists', () => {
    for (const b of KNOWN_BUGS) expect(existsSync(path.join(CORPUS, b.corpus)), b.corpus).toBe(true);
  });
  it('generates valid payloads for every charge point action', () => {
    for (const a of CHARGE_POINT_ACTIONS) {
      for (const p of fc.sample(fromSchema(requestSchema(a)), { seed: 1, numRuns: 20 })) {
        expect(schemaValid(`urn:${a}.req`, p), `${a} ${JSON.stringify(p)}`).toBe(true);
      }
    }
  });
  it('splices text that JSON.stringify cannot produce', () => {
    expect(spliceText({ a: RAW('1e999'), b: [RAW('[[]]')] })).toBe('{"a":1e999,"b":[[[]]]}');
  });
  it('adds prototype keys as own keys', () => {
    expect(spliceText(mutate({}, [{ kind: 'addKey', at: 0, key: '__proto__', value: 1 }]))).toBe('{"__proto__":1}');
  });
});
