/**
 * Helpers for the hostile-input suites (issue 13: test/hostile-frames.test.ts and the
 * test/fuzz-*.test.ts files): the real `chargebridge start` process, raw OCPP-J sockets that
 * send what no client library would, the corpus reader, and the checks every suite ends with
 * (the process is alive, nothing reached the process guard, a well-behaved charger is served).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_TOKEN, connectCharger, Platform } from './harness.ts';
import { runRole, type Proc } from './processes.ts';

export { ADMIN_TOKEN };

/**
 * OCPP-J 1.6 §4.2.3 Table 7, spelled as there: the only codes a CALLERROR may carry on an
 * ocpp1.6 connection. The errata sheet (§5.1, §5.2) keeps `FormationViolation` and
 * `OccurenceConstraintViolation` as the wire spellings. Our own copy, taken from the spec and
 * not from common/ocpp-j/error-codes.ts: the product's table is what these tests check.
 */
export const TABLE_7: ReadonlySet<string> = new Set([
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
]);

/** Largest answer (CALLRESULT or CALLERROR) the gateway may send: it never echoes a payload. */
export const MAX_ANSWER_BYTES = 2048;

/** OCPP_MAX_FRAME_BYTES's default (docs/configuration.md), which these processes run with. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * WebSocket close codes the gateway may end a hostile connection with (RFC 6455 §7.4.1):
 * 1002 a framing error, 1007 a text frame that is not UTF-8 (§8.1), 1009 a frame over
 * OCPP_MAX_FRAME_BYTES. Anything else on a connection the client did not close is a failure.
 */
export const HOSTILE_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1007, 1009]);

/** OCPP 1.6 §4, "Operations initiated by Charge Point": the only actions a Central System implements. */
export const CHARGE_POINT_ACTIONS: readonly string[] = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
];

/**
 * fast-check parameters: a fixed seed and a bounded count, so CI replays the same inputs
 * every run. FUZZ_SEED, FUZZ_RUNS (the count for every property of the run, instead of each one's default) and
 * FUZZ_PATH (fast-check's path of a reported counterexample) replay or widen a run.
 */
/** A test timeout for a property of `runs` runs (FUZZ_RUNS may raise it far above the default). */
export function fuzzTimeout(defaultRuns: number, msPerRun = 40): number {
  return Math.max(30_000, fuzzParams(defaultRuns).numRuns * msPerRun);
}

export function fuzzParams(defaultRuns: number): { seed: number; numRuns: number; path?: string } {
  const seed = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) : 42;
  const numRuns = process.env['FUZZ_RUNS'] !== undefined ? Number(process.env['FUZZ_RUNS']) : defaultRuns;
  const fuzzPath = process.env['FUZZ_PATH'];
  return { seed, numRuns, ...(fuzzPath ? { path: fuzzPath } : {}) };
}

export interface Gateway {
  proc: Proc;
  dir: string;
  ports: { ocpp: number; http: number; mqtt: number };
  ocppUrl: string;
  httpUrl: string;
  mqttUrl: string;
  /** Everything the process wrote to stdout and stderr (pino JSON lines). */
  log(): string;
  alive(): boolean;
  stop(): Promise<number | null>;
}

