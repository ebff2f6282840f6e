/**
 * Issue 13 "Trust under faults and hostile input": the malicious OCPP corpus
 * (test/corpus/ocpp-frames, ocpp-answers, ocpp-handshake; README there) replayed against the real
 * process (docs/reliability-fuzzing.md). No input ends the process or another charger's
 * connection; each frame gets what the specs say (expectationFor in test/hostile.ts), every
 * CALLERROR carries a Table 7 code and is small; a command answered with hostile bytes gets the
 * right HTTP answer; refused identities create no device; afterwards the gateway serves a
 * well-behaved charger and nothing reached the process guard.
 */
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  answerProblems,
  checkOutcome,
  corpus,
  CORPUS,
  corpusBytes,
  expectationFor,
  expectNothingEscaped,
  expectServing,
  HOSTILE_CLOSE_CODES,
  httpComplete,
  httpStatus,
  idMatches,
  MAX_FRAME_BYTES,
  metric,
  RawCharger,
  startGateway,
  tcpExchange,
  type CorpusCase,
  type FrameExpectation,
  type Gateway,
} from './hostile.ts';

const ESCAPED = 'chargebridge_process_unexpected_errors_total';

/** What hand-made WebSocket frames (`*.wire`) must lead to (RFC 6455); `open`: nothing closes, nothing is answered. */
const WIRE: Record<string, { close: number } | { answer: string } | 'open'> = {
  'wire-ping-payload-126-bytes.wire': { close: 1002 }, // §5.5: control frames carry at most 125 bytes
  'wire-rsv1-without-extension.wire': { close: 1002 }, // §5.2: RSV1 without a negotiated extension
  'wire-unmasked-text.wire': { close: 1002 }, // §5.1: a client MUST mask
  'wire-reserved-opcode-3.wire': { close: 1002 }, // §5.2: reserved non-control opcode
  'wire-reserved-control-opcode-b.wire': { close: 1002 },
  'wire-continuation-without-start.wire': { close: 1002 }, // §5.4
  'wire-fragmented-control-frame.wire': { close: 1002 }, // §5.5: control frames are not fragmented
  'wire-close-code-999.wire': { close: 1002 }, // §7.4.2: 0-999 are not used
  'wire-close-reason-invalid-utf8.wire': { close: 1007 }, // §5.5.1: the reason is UTF-8
  'wire-fragmented-invalid-utf8.wire': { close: 1007 }, // §8.1, across fragments
  'wire-fragment-then-new-text-frame.wire': { close: 1002 }, // §5.4: a new message before the last one ended
  'wire-length-2pow63.wire': { close: 1009 }, // §5.2: the most significant bit must be 0; and far over the limit
  'wire-fragmented-heartbeat-with-ping.wire': { answer: 'frag-ok' }, // §5.4: control frames may be interleaved
  'wire-pong-unsolicited.wire': 'open', // §5.5.3: an unsolicited pong is ignored
};

let gw: Gateway;
/** A charger connected through the whole corpus: other connections stay up. */
let bystander: RawCharger;

beforeAll(async () => {
  gw = await startGateway();
  bystander = await RawCharger.open(gw.ocppUrl, 'BYSTANDER-1');
  expect((await bystander.barrier()).kind).toBe('answer');
});

afterAll(async () => {
  bystander?.terminate();
  await gw?.stop();
});

async function replay(cp: RawCharger, c: CorpusCase): Promise<string[]> {
  const from = cp.received.length;
  if (c.name.endsWith('.multi.jsonl')) {
    const lines = c.bytes.toString('utf8').split('\n').filter(Boolean);
    cp.sendTogether(lines.map((data) => ({ data })));
    const ids = [...new Set(lines.map((l) => (JSON.parse(l) as unknown[])[1] as string))];
    const problems: string[] = [];
    for (const id of ids) {
      const o = await cp.answerTo(id, from);
      if (o.kind === 'closed') return [`closed with ${o.code} before answering ${id}`];
    }
    if ((await cp.barrier()).kind !== 'answer') problems.push('closed after answering');
    const answers = cp.received.slice(from).filter((r) => !(Array.isArray(r.json) && String(r.json[1]).startsWith('barrier-')));
    problems.push(...answers.flatMap(answerProblems));
    for (const id of ids) {
      const n = answers.filter((r) => Array.isArray(r.json) && r.json[1] === id).length;
      // OCPP-J 1.6 §4.1.4: one CALL, one answer; a copy arriving while the first is in handling gets none.
      if (n !== 1) problems.push(`${n} answers for message id ${id}; expected exactly one`);
    }
    return problems;
  }
  if (c.name.endsWith('.wire')) {
    const want = WIRE[c.name];
    let exp: FrameExpectation;
    if (want === undefined) exp = { expect: { kind: 'maybe-error', id: '-1', why: 'raw frames' }, orClose: [...HOSTILE_CLOSE_CODES] };
    else if (want === 'open') exp = { expect: { kind: 'none', why: 'nothing to answer' } };
    else if ('close' in want) exp = { expect: { kind: 'close', codes: [want.close], why: 'RFC 6455' } };
    else exp = { expect: { kind: 'answer', id: want.answer, result: 'Heartbeat', why: 'a fragmented CALL' } };
    cp.writeRaw(c.bytes);
    return checkOutcome(cp, from, exp);
  }
  const binary = c.name.endsWith('.bin');
  cp.send(c.bytes, binary);
  return checkOutcome(cp, from, expectationFor(c.bytes, binary));
}

