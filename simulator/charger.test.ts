/**
 * The 1.6 simulated charger against an independent Central System (ocpp-rpc's RPCServer in
 * strict mode), when the connection drops at the worst moments: a session whose
 * StartTransaction was answered just before the drop still ends after the reconnect (CI saw one
 * that never did, in test/simulator-restart.test.ts: its end was set only after the next
 * StatusNotification, which failed with the drop).
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createValidator, RPCServer } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { newStats, SimCharger } from './charger.ts';

const require = createRequire(import.meta.url);

interface Client {
  identity: string;
  handle(method: string, fn: (c: { params: any }) => unknown): void;
  close(o: { force?: boolean; code?: number }): Promise<unknown>;
}

interface Seen {
  connection: number;
  method: string;
  params: any;
  at: number;
}

/** A strict 1.6 Central System that records what it gets; `onCall`, run once the answer is on its way, may drop the connection. */
async function centralSystem(onCall: (s: Seen, client: Client) => void) {
  const validator = createValidator('ocpp1.6', require('ocpp-rpc/lib/schemas/ocpp1_6.json'));
  validator._ajv.logger = { log() {}, warn() {}, error: console.error.bind(console) };
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true, strictModeValidators: [validator] });
  const seen: Seen[] = [];
  let connections = 0;
  let tx = 0;
  const answers: Record<string, (p: any) => unknown> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }),
    StatusNotification: () => ({}),
    Heartbeat: () => ({ currentTime: new Date().toISOString() }),
    Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
    StartTransaction: () => ({ transactionId: ++tx, idTagInfo: { status: 'Accepted' } }),
    StopTransaction: () => ({}),
    MeterValues: () => ({}),
  };
  server.on('client', (client: Client) => {
    const connection = ++connections;
    for (const [method, fn] of Object.entries(answers)) {
      client.handle(method, ({ params }) => {
        const s = { connection, method, params, at: Date.now() };
        seen.push(s);
        const answer = fn(params);
        // After the answer is on its way: the drop the charger sees right behind it.
        setImmediate(() => onCall(s, client));
        return answer;
      });
    }
  });
  const http = await server.listen(0, '127.0.0.1');
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, seen, close: () => server.close({ force: true }) };
}

async function until(pred: () => boolean, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('simulated 1.6 charger, connection lost', () => {
  it('right after StartTransaction was answered: the session goes on after the reconnect and still ends', async () => {
    let dropped = false;
    const cs = await centralSystem((s, client) => {
      if (s.method === 'StartTransaction' && !dropped) {
        dropped = true;
        void client.close({ force: true, code: 1001 });
      }
    });
    cleanup.push(cs.close);
    const stats = newStats();
    const charger = new SimCharger({ url: cs.url, identity: 'SIMC-1', profile: 'ac', intervalS: 0.2, sessionS: [2, 2], idleS: [0.05, 0.05], restartSessions: false, stats, rand: () => 0.5 });
    cleanup.push(() => charger.stop());
    await charger.start();
    await until(() => cs.seen.some((s) => s.method === 'StopTransaction'), 10_000, 'StopTransaction');
    const started = cs.seen.find((s) => s.method === 'StartTransaction')!;
    const stop = cs.seen.find((s) => s.method === 'StopTransaction')!;
    expect(started.connection).toBe(1);
    expect(stop.connection).toBe(2);
    expect(stop.params.transactionId).toBe(1);
    expect(stop.params.reason).toBe('Local');
    // Its samples after the reconnect carry the transaction opened before the drop.
    expect(cs.seen.some((s) => s.connection === 2 && s.method === 'MeterValues' && s.params.transactionId === 1)).toBe(true);
    expect(stats.sessionsStopped).toBe(1);
  });
});