/** `chargebridge start` as a child process (all roles, embedded broker and storage, auto-provisioning on). */
export async function startGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-hostile-'));
  // The failed-login throttles (tested in test/handshake-abuse.test.ts, test/broker-isolation.test.ts)
  // would otherwise lock the fuzzer's own address out after its first bad passwords: here they
  // are reduced to a 1 ms backoff so that every input reaches the protocol handling.
  const throttlesOff = {
    MQTT_AUTH_MAX_FAILURES: '1000000000',
    MQTT_AUTH_LOCKOUT_MS: '1',
    MQTT_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
    OCPP_AUTH_MAX_FAILURES: '1000000000',
    OCPP_AUTH_LOCKOUT_MS: '1',
    OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0',
  };
  const proc = runRole('start', { DATA_DIR: dir, API_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', ...throttlesOff, ...env });
  const ready = await proc.ready;
  const ports = { ocpp: ready.ocpp!, http: ready.http!, mqtt: ready.mqtt! };
  return {
    proc,
    dir,
    ports,
    ocppUrl: `ws://127.0.0.1:${ports.ocpp}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    log: () => proc.out(),
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
    async stop() {
      // A shutdown that hangs is a finding of its own (hostile-frames.test.ts asserts a clean
      // stop); here, cleanup must not hang the suite.
      const kill = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
      const code = await proc.stop();
      clearTimeout(kill);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** One value from GET /metrics (admin token); fails when the metric is not exposed at all. */
export async function metric(gw: Gateway, name: string): Promise<number> {
  const res = await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} missing from /metrics:\n${text}`);
  return Number(m[1]);
}

/** The process is up, nothing reached the process guard (metric and log agree). */
export async function expectNothingEscaped(gw: Gateway): Promise<void> {
  expect(gw.alive(), `process exited:\n${gw.log().slice(-3000)}`).toBe(true);
  const escaped = gw
    .log()
    .split('\n')
    .filter((l) => l.includes('unexpected error escaped'));
  expect(escaped, 'log lines of the process guard').toEqual([]);
  expect(await metric(gw, 'chargebridge_process_unexpected_errors_total')).toBe(0);
}

let servingSeq = 0;

/**
 * The gateway still serves: a well-behaved charger (ocpp-rpc, strict) boots Accepted, and its
 * MeterValues reach a real MQTT client (username admin, password the API token) on `+/attrs`.
 */
export async function expectServing(gw: Gateway): Promise<void> {
  const n = ++servingSeq;
  const platform = await Platform.connect(gw.mqttUrl, { subscribe: ['+/attrs'] });
  const cp = await connectCharger({ ocppUrl: gw.ocppUrl }, `WELL-BEHAVED-${n}`);
  try {
    const boot = (await cp.call('BootNotification', { chargePointVendor: 'Fuzz', chargePointModel: 'Hostile' })) as { status: string };
    expect(boot.status).toBe('Accepted');
    // A timestamp no other message has: the attrs message is this one.
    const ts = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: ts, sampledValue: [{ value: '1234', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
    const attrs = await platform.waitFor((m) => m.topic.endsWith('/attrs') && m.json['timestamp'] === ts, 5000, 'the well-behaved charger telemetry');
    expect(attrs.json['energy']).toBe(1234);
  } finally {
    await cp.close({ force: true }).catch(() => undefined);
    await platform.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Raw OCPP-J sockets

export interface Received {
  text: string;
  bytes: number;
  /** The parsed frame; undefined when the gateway sent something that is not JSON. */
  json: unknown;
}

export type Outcome = { kind: 'answer'; frame: Received } | { kind: 'closed'; code: number; reason: string };

let barrierSeq = 0;

/** A charger on a raw `ws` socket: sends any bytes, records every frame the gateway sends back. */
export class RawCharger {
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters = new Set<() => void>();
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = data.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      this.received.push({ text: isBinary ? `(binary) ${text}` : text, bytes: data.length, json: isBinary ? undefined : json });
      this.wake();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    // Writing to a socket the gateway closed (a 4 MiB frame refused with 1009) errors here.
    ws.on('error', () => undefined);
  }

  static async open(ocppUrl: string, identity: string, protocols: string[] = ['ocpp1.6']): Promise<RawCharger> {
    const ws = new WebSocket(`${ocppUrl}/${encodeURIComponent(identity)}`, protocols, { perMessageDeflate: false });
    const c = new RawCharger(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return c;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** One frame: text (a string, or a Buffer sent as is, even if it is not UTF-8) or binary. */
  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary, compress: false });
  }

  /**
   * Frames written to the socket in one write, so the gateway reads them in one go (two CALLs
   * with the same id arrive while the first is still in handling). `ws` has no API for that:
   * this writes client frames (RFC 6455 §5.2, masked) on its socket directly.
   */
  sendTogether(frames: Array<{ data: string | Buffer; binary?: boolean }>): void {
    this.writeRaw(Buffer.concat(frames.map((f) => clientFrame(f.binary ? 0x2 : 0x1, typeof f.data === 'string' ? Buffer.from(f.data) : f.data))));
  }

  /** Bytes on the socket as they are: hand-made WebSocket frames (test/corpus/ocpp-frames/*.wire). */
  writeRaw(bytes: Buffer): void {
    (this.ws as unknown as { _socket: net.Socket })._socket.write(bytes);
  }

  /** The first frame received (from `from` on) that matches, or the close. */
  async next(pred: (r: Received) => boolean, from = 0, timeoutMs = 10_000, what = 'an answer'): Promise<Outcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(pred);
      if (hit) return { kind: 'answer', frame: hit };
      if (this.closed) return { kind: 'closed', ...this.closed };
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received: ${this.received.slice(-5).map((r) => r.text.slice(0, 200)).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        const self = this;
        function done() {
          clearTimeout(t);
          self.waiters.delete(done);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** The answer to the CALL with this id, or the close. */
  answerTo(id: string, from = 0): Promise<Outcome> {
    return this.next((r) => Array.isArray(r.json) && r.json[1] === id, from, 10_000, `the answer to ${JSON.stringify(id.slice(0, 60))}`);
  }

  /**
   * A Heartbeat on this connection, answered after everything sent before it was read: the
   * barrier before asserting that something did not happen. Resolves with the close when the
   * connection is gone instead.
   */
  async barrier(): Promise<Outcome> {
    if (this.closed) return { kind: 'closed', ...this.closed };
    const id = `barrier-${++barrierSeq}`;
    const from = this.received.length;
    this.send(JSON.stringify([2, id, 'Heartbeat', {}]));
    return this.answerTo(id, from);
  }

  /** Closes from this end and waits for the close. */
  async close(): Promise<void> {
    if (this.closed) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** A client frame (RFC 6455 §5.2: FIN, opcode, masked payload). */
export function clientFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; rsv?: number } = {}): Buffer {
  const len = payload.length;
  const first = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode;
  let header: Buffer;
  if (len < 126) header = Buffer.from([first, 0x80 | len]);
  else if (len < 65_536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, masked]);
}

/**
 * What a well-formed answer from the gateway is, on an ocpp1.6 connection: a CALLRESULT
 * `[3, id, {payload}]` or a CALLERROR `[4, id, code, description, {details}]` whose code is in
 * Table 7, and small. Returns the problems (empty when fine).
 */
export function answerProblems(r: Received): string[] {
  const p: string[] = [];
  const f = r.json;
  if (r.bytes > MAX_ANSWER_BYTES) p.push(`answer is ${r.bytes} bytes (max ${MAX_ANSWER_BYTES})`);
  if (!Array.isArray(f)) return [...p, `not a JSON array: ${r.text.slice(0, 200)}`];
  if (typeof f[1] !== 'string') p.push('message id is not a string');
  if (f[0] === 3) {
    if (f.length !== 3) p.push(`CALLRESULT with ${f.length} elements`);
    if (typeof f[2] !== 'object' || f[2] === null || Array.isArray(f[2])) p.push('CALLRESULT payload is not an object');
  } else if (f[0] === 4) {
    if (f.length !== 5) p.push(`CALLERROR with ${f.length} elements`);
    if (!TABLE_7.has(f[2] as string)) p.push(`CALLERROR code ${JSON.stringify(f[2])} is not in OCPP-J 1.6 Table 7`);
    if (typeof f[3] !== 'string') p.push('CALLERROR description is not a string');
    if (typeof f[4] !== 'object' || f[4] === null || Array.isArray(f[4])) p.push('CALLERROR details are not an object');
  } else {
    p.push(`message type ${JSON.stringify(f[0])} from the gateway (only 3 or 4 answer a charger)`);
  }
  return p;
}

/** Every frame a charger received is a well-formed answer (above). */
export function expectWellFormed(received: readonly Received[]): void {
  const bad = received.map((r) => ({ frame: r.text.slice(0, 300), problems: answerProblems(r) })).filter((x) => x.problems.length);
  expect(bad).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// The corpus (test/corpus/README.md)

export const CORPUS = path.resolve(import.meta.dirname, 'corpus');

export interface CorpusCase {
  name: string;
  /** For `.gen.json`: the generator; otherwise the file's bytes. */
  bytes: Buffer;
}

/**
 * `*.gen.json` files describe inputs too large to keep as they are: `{"parts": [[text, count],
 * ...]}` is the concatenation of each text repeated count times (UTF-8); `"hex"` instead of text
 * gives bytes.
 */
export function corpusBytes(file: string): Buffer {
  const raw = readFileSync(file);
  if (!file.endsWith('.gen.json')) return raw;
  const gen = JSON.parse(raw.toString('utf8')) as { parts: Array<[string, number] | { hex: string; count?: number }> };
  return Buffer.concat(
    gen.parts.map((p) => {
      const [chunk, count] = Array.isArray(p) ? [Buffer.from(p[0]), p[1]] : [Buffer.from(p.hex, 'hex'), p.count ?? 1];
      return Buffer.alloc(chunk.length * count, chunk);
    }),
  );
}

/** The cases of one corpus folder, by file name, sorted (README.md and dotfiles excluded). */
export function corpus(folder: string): CorpusCase[] {
  const dir = path.join(CORPUS, folder);
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort()
    .map((name) => ({ name, bytes: corpusBytes(path.join(dir, name)) }));
}

// ---------------------------------------------------------------------------------------------
// Raw TCP (HTTP requests no client library would send, MQTT packets)

/**
 * Writes bytes on a fresh TCP connection, half-closes when `end`, and collects what comes back
 * until the peer closes the connection (or `until` is satisfied, then this end closes it).
 */
export async function tcpExchange(port: number, bytes: Buffer, opts: { end?: boolean; until?: (got: Buffer) => boolean; timeoutMs?: number } = {}): Promise<{ got: Buffer; closedByPeer: boolean }> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await once(s, 'connect');
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close from the peer within ${opts.timeoutMs ?? 10_000} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, opts.timeoutMs ?? 10_000);
    let settled = false;
    const finish = (closedByPeer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ got: Buffer.concat(chunks), closedByPeer });
    };
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      if (opts.until?.(Buffer.concat(chunks))) finish(false);
    });
    s.on('close', () => finish(true));
    s.write(bytes);
    if (opts.end) s.end();
  });
}