describe('malicious OCPP frames (test/corpus/ocpp-frames)', () => {
  let n = 0;
  for (const c of corpus('ocpp-frames')) {
    it(c.name, async () => {
      const before = await metric(gw, ESCAPED);
      // A fresh identity each time: auto-provisioning is on, any identity can send this.
      const cp = await RawCharger.open(gw.ocppUrl, `HOSTILE-${++n}`);
      try {
        expect(await replay(cp, c)).toEqual([]);
      } finally {
        cp.terminate();
      }
      expect(gw.alive(), gw.log().slice(-2000)).toBe(true);
      expect(await metric(gw, ESCAPED)).toBe(before);
      // Served afterwards, on a fresh connection.
      const fresh = await RawCharger.open(gw.ocppUrl, `AFTER-${n}`);
      expect((await fresh.barrier()).kind).toBe('answer');
      fresh.terminate();
    });
  }
});

describe('the oracle reads the known cases of issue 13 as the issue does', () => {
  const file = (name: string) => corpusBytes(path.join(CORPUS, 'ocpp-frames', name));
  it.each([
    ['deep-array-heartbeat.txt', { kind: 'answer', id: '1' }],
    ['starttransaction-meterstart-1e308.txt', { kind: 'answer', id: 'big-meter', codes: ['TypeConstraintViolation'] }],
    ['frame-not-json.txt', { kind: 'answer', id: '-1', codes: ['FormationViolation'] }],
    ['action-__proto__.txt', { kind: 'answer', codes: ['NotImplemented'] }],
    ['callresult-unknown-id.txt', { kind: 'none' }],
    ['invalid-utf8-ff-fe.txt', { kind: 'close', codes: [1007] }],
    ['over-max-frame.gen.json', { kind: 'close', codes: [1009] }],
  ])('%s', (name, want) => {
    expect(expectationFor(file(name), false).expect).toMatchObject(want);
  });
  it('the 10 KB deep-nesting frame is the one that used to end the process', () => {
    const f = file('deep-array-heartbeat.txt');
    expect(f.toString()).toBe(`[2,"1","Heartbeat",${'['.repeat(5000)}${']'.repeat(5000)}]`);
  });
  it('the 2 MiB invalid CALL and the huge arrays stay within the 4 MiB frame limit', () => {
    for (const name of ['invalid-call-2mib-string.gen.json', 'metervalues-20000-metervalue.gen.json', 'deep-array-4mib.gen.json']) {
      const f = file(name);
      expect(f.length).toBeGreaterThan(1024 * 1024);
      expect(f.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
  });
  it('idMatches: ids up to 36 characters are echoed exactly', () => {
    expect(idMatches('abc', 'ab')).toBe(false);
    expect(idMatches('i'.repeat(129), 'i'.repeat(128))).toBe(true);
  });
});

describe('refused identities (test/corpus/ocpp-handshake)', () => {
  async function deviceCount(): Promise<number> {
    const res = await fetch(`${gw.httpUrl}/devices?limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await res.json()) as { total: number }).total;
  }

  /** The identity the gateway reads from a request-target: the last path segment, percent-decoded. */
  function identityOf(target: string): string | null {
    try {
      const p = new URL(target, 'http://localhost').pathname;
      return decodeURIComponent(p.slice(p.lastIndexOf('/') + 1));
    } catch {
      return null;
    }
  }

  for (const c of corpus('ocpp-handshake')) {
    it(`${c.name}: HTTP 400 at the handshake, no device`, async () => {
      const before = await metric(gw, ESCAPED);
      const devices = await deviceCount();
      const target = c.bytes.toString('latin1').replace(/\r?\n$/, '');
      const head = Buffer.from(
        ' HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n',
      );
      const { got } = await tcpExchange(gw.ports.ocpp, Buffer.concat([Buffer.from('GET '), Buffer.from(target, 'latin1'), head]), { until: httpComplete });
      expect(httpStatus(got), got.toString('latin1').slice(0, 300)).toBe(400);
      expect(await deviceCount()).toBe(devices);
      const identity = identityOf(target);
      if (identity !== null) {
        const res = await fetch(`${gw.httpUrl}/devices?chargePointId=${encodeURIComponent(identity)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(((await res.json()) as { total: number }).total).toBe(0);
      }
      expect(await metric(gw, ESCAPED)).toBe(before);
    });
  }
});

/**
 * What the HTTP API must answer for a command (POST /devices/{id}/commands, docs/api.md) when
 * the charger answers its CALL with these bytes: the charger's CALLRESULT (200, or 502 if the
 * gateway refuses it as invalid), its CALLERROR (502 CHARGER_ERROR), the connection closed by
 * the gateway (409 CHARGER_OFFLINE), or nothing that answers the CALL (504 CHARGER_TIMEOUT).
 */
function commandOutcome(data: Buffer, binary: boolean, callId: string): { status: number[]; why: string } {
  if (data.length > MAX_FRAME_BYTES) return { status: [409], why: 'a frame over the limit closes the connection (1009)' };
  if (!binary && !isUtf8(data)) return { status: [409], why: 'a text frame that is not UTF-8 closes the connection (1007)' };
  let f: unknown;
  try {
    f = JSON.parse(data.toString('utf8'));
  } catch {
    return { status: [504], why: 'not JSON: nothing answers the CALL' };
  }
  const closed = binary ? [409] : [];
  if (Array.isArray(f) && f[1] === callId && f[0] === 3) return { status: [200, 502, ...closed], why: "the charger's CALLRESULT" };
  if (Array.isArray(f) && f[1] === callId && f[0] === 4) return { status: [502, ...closed], why: "the charger's CALLERROR" };
  return { status: [504, ...closed], why: 'nothing answers the CALL: it times out' };
}

describe('hostile answers to a command (test/corpus/ocpp-answers)', () => {
  let n = 0;
  for (const c of corpus('ocpp-answers')) {
    it(c.name, async () => {
      const before = await metric(gw, ESCAPED);
      const identity = `ANSWERING-${++n}`;
      const cp = await RawCharger.open(gw.ocppUrl, identity);
      try {
        const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
        const found = (await (await fetch(`${gw.httpUrl}/devices?chargePointId=${identity}`, { headers: auth })).json()) as { items: Array<{ id: string }> };
        const deviceId = found.items[0]!.id;
        const response = fetch(`${gw.httpUrl}/devices/${deviceId}/commands`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'GetConfiguration', payload: {}, timeoutMs: 1000 }),
        });
        const call = await cp.next((r) => Array.isArray(r.json) && r.json[0] === 2, 0, 10_000, 'the command CALL');
        expect(call.kind).toBe('answer');
        const callId = ((call as { frame: { json: unknown[] } }).frame.json[1]) as string;
        const binary = c.name.endsWith('.bin');
        const data = Buffer.from(c.bytes.toString('latin1').replaceAll('{{ID}}', callId), 'latin1');
        cp.send(data, binary);
        const res = await response;
        const text = await res.text();
        const want = commandOutcome(data, binary, callId);
        expect(want.status, `HTTP ${res.status} ${text.slice(0, 300)}; expected ${want.status.join(' or ')}: ${want.why}`).toContain(res.status);
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(text.length, 'an error answer does not echo what the charger sent').toBeLessThan(4096);
        }
        // The charger is still served, unless the gateway closed it for the frame itself.
        if (!want.status.every((s) => s === 409)) expect((await cp.barrier()).kind).toBe('answer');
      } finally {
        cp.terminate();
      }
      expect(gw.alive()).toBe(true);
      expect(await metric(gw, ESCAPED)).toBe(before);
    });
  }
});

