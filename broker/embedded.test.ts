/**
 * The embedded broker's bounds (outbox.ts, session-queues.ts), with real MQTT clients over TCP
 * and WebSocket. A client that "stops reading" pauses its socket: the kernel buffers fill and
 * the broker's writes back up, as with a stopped process.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { principal } from './acl.ts';
import { brokerLimits, createEmbeddedBroker, type EmbeddedBroker } from './embedded.ts';
import { topicsFor } from '../contracts/topics.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

async function aBroker(env: Record<string, string> = {}, role: 'read-only' | 'operator' = 'read-only') {
  const config = loadConfig({ MQTT_MAX_CLIENT_QUEUE_BYTES: String(128 << 10), MQTT_QOS0_DROP_BYTES: String(32 << 10), ...env });
  const limits = brokerLimits(config);
  const topics = topicsFor(config.MQTT_TOPIC_LAYOUT);
  const broker = await createEmbeddedBroker({
    topics,
    log: createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent'),
    // username = tenant, password "ok"
    auth: { authenticate: async (u, p) => (u && p?.toString() === 'ok' ? principal(u, role, topics) : null) },
    host: '127.0.0.1',
    port: 0,
    limits,
  });
  const server = http.createServer();
  broker.attachWebSocket(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    await broker.close();
    server.close();
  });
  const ws = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`;
  return { broker, tcp: `mqtt://127.0.0.1:${broker.port}`, ws };
}

async function aClient(url: string, tenant: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { username: tenant, password: 'ok', reconnectPeriod: 0, ...opts });
  c.on('error', () => undefined);
  cleanup.push(() => c.endAsync(true));
  return c;
}

function received(c: MqttClient): string[] {
  const got: string[] = [];
  c.on('message', (_t, payload) => got.push(payload.toString()));
  return got;
}

const publish = (b: EmbeddedBroker, topic: string, payload: string | Buffer, qos: 0 | 1 = 1) =>
  new Promise<void>((resolve, reject) => b.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())));

/** `n` publishes of 1 KiB, 20 per event-loop turn (what a healthy subscriber keeps up with). */
async function flood(b: EmbeddedBroker, topic: string, n: number, qos: 0 | 1 = 1) {
  const body = 'x'.repeat(1024);
  for (let i = 0; i < n; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => publish(b, topic, `${i + j} ${body}`, qos)));
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('slow subscribers', () => {
  it('a QoS 1 subscriber that stops reading is disconnected, over TCP and WebSocket; publishes never wait for it', async () => {
    const { broker, tcp, ws } = await aBroker();
    const healthy = await aClient(tcp, 'acme');
    const got = received(healthy);
    await healthy.subscribeAsync('+/attrs', { qos: 1 });
    const stalled = [await aClient(tcp, 'acme'), await aClient(ws, 'acme')];
    for (const c of stalled) {
      await c.subscribeAsync('+/attrs', { qos: 1 });
      c.stream.pause();
    }

    // 20 MiB: past the kernel's socket buffers and the 128 KiB limit. Every publish completes.
    await flood(broker, 'acme:d/attrs', 20_000);
    expect(broker.stats()).toMatchObject({ overflowDisconnects: 2, clients: 1 });
    await until(() => got.length === 20_000, 'every message at the healthy subscriber');
    // Reading again, the stopped clients find their connection closed (reset).
    const closed = stalled.map((c) => new Promise((r) => c.stream.on('close', r)));
    for (const c of stalled) c.stream.resume();
    await Promise.all(closed);
  }, 60_000);

  it('QoS 0 deliveries to a subscriber behind are dropped; it stays connected and gets what comes once it reads again', async () => {
    const { broker, tcp } = await aBroker();
    const slow = await aClient(tcp, 'acme');
    const got = received(slow);
    await slow.subscribeAsync('+/attrs', { qos: 0 });
    slow.stream.pause();
    await flood(broker, 'acme:d/attrs', 20_000);
    const dropped = broker.stats().qos0Dropped;
    expect(dropped).toBeGreaterThan(0);
    // Everything not dropped arrives, in order...
    slow.stream.resume();
    await until(() => got.length === 20_000 - dropped, 'what was not dropped');
    expect(got.map((m) => Number(m.split(' ')[0])).every((n, i, all) => i === 0 || n > all[i - 1]!)).toBe(true);
    // ... and, caught up, the client gets the next message.
    await publish(broker, 'acme:d/attrs', 'marker');
    await until(() => got.includes('marker'), 'the marker');
    expect(broker.stats().qos0Dropped).toBe(dropped);
    expect(slow.connected).toBe(true);
    expect(broker.stats().overflowDisconnects).toBe(0);
  }, 60_000);

  it("another tenant's messages are not counted as drops for a client that is behind", async () => {
    const { broker, tcp } = await aBroker();
    const other = await aClient(tcp, 'beta');
    await other.subscribeAsync('#', { qos: 0 });
    other.stream.pause();
    await flood(broker, 'beta:d/attrs', 20_000);
    const own = broker.stats().qos0Dropped;
    expect(own).toBeGreaterThan(0);
    await flood(broker, 'acme:d/attrs', 5_000);
    expect(broker.stats().qos0Dropped).toBe(own);
  }, 60_000);
});

