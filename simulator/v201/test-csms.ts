/**
 * For station.test.ts: an independent CSMS, ocpp-rpc's RPCServer in strict mode, which validates
 * every message a station sends (and every answer it gives to the CSMS's calls) against the
 * official 2.0.1 / 2.1 schemas and rejects what does not pass. It answers the station's
 * messages, records them, and lets a test send commands.
 *
 * ocpp-rpc 2.2.1's strict mode looks up `urn:<Action>.req` / `.conf` (the 2.0.1 file's ids), but
 * its ocpp2_1.json names the schemas `urn:<Action>Request` / `Response`: every ocpp2.1 message
 * fails with "Schema 'urn:Heartbeat.req' is missing". strictValidator21() is that file with the
 * ids renamed, given to RPCServer as the ocpp2.1 validator; the schemas themselves are untouched.
 */
import { createRequire } from 'node:module';
import { createValidator, RPCServer } from 'ocpp-rpc';
import type { Protocol201 } from './types.ts';

const require = createRequire(import.meta.url);

export type Validator = ReturnType<typeof createValidator>;

/**
 * Ajv's strictTypes warnings about the official schemas ("missing type object for keyword
 * additionalProperties" on every enum) are not about what is validated: not printed.
 */
function quiet(v: Validator): Validator {
  v._ajv.logger = { log() {}, warn() {}, error: console.error.bind(console) };
  return v;
}

export function strictValidator21(): Validator {
  const schemas = structuredClone(require('ocpp-rpc/lib/schemas/ocpp2_1.json')) as Array<{ $id: string }>;
  for (const s of schemas) s.$id = s.$id.replace(/Request$/, '.req').replace(/Response$/, '.conf').replace(/^urn:NotifyPeriodicEventStream$/, 'urn:NotifyPeriodicEventStream.req');
  return quiet(createValidator('ocpp2.1', schemas));
}

/** ocpp-rpc's own 2.0.1 validator, the same schemas, made the same way. */
export function strictValidator201(): Validator {
  return quiet(createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json')));
}

export interface Received {
  identity: string;
  method: string;
  params: any;
  at: number;
}

interface ServerClient {
  identity: string;
  protocol: string;
  handle(method: string, fn: (c: { params: any }) => unknown): void;
  call(method: string, params: unknown): Promise<any>;
  on(event: string, fn: (e: any) => void): void;
}

export interface TestCsms {
  url: string;
  received: Received[];
  /** Every frame the stations sent, as text. */
  frames: Array<{ identity: string; text: string; at: number }>;
  /** Strict-mode failures and bad messages, either direction: must stay empty. */
  failures: Array<{ identity: string; what: string; error: string }>;
  /** How BootNotification is answered, by identity and count (1 for the first). Default: Accepted, interval 300. */
  boot: (identity: string, n: number) => { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };
  /** The station's answer to a CSMS command (rejects on a CALLERROR, or when strict mode refuses the answer). */
  call(identity: string, method: string, params: unknown): Promise<any>;
  waitFor(pred: (m: Received) => boolean, timeoutMs?: number, what?: string): Promise<Received>;
  of(identity: string, method?: string): Received[];
  close(): Promise<void>;
}

export async function startCsms(protocol: Protocol201): Promise<TestCsms> {
  const server = new RPCServer({
    protocols: [protocol],
    strictMode: true,
    strictModeValidators: [protocol === 'ocpp2.1' ? strictValidator21() : strictValidator201()],
    respondWithDetailedErrors: true,
  });
  const clients = new Map<string, ServerClient>();
  const bootCount = new Map<string, number>();
  const waiters = new Set<() => void>();
  const csms: TestCsms = {
    url: '',
    received: [],
    frames: [],
    failures: [],
    boot: () => ({ status: 'Accepted', interval: 300 }),
    async call(identity, method, params) {
      const c = clients.get(identity);
      if (!c) throw new Error(`${identity} is not connected`);
      return c.call(method, params);
    },
    waitFor(pred, timeoutMs = 5000, what = 'message') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = csms.received.find(pred);
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${csms.received.map((m) => `${m.identity} ${m.method}`).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    of: (identity, method) => csms.received.filter((m) => m.identity === identity && (method === undefined || m.method === method)),
    close: () => server.close({ force: true }),
  };
  const now = () => new Date().toISOString();
  const answers: Record<string, (identity: string, params: any) => unknown> = {
    BootNotification: (identity) => {
      const n = (bootCount.get(identity) ?? 0) + 1;
      bootCount.set(identity, n);
      return { currentTime: now(), ...csms.boot(identity, n) };
    },
    Heartbeat: () => ({ currentTime: now() }),
    StatusNotification: () => ({}),
    Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
    TransactionEvent: (_i, p) => (p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {}),
    MeterValues: () => ({}),
    NotifyReport: () => ({}),
    SecurityEventNotification: () => ({}),
    FirmwareStatusNotification: () => ({}),
    LogStatusNotification: () => ({}),
    ReservationStatusUpdate: () => ({}),
    ReportChargingProfiles: () => ({}),
    OpenPeriodicEventStream: () => ({ status: 'Accepted' }),
    ClosePeriodicEventStream: () => ({}),
  };
  server.on('client', (client: ServerClient) => {
    const identity = client.identity;
    clients.set(identity, client);
    for (const [method, fn] of Object.entries(answers)) {
      client.handle(method, ({ params }) => {
        csms.received.push({ identity, method, params, at: Date.now() });
        for (const w of [...waiters]) w();
        return fn(identity, params);
      });
    }
    client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
      if (!outbound) csms.frames.push({ identity, text: String(message), at: Date.now() });
    });
    client.on('strictValidationFailure', (e: { method: string; isCall: boolean; outbound: boolean; error: Error }) => csms.failures.push({ identity, what: `${e.outbound ? 'CSMS' : 'station'} ${e.method} ${e.isCall ? 'request' : 'response'}`, error: e.error.message }));
    client.on('badMessage', (e: { buffer: Buffer; error: Error }) => csms.failures.push({ identity, what: `bad message ${String(e.buffer).slice(0, 200)}`, error: e.error.message }));
    client.on('close', () => {
      if (clients.get(identity) === client) clients.delete(identity);
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  csms.url = `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
  return csms;
}