describe('after the corpus', () => {
  it('a 3-byte bad frame costs one short log line without a stack (it used to write 1.1 KB)', async () => {
    const identity = 'LOG-3-BYTES';
    const cp = await RawCharger.open(gw.ocppUrl, identity);
    cp.send('[2,');
    const o = await cp.answerTo('-1');
    expect(o.kind).toBe('answer');
    cp.terminate();
    const line = await new Promise<string>((resolve, reject) => {
      const find = () => gw.log().split('\n').find((l) => l.includes(`"chargePointId":"${identity}"`) && l.includes('bad OCPP frame'));
      const t = setTimeout(() => reject(new Error('no "bad OCPP frame" log line')), 5000);
      const check = () => {
        const l = find();
        if (!l) return;
        clearTimeout(t);
        gw.proc.child.stdout!.off('data', check);
        resolve(l);
      };
      gw.proc.child.stdout!.on('data', check);
      check();
    });
    expect(Buffer.byteLength(line)).toBeLessThan(512);
    expect(line).not.toContain('"stack"');
  });

  it('kept the other charger connected through all of it', async () => {
    expect(bystander.closed).toBeUndefined();
    expect((await bystander.barrier()).kind).toBe('answer');
  });

  it('leaves the gateway serving, with nothing escaped to the process guard', async () => {
    await expectNothingEscaped(gw);
    await expectServing(gw);
    await expectNothingEscaped(gw);
  });

  it('shuts down cleanly (SIGTERM, exit 0)', async () => {
    bystander.terminate();
    expect(await gw.stop()).toBe(0);
  });
});