describe('what a client is sent for itself goes at its pace', () => {
  it('a subscriber on a slow link gets all 20,000 retained messages of a new subscription, without overflowing', async () => {
    const { broker, tcp } = await aBroker();
    const body = 'x'.repeat(1024);
    const store = (broker.aedes as unknown as { persistence: { storeRetained(p: object): Promise<void> } }).persistence;
    for (let i = 0; i < 20_000; i++) await store.storeRetained({ cmd: 'publish', topic: `acme:d${i}/state`, payload: Buffer.from(`${i} ${body}`), qos: 1, retain: true });
    const slow = await aClient(tcp, 'acme');
    const got = received(slow);
    slowLink(slow);
    await slow.subscribeAsync('#', { qos: 1 });
    await until(() => got.length === 20_000, 'every retained message', 30_000);
    expect(broker.stats().overflowDisconnects).toBe(0);
    expect(slow.connected).toBe(true);
  }, 60_000);

  it("a persistent session's backlog, bigger than the client's limit, reaches a client on a slow link", async () => {
    const { broker, tcp } = await aBroker();
    const session = { clean: false, clientId: 'history' };
    const c = await aClient(tcp, 'acme', session);
    await c.subscribeAsync('+/attrs', { qos: 1 });
    await c.endAsync();
    await flood(broker, 'acme:d/attrs', 10_000); // 10 MiB queued, the limit is 128 KiB
    expect(broker.stats().sessionMessages).toBe(10_000);
    const back = mqtt.connect(tcp, { username: 'acme', password: 'ok', reconnectPeriod: 0, ...session });
    cleanup.push(() => back.endAsync(true));
    const got = received(back);
    slowLink(back);
    await until(() => got.length === 10_000, 'the whole backlog', 30_000);
    expect(broker.stats().overflowDisconnects).toBe(0);
    await until(() => broker.stats().sessionMessages === 0, 'acknowledgements');
  }, 60_000);
});

/** Makes an MQTT.js client swallow its PUBACKs (it has no option for that in MQTT 3.1.1). */
function neverAcknowledge(c: MqttClient) {
  const internals = c as unknown as { _sendPacket(packet: { cmd: string }, cb?: () => void, ...rest: unknown[]): void };
  const send = internals._sendPacket.bind(c);
  internals._sendPacket = (packet, cb, ...rest) => (packet.cmd === 'puback' ? cb?.() : send(packet, cb, ...rest));
}

/**
 * Reads only 5 ms in every 500: a connection that takes a few MiB/s (what the kernel's socket
 * buffers hold, twice a second), slower than the broker writes.
 */
function slowLink(c: MqttClient) {
  c.stream.pause();
  const link = setInterval(() => {
    c.stream.resume();
    setTimeout(() => c.stream.pause(), 5);
  }, 500);
  cleanup.push(() => clearInterval(link));
}