/** The status code of a raw HTTP response, or null when none came. */
export function httpStatus(got: Buffer): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(got.toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** A complete HTTP/1.1 response is in `got` (headers and a Content-Length body). */
export function httpComplete(got: Buffer): boolean {
  const text = got.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return len ? Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(len[1]) : false;
}


// ---------------------------------------------------------------------------------------------
// The oracle: what the gateway must do with one frame, from the specs and docs alone

// ocpp-rpc's own validator for the 1.6 schemas: an implementation that is not the gateway's.
const requireFromHere = createRequire(import.meta.url);
const ocpp16Validator = (requireFromHere('ocpp-rpc/lib/standard-validators.js') as Array<{ validate(schemaId: string, params: unknown): boolean }>)[0]!;

/** The 1.6 schema says yes (ocpp-rpc's validator, strict: no leniency). */
export function schemaValid(schemaId: string, params: unknown): boolean {
  try {
    return ocpp16Validator.validate(schemaId, params);
  } catch {
    return false;
  }
}

/** An integer no JavaScript number holds exactly (1e308, 2^53): no store can keep it. */
/** Ids the registry stores in 32 bits (ocpp/validate.ts): beyond that, TypeConstraintViolation too. */
const INT32_FIELDS = new Set(['connectorId', 'transactionId', 'reservationId']);

function hasUnsafeInteger(root: unknown): boolean {
  // Iterative: a payload may be nested thousands deep.
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length) {
    const [v, key] = stack.pop()!;
    if (typeof v === 'number' && Number.isInteger(v) && (!Number.isSafeInteger(v) || (INT32_FIELDS.has(key) && (v > 2 ** 31 - 1 || v < -(2 ** 31))))) return true;
    if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) for (const x of v) stack.push([x, '']);
      else for (const [k, x] of Object.entries(v)) stack.push([x, k]);
    }
  }
  return false;
}

