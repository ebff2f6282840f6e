/**
 * Issue 13, tenant isolation in the embedded broker (docs/mqtt.md "Slow subscribers", "Client
 * ids", "Failed logins"): a stopped subscriber of one tenant costs only itself, client ids are
 * per tenant, failed logins are locked out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

const root = path.resolve(import.meta.dirname, '..');

let sys: System | undefined;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  await sys?.stop();
  sys = undefined;
});

async function tenantToken(s: System, tenant: string): Promise<string> {
  const r = await api(s.httpUrl, ADMIN_TOKEN).post('/tokens', { tenant, role: 'admin', label: `${tenant} admin` });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

async function metrics(s: System): Promise<Record<string, number>> {
  const r = await api(s.httpUrl, ADMIN_TOKEN).get('/metrics');
  const out: Record<string, number> = {};
  for (const line of String(r.text).split('\n')) {
    const m = /^(chargebridge_\w+) (\S+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Eight measurands, as an ABB Terra 54 sends them: a realistic attrs message (~300 bytes) and
// an `ocpp` event with the whole exchange (~1.3 KiB) per MeterValues.
const sample = (i: number) => ({
  connectorId: 1,
  transactionId: 7,
  meterValue: [
    {
      timestamp: new Date(Date.UTC(2026, 10, 22, 10, 0, 0, i)).toISOString(),
      sampledValue: [
        { value: '120.5', measurand: 'Current.Import', unit: 'A', context: 'Sample.Periodic' },
        { value: String(2087600 + i), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
        { value: '48200', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
        { value: '45', measurand: 'SoC', unit: 'Percent', location: 'EV', context: 'Sample.Periodic' },
        { value: '400.2', measurand: 'Voltage', unit: 'V', context: 'Sample.Periodic' },
        { value: '125', measurand: 'Current.Offered', unit: 'A', context: 'Sample.Periodic' },
        { value: '50', measurand: 'Power.Offered', unit: 'kW', context: 'Sample.Periodic' },
        { value: '35.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body', context: 'Sample.Periodic' },
      ],
    },
  ],
});

/** A tenant's platform process (test/stalled-subscriber.mjs), subscribed and then SIGSTOPped. */
async function stoppedSubscriber(s: System, tenant: string, token: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'test/stalled-subscriber.mjs'), s.mqttUrl, tenant, token], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`subscriber exited with ${code}: ${out}`)));
  });
  child.kill('SIGSTOP');
  return child;
}

describe('a stopped subscriber costs only itself', () => {
  it("one tenant's stopped QoS 1 subscriber and flooding chargers do not stall another tenant", async () => {
    // Small limits, so that the stopped subscriber's queue overflows within seconds even behind
    // the kernel's socket buffers.
    sys = await startSystem({ MQTT_MAX_CLIENT_QUEUE_BYTES: String(1 << 20), MQTT_QOS0_DROP_BYTES: String(256 << 10) });
    const s = sys;
    const [acme, beta] = [await tenantToken(s, 'acme'), await tenantToken(s, 'beta')];
    const chargers = async (tenant: string, token: string, n: number) => {
      const out: RPCClient[] = [];
      for (let i = 0; i < n; i++) {
        const id = `${tenant.toUpperCase()}-CP-${i}`;
        expect((await api(s.httpUrl, token).post('/devices', { chargePointId: id })).status).toBe(201);
        const cp = await connectCharger(s, id);
        cleanup.push(() => cp.close({ force: true }));
        await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        out.push(cp);
      }
      return out;
    };
    const floodCps = await chargers('acme', acme, 4);
    const betaCps = await chargers('beta', beta, 3);
    const betaPlatform = await Platform.connect(s.mqttUrl, { username: 'beta', password: beta, subscribe: ['+/events'] });
    cleanup.push(() => betaPlatform.close());
    await stoppedSubscriber(s, 'acme', acme);

    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
    cleanup.push(() => clearInterval(sampler));

    let stop = false;
    let flooded = 0;
    const flood = floodCps.map(async (cp) => {
      // Pipelined: 3 MeterValues in flight per charger, 1,000-2,500/s in all on this machine.
      const lane = async () => {
        while (!stop) {
          await cp.call('MeterValues', sample(flooded++), { callTimeoutMs: 30_000 }).catch(() => undefined);
        }
      };
      await Promise.all(Array.from({ length: 3 }, lane));
    });
    const heartbeats = { answered: 0, timedOut: 0 };
    const beats = betaCps.map(async (cp) => {
      while (!stop || heartbeats.answered < 60) {
        try {
          await cp.call('Heartbeat', {}, { callTimeoutMs: 5000 });
          heartbeats.answered++;
        } catch {
          heartbeats.timedOut++;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    // The stopped subscriber overflows: its QoS 0 deliveries are dropped, then it is
    // disconnected for QoS 1 overflow.
    await until('QoS 0 drops and an overflow disconnect in /metrics', async () => {
      const m = await metrics(s);
      return (m['chargebridge_mqtt_qos0_dropped_total'] ?? 0) > 0 && (m['chargebridge_mqtt_overflow_disconnects_total'] ?? 0) > 0;
    }, 60_000);
    const before = flooded;
    await until('the flood to go on after the disconnect', () => flooded > before + 5000, 60_000);
    stop = true;
    await Promise.all([...flood, ...beats]);
    clearInterval(sampler);

    expect(heartbeats.timedOut).toBe(0);
    expect(heartbeats.answered).toBeGreaterThanOrEqual(60);
    // Tenant beta's platform got an `ocpp` event for every Heartbeat answered.
    await betaPlatform.waitFor(() => betaPlatform.messages.filter((m) => m.json['action'] === 'Heartbeat').length >= heartbeats.answered, 10_000, 'heartbeat events');
    expect(betaPlatform.messages.every((m) => m.topic.startsWith('beta:'))).toBe(true);
    expect(rssMax - rss0).toBeLessThan(300 * 1024 * 1024);

    // Shutdown does not wait for the still stopped process, whose second connection is still
    // open (beta's platform and the stopped `idle` are the two clients).
    expect((await metrics(s))['chargebridge_mqtt_clients']).toBe(2);
    const stopped = s.stop();
    sys = undefined;
    await Promise.race([stopped, new Promise((_, reject) => setTimeout(() => reject(new Error('stop() did not finish in 20 s')), 20_000))]);
  }, 180_000);
});

/** Connects and resolves with the client and its CONNACK, or rejects with the refusal. */
function connect(url: string, opts: mqtt.IClientOptions): Promise<{ client: MqttClient; connack: { sessionPresent: boolean } }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, ...opts });
  cleanup.push(() => client.endAsync(true));
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, connack }));
    client.once('error', reject);
  });
}