describe('persistent sessions', () => {
  const session = { clean: false, clientId: 'platform' };

  it('holds at most MQTT_MAX_OFFLINE_MESSAGES, and only its own tenant', async () => {
    const { broker, tcp } = await aBroker({ MQTT_MAX_OFFLINE_MESSAGES: '10' });
    for (const tenant of ['acme', 'beta']) {
      const c = await aClient(tcp, tenant, session);
      await c.subscribeAsync('#', { qos: 1 });
      await c.endAsync();
    }
    for (let i = 0; i < 30; i++) await publish(broker, 'acme:d/attrs', String(i));
    expect(broker.stats()).toMatchObject({ sessionMessages: 10, offlineDropped: 20 });

    // The first ten, then what is published after the reconnect.
    const acme = mqtt.connect(tcp, { username: 'acme', password: 'ok', reconnectPeriod: 0, ...session });
    cleanup.push(() => acme.endAsync(true));
    const got = received(acme);
    const [connack] = (await once(acme as never, 'connect')) as [{ sessionPresent: boolean }];
    expect(connack.sessionPresent).toBe(true);
    await until(() => got.length === 10, 'the queued messages');
    await publish(broker, 'acme:d/attrs', 'after');
    await until(() => got.includes('after'), 'the message after the reconnect');
    expect(got).toEqual([...Array.from({ length: 10 }, (_, i) => String(i)), 'after']);
    await until(() => broker.stats().sessionMessages === 0, 'acknowledgements');

    // beta's session held none of acme's messages: it gets its own marker and nothing else.
    const beta = mqtt.connect(tcp, { username: 'beta', password: 'ok', reconnectPeriod: 0, ...session });
    cleanup.push(() => beta.endAsync(true));
    const betaGot = received(beta);
    await once(beta as never, 'connect');
    await publish(broker, 'beta:d/attrs', 'beta marker');
    await until(() => betaGot.includes('beta marker'), "beta's marker");
    expect(betaGot).toEqual(['beta marker']);
  });

  it('keeps no more for a connected client that does not acknowledge, but still sends them; it gets the kept ones again on return', async () => {
    const { broker, tcp } = await aBroker({ MQTT_MAX_OFFLINE_MESSAGES: '10' });
    const mute = await aClient(tcp, 'acme', session);
    neverAcknowledge(mute);
    const muteGot = received(mute);
    await mute.subscribeAsync('+/attrs', { qos: 1 });
    for (let i = 0; i < 20; i++) await publish(broker, 'acme:d/attrs', String(i));
    await until(() => muteGot.length === 20, 'all twenty');
    expect(broker.stats()).toMatchObject({ overflowDisconnects: 0, sessionMessages: 10, offlineDropped: 10 });
    expect(mute.connected).toBe(true);
    await mute.endAsync(true);

    const back = mqtt.connect(tcp, { username: 'acme', password: 'ok', reconnectPeriod: 0, ...session });
    cleanup.push(() => back.endAsync(true));
    const got = received(back);
    await until(() => got.length === 10, 'the kept messages again');
    await publish(broker, 'acme:d/attrs', 'after');
    await until(() => got.includes('after'), 'the next message');
    expect(got).toEqual([...Array.from({ length: 10 }, (_, i) => String(i)), 'after']);
    await until(() => broker.stats().sessionMessages === 0, 'acknowledgements');
  });

  it('holds at most MQTT_MAX_TENANT_OFFLINE_MESSAGES over all sessions of a tenant', async () => {
    const { broker, tcp } = await aBroker({ MQTT_MAX_OFFLINE_MESSAGES: '10', MQTT_MAX_TENANT_OFFLINE_MESSAGES: '15' });
    for (const clientId of ['one', 'two']) {
      const c = await aClient(tcp, 'acme', { clean: false, clientId });
      await c.subscribeAsync('+/attrs', { qos: 1 });
      await c.endAsync();
    }
    for (let i = 0; i < 10; i++) await publish(broker, 'acme:d/attrs', String(i));
    expect(broker.stats()).toMatchObject({ sessionMessages: 15, offlineDropped: 5 });
  });

  it('keeps one copy per session when several of its subscriptions match', async () => {
    const { broker, tcp } = await aBroker();
    const c = await aClient(tcp, 'acme', session);
    await c.subscribeAsync({ '#': { qos: 1 }, '+/attrs': { qos: 1 } });
    await c.endAsync();
    await publish(broker, 'acme:d/attrs', 'one');
    expect(broker.stats().sessionMessages).toBe(1);
  });
});