export type Expectation =
  /** The connection is closed with one of these codes (and nothing else is required). */
  | { kind: 'close'; codes: number[]; why: string }
  /** No answer at all: a CALLRESULT or CALLERROR from the charger is never answered (OCPP-J 1.6 §4.1.3). */
  | { kind: 'none'; why: string }
  /** At most one CALLERROR (an empty frame, an unknown message type: "ignore the payload", §4.1.3). */
  | { kind: 'maybe-error'; id: string; why: string }
  /**
   * Exactly one answer for this id: a CALLERROR with one of `codes` (any Table 7 code when
   * absent), or, when `result` names the action, a CALLRESULT valid against its .conf schema.
   */
  | { kind: 'answer'; id: string; codes?: string[]; result?: string; why: string };

/** A binary frame may instead be refused with 1003 (RFC 6455 §7.4.1: data it cannot accept). */
export interface FrameExpectation {
  expect: Expectation;
  orClose?: number[];
}

/** Message ids up to 36 characters (OCPP-J 1.6 §4.1.4) are echoed exactly; longer ones may be cut or replaced by "-1". */
export function idMatches(sent: string, got: unknown): boolean {
  if (got === sent) return true;
  if (sent.length <= 36 || typeof got !== 'string') return false;
  return got === '-1' || (got.length > 0 && sent.startsWith(got));
}