const attrsOf = (c: MqttClient) => {
  const got: string[] = [];
  c.on('message', (topic) => got.push(topic));
  return got;
};

describe('client ids are per tenant', () => {
  it("another tenant's client with the same id neither disconnects nor resumes the session; the owner still takes it over", async () => {
    sys = await startSystem();
    const s = sys;
    const acme = await tenantToken(s, 'acme');
    const reader = (await api(s.httpUrl, ADMIN_TOKEN).post('/tokens', { tenant: 'beta', role: 'read-only' })).body.token as string;
    const device = (await api(s.httpUrl, acme).post('/devices', { chargePointId: 'ACME-ID-1' })).body;
    const cp = await connectCharger(s, 'ACME-ID-1');
    cleanup.push(() => cp.close({ force: true }));
    let n = 0;
    const meter = () => cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), sampledValue: [{ value: String(n++) }] }] });
    const attrs = `acme:${device.id}/attrs`;
    const session = { clientId: 'X', clean: false };

    const a = await connect(s.mqttUrl, { ...session, username: 'acme', password: acme });
    const aGot = attrsOf(a.client);
    let aClosed = false;
    a.client.on('close', () => (aClosed = true));
    await a.client.subscribeAsync('+/attrs', { qos: 1 });

    // beta's "X" is another session: not present, and A stays connected.
    const b = await connect(s.mqttUrl, { ...session, username: 'beta', password: reader });
    expect(b.connack.sessionPresent).toBe(false);
    const bGot = attrsOf(b.client);
    await b.client.subscribeAsync('#', { qos: 1 });
    await meter();
    await until('A to get the message published after B connected', () => aGot.includes(attrs), 5000);
    expect(aClosed).toBe(false);
    expect(a.client.connected).toBe(true);

    // A leaves; what is published meanwhile waits in A's session, not B's.
    await a.client.endAsync();
    await meter();
    await b.client.endAsync();
    const b2 = await connect(s.mqttUrl, { ...session, username: 'beta', password: reader });
    const b2Got = attrsOf(b2.client);
    expect(b2.connack.sessionPresent).toBe(true); // its own, with the `#` subscription
    // Barrier: a SUBACK, which the broker sends after the session's queued messages.
    await b2.client.subscribeAsync('beta:none/attrs', { qos: 1 });

    const a2 = await connect(s.mqttUrl, { ...session, username: 'acme', password: acme });
    expect(a2.connack.sessionPresent).toBe(true);
    const a2Got = attrsOf(a2.client);
    await until('A to get what was queued while it was away', () => a2Got.includes(attrs), 5000);

    // The owner taking over its own id, while connected, works as MQTT 3.1.1 §3.1.4 says.
    let a2Closed = false;
    a2.client.on('close', () => (a2Closed = true));
    const a3 = await connect(s.mqttUrl, { ...session, username: 'acme', password: acme });
    expect(a3.connack.sessionPresent).toBe(true);
    await until('the taken-over connection to close', () => a2Closed, 5000);
    expect([...bGot, ...b2Got].filter((t) => t.startsWith('acme:'))).toEqual([]);
  }, 60_000);
});

describe('failed MQTT logins', () => {
  it('locks a username out after repeated failures, refuses even the right token meanwhile, then lets it in', async () => {
    sys = await startSystem({ MQTT_AUTH_MAX_FAILURES: '5', MQTT_AUTH_LOCKOUT_MS: '1500' });
    const s = sys;
    const acme = await tenantToken(s, 'acme');
    const beta = await tenantToken(s, 'beta');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const err = await connect(s.mqttUrl, { username: 'acme', password: `wrong-${i}` }).then(() => null, (e: { code?: number }) => e);
      codes.push(err?.code ?? 0);
    }
    // 4 "bad username or password" when checked, 5 "not authorized" while backing off.
    expect(codes.every((c) => c === 4 || c === 5)).toBe(true);
    const locked = await connect(s.mqttUrl, { username: 'acme', password: acme }).then(() => null, (e: { code?: number }) => e);
    expect(locked?.code).toBe(5);
    // Per username: another tenant from the same address is let in.
    await connect(s.mqttUrl, { username: 'beta', password: beta });

    const m = await metrics(s);
    expect(m['chargebridge_mqtt_auth_failures_total']).toBeGreaterThanOrEqual(5);
    expect(m['chargebridge_mqtt_auth_lockouts_total']).toBe(1);
    expect(m['chargebridge_mqtt_auth_throttled_total']).toBeGreaterThanOrEqual(1);

    // Once the lockout is over the right token works again. (Attempts during the lockout do
    // not extend it.)
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ok = await connect(s.mqttUrl, { username: 'acme', password: acme }).then(() => true, (e: { code?: number }) => {
        expect(e.code).toBe(5);
        return false;
      });
      if (ok) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 60_000);
});