describe('tenants in the tenant-level topic layout (MQTT_TOPIC_LAYOUT=tenant-level)', () => {
  it('forwards `#`, `+/#` and `+/+/attrs` subscribers their own tenant\'s messages only, live and queued for a persistent session', async () => {
    const { broker, tcp } = await aBroker({ MQTT_TOPIC_LAYOUT: 'tenant-level' });
    const clients = { acme: await aClient(tcp, 'acme'), beta: await aClient(tcp, 'beta') };
    const got = { acme: [] as string[], beta: [] as string[] };
    for (const t of ['acme', 'beta'] as const) {
      clients[t].on('message', (topic) => got[t].push(topic));
      await clients[t].subscribeAsync({ '#': { qos: 1 }, '+/#': { qos: 1 }, '+/+/attrs': { qos: 1 } });
    }
    // A persistent session of acme, away while both tenants publish.
    const away = await aClient(tcp, 'acme', { clientId: 'acme-away', clean: false });
    await away.subscribeAsync('#', { qos: 1 });
    await away.endAsync();
    for (const topic of ['acme/0a1b2c3d/attrs', 'beta/0a1b2c3d/attrs', 'beta/0a1b2c3d/state', 'acme/gateway/refusals', 'chargebridge/alerts/control', 'chargebridge/private/beta/0a1b2c3d/config', 'acme:0a1b2c3d/attrs']) await publish(broker, topic, '{}');
    await until(() => new Set(got.acme).size >= 2 && new Set(got.beta).size >= 2, 'deliveries');
    await new Promise((r) => setTimeout(r, 100));
    expect(new Set(got.acme)).toEqual(new Set(['acme/0a1b2c3d/attrs', 'acme/gateway/refusals']));
    expect(new Set(got.beta)).toEqual(new Set(['beta/0a1b2c3d/attrs', 'beta/0a1b2c3d/state']));
    const back = await aClient(tcp, 'acme', { clientId: 'acme-away', clean: false });
    const queued: string[] = [];
    back.on('message', (topic) => queued.push(topic));
    await until(() => new Set(queued).size >= 2, 'the queued messages');
    await new Promise((r) => setTimeout(r, 100));
    expect(new Set(queued)).toEqual(new Set(['acme/0a1b2c3d/attrs', 'acme/gateway/refusals']));
  });

  it("refuses another tenant's filters and config topic: SUBACK 0x80, and a publish closes the connection", async () => {
    const { tcp } = await aBroker({ MQTT_TOPIC_LAYOUT: 'tenant-level' }, 'operator');
    const beta = await aClient(tcp, 'beta');
    // MQTT.js rejects a SUBACK with 0x80 (MQTT 3.1.1 §3.9.3); the connection stays.
    for (const f of ['acme/#', 'acme/+/attrs', 'chargebridge/#', 'acme:0a1b2c3d/attrs']) await expect(beta.subscribeAsync(f, { qos: 1 }), f).rejects.toThrow(/Subscribe error/);
    expect((await beta.subscribeAsync('beta/+/config/reply', { qos: 1 }))[0]?.qos).toBe(1);
    const closed = new Promise<void>((r) => beta.once('close', () => r()));
    beta.publish('acme/0a1b2c3d/config', '{"id":"x","action":"Reset","payload":{"type":"Hard"}}', { qos: 1 });
    await closed;
    // Its own device's config topic is allowed.
    const own = await aClient(tcp, 'beta');
    await own.publishAsync('beta/0a1b2c3d/config', '{"id":"y","action":"Reset","payload":{"type":"Soft"}}', { qos: 1 });
    expect(own.connected).toBe(true);
  });
});