export function expectationFor(data: Buffer, binary: boolean): FrameExpectation {
  if (data.length > MAX_FRAME_BYTES) return { expect: { kind: 'close', codes: [1009], why: 'frame over OCPP_MAX_FRAME_BYTES (RFC 6455 §7.4.1)' } };
  if (!binary && !isUtf8(data)) return { expect: { kind: 'close', codes: [1007], why: 'text frame that is not UTF-8 (RFC 6455 §8.1)' } };
  const e = textExpectation(data.toString('utf8'));
  return binary ? { expect: e, orClose: [1003] } : { expect: e };
}

function textExpectation(text: string): Expectation {
  if (text.length === 0) return { kind: 'maybe-error', id: '-1', why: 'an empty frame (a keepalive for some chargers)' };
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'answer', id: '-1', codes: ['FormationViolation'], why: 'not JSON: syntactically incorrect (Table 7)' };
  }
  if (!Array.isArray(frame)) return { kind: 'answer', id: '-1', codes: ['FormationViolation'], why: 'not an array: not the PDU structure (Table 7)' };
  const id = typeof frame[1] === 'string' ? frame[1] : '-1';
  if (typeof frame[0] !== 'number') return { kind: 'answer', id, why: 'message type is not a number' };
  if (frame[0] === 3 || frame[0] === 4) return { kind: 'none', why: 'a CALLRESULT or CALLERROR nobody asked for' };
  if (frame[0] !== 2) return { kind: 'maybe-error', id, why: `message type ${frame[0]} is not in Table 2 (§4.1.3)` };
  if (typeof frame[1] !== 'string') return { kind: 'answer', id: '-1', why: 'CALL without a string message id' };
  const action = frame[2];
  if (typeof action !== 'string') return { kind: 'answer', id, why: 'CALL whose action is not a string' };
  if (!CHARGE_POINT_ACTIONS.includes(action)) {
    return frame.length >= 4
      ? { kind: 'answer', id, codes: ['NotImplemented'], why: `"${action.slice(0, 40)}" is not a charge point action: not known by the receiver (Table 7)` }
      : { kind: 'answer', id, why: 'CALL of an unknown action without a payload' };
  }
  if (frame.length < 4) return { kind: 'answer', id, why: `CALL with ${frame.length} elements: no payload` };
  // Elements after the payload are not the PDU structure; serving the CALL regardless is as right as refusing it.
  const extra = frame.length > 4 ? ` (and ${frame.length - 4} elements after the payload)` : '';
  // An id longer than OCPP-J 1.6 §4.1.4's 36 characters may be refused whatever the payload.
  const longId = id.length > 36;
  const payload = frame[3];
  if (!schemaValid(`urn:${action}.req`, payload)) return { kind: 'answer', id, result: action, why: `payload outside the schema${extra}: a CALLERROR, or a CALLRESULT once leniency repaired it` };
  if (hasUnsafeInteger(payload)) {
    return longId
      ? { kind: 'answer', id, why: 'an unsafe integer and an over-long id' }
      : { kind: 'answer', id, codes: ['TypeConstraintViolation'], why: `an integer beyond 2^53 - 1 (or an id beyond 32 bits)${extra}: violates data type constraints (issue 13)` };
  }
  if (longId || extra) return { kind: 'answer', id, result: action, why: `a valid request${extra}${longId ? ' with an over-long id' : ''}: its CALLRESULT or a CALLERROR` };
  return { kind: 'answer', id, codes: [], result: action, why: 'a valid request: its CALLRESULT' };
}

/**
 * Sends one frame on `cp` and checks the gateway's reaction against the oracle; a barrier
 * Heartbeat afterwards proves nothing else came back. Returns the problems found (empty: fine).
 */
export async function checkFrame(cp: RawCharger, data: Buffer, binary: boolean, exp = expectationFor(data, binary)): Promise<string[]> {
  const from = cp.received.length;
  cp.send(data, binary);
  return checkOutcome(cp, from, exp);
}

export async function checkOutcome(cp: RawCharger, from: number, exp: FrameExpectation): Promise<string[]> {
  const e = exp.expect;
  const problems: string[] = [];
  const closeOk = (code: number) => (e.kind === 'close' ? e.codes : (exp.orClose ?? [])).includes(code);
  // The barrier first (answered after everything sent before it was read), then, when the
  // expected answer is slower than a Heartbeat (a store write), wait for it.
  let outcome = await cp.barrier();
  if (outcome.kind === 'answer' && e.kind === 'answer' && !cp.received.slice(from).some((r) => Array.isArray(r.json) && idMatches(e.id, r.json[1]) && !String(r.json[1]).startsWith('barrier-'))) {
    outcome = await cp.next((r) => Array.isArray(r.json) && idMatches(e.id, r.json[1]), from, 10_000, `the answer to ${JSON.stringify(e.id.slice(0, 60))}`);
    if (outcome.kind === 'answer') outcome = await cp.barrier();
  }
  if (outcome.kind === 'closed') {
    if (!closeOk(outcome.code)) problems.push(`connection closed with ${outcome.code} ${JSON.stringify(outcome.reason)}; expected ${e.kind === 'close' ? `close ${e.codes.join('/')}` : e.kind} (${e.why})`);
    return [...problems, ...cp.received.slice(from).flatMap(answerProblems)];
  }
  if (e.kind === 'close') problems.push(`connection still open; expected close ${e.codes.join('/')} (${e.why})`);
  const answers = cp.received.slice(from).filter((r) => !(Array.isArray(r.json) && typeof r.json[1] === 'string' && r.json[1].startsWith('barrier-')));
  problems.push(...answers.flatMap(answerProblems));
  if (e.kind === 'none' && answers.length) problems.push(`answered ${answers.length} time(s); expected no answer (${e.why})`);
  if (e.kind === 'maybe-error') {
    if (answers.length > 1) problems.push(`answered ${answers.length} times; expected at most one CALLERROR (${e.why})`);
    for (const a of answers) {
      const f = a.json as unknown[];
      if (f[0] !== 4) problems.push(`answered with message type ${JSON.stringify(f[0])}; expected at most a CALLERROR`);
      if (!idMatches(e.id, f[1])) problems.push(`CALLERROR for id ${JSON.stringify(f[1])}; expected ${JSON.stringify(e.id.slice(0, 60))}`);
    }
  }
  if (e.kind === 'answer') {
    const mine = answers.filter((a) => Array.isArray(a.json) && idMatches(e.id, a.json[1]));
    if (mine.length !== 1) problems.push(`${mine.length} answers for id ${JSON.stringify(e.id.slice(0, 60))}; expected exactly one (${e.why})`);
    if (answers.length !== mine.length) problems.push(`answers for other ids: ${answers.filter((a) => !mine.includes(a)).map((a) => a.text.slice(0, 100)).join(' | ')}`);
    const a = mine[0]?.json as unknown[] | undefined;
    if (a?.[0] === 4 && e.codes?.length && !e.codes.includes(a[2] as string)) problems.push(`CALLERROR ${JSON.stringify(a[2])}; expected ${e.codes.join(' or ')} (${e.why})`);
    if (a?.[0] === 4 && e.codes?.length === 0) problems.push(`CALLERROR ${JSON.stringify(a[2])} ${JSON.stringify(a[3])} for a valid request; expected its CALLRESULT`);
    if (a?.[0] === 3 && !e.result) problems.push(`CALLRESULT; expected a CALLERROR (${e.why})`);
    if (a?.[0] === 3 && e.result && !schemaValid(`urn:${e.result}.conf`, a[2])) problems.push(`CALLRESULT ${JSON.stringify(a[2]).slice(0, 200)} is not a valid ${e.result}.conf`);
  }
  return problems;
}
