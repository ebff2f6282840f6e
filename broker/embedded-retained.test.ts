/**
 * Retained messages of the embedded broker (retained-store.ts) with real MQTT clients: they
 * survive a restart of the broker on the same file, and a tenant's command is never retained.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { principal } from './acl.ts';
import { brokerLimits, createEmbeddedBroker, type EmbeddedBroker } from './embedded.ts';
import { topicsFor } from '../contracts/topics.ts';

const root = mkdtempSync(path.join(tmpdir(), 'chargebridge-embedded-retained-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

async function aBroker(file: string): Promise<EmbeddedBroker> {
  const broker = await createEmbeddedBroker({
    topics: topicsFor('dojot'),
    log: createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent'),
    // username = tenant, password "ok": an operator, who may publish commands.
    auth: { authenticate: async (u, p) => (u && p?.toString() === 'ok' ? principal(u, 'operator', topicsFor('dojot')) : null) },
    host: '127.0.0.1',
    port: 0,
    limits: brokerLimits(loadConfig({})),
    retainedFile: file,
  });
  cleanup.push(() => broker.close());
  return broker;
}

async function aClient(broker: EmbeddedBroker, tenant = 'acme'): Promise<{ c: MqttClient; got: Array<{ topic: string; payload: string; retain: boolean }> }> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: tenant, password: 'ok', reconnectPeriod: 0 });
  cleanup.push(() => c.endAsync(true));
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return { c, got };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A retained publish as the gateway makes it (client null: this process). */
const retain = (b: EmbeddedBroker, topic: string, payload: string) =>
  new Promise<void>((resolve, reject) => b.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false }, (err) => (err ? reject(err) : resolve())));

describe('embedded broker, retained messages', () => {
  it('survive a restart of the broker: a new subscriber gets them retained', async () => {
    const file = path.join(root, 'a', 'retained.db');
    const first = await aBroker(file);
    await retain(first, 'acme:00000001/state', '{"online":true}');
    await retain(first, 'acme:00000001/state', '{"online":false}');
    await retain(first, 'beta:00000002/state', '{"online":false}');
    await first.close();

    const second = await aBroker(file);
    expect(second.stats()).toMatchObject({ retainedMessages: 2 });
    const { c, got } = await aClient(second);
    await c.subscribeAsync('+/state', { qos: 1 });
    await until(() => got.length >= 1, 'the retained state');
    // Only its own tenant's (acl.ts), as it was last published.
    expect(got).toEqual([{ topic: 'acme:00000001/state', payload: '{"online":false}', retain: true }]);
  });

  it("a tenant's command published with the retain flag is delivered, not retained", async () => {
    const broker = await aBroker(path.join(root, 'b', 'retained.db'));
    const live = await aClient(broker);
    await live.c.subscribeAsync('acme:00000001/config', { qos: 1 });
    const platform = await aClient(broker);
    await platform.c.publishAsync('acme:00000001/config', '{"id":"1","action":"Reset","payload":{"type":"Hard"}}', { qos: 1, retain: true });
    // aedes stores a retained message before it forwards it: once delivered, it would be stored.
    await until(() => live.got.length === 1, 'the command delivered');
    // Barrier: a retained message stored after it; a new subscription streams retained messages
    // in the order they were stored, so the command would come first.
    await retain(broker, 'acme:00000001/state', '{"online":true}');
    const fresh = await aClient(broker);
    await fresh.c.subscribeAsync('acme:00000001/#', { qos: 1 });
    await until(() => fresh.got.length >= 1, 'the retained state');
    expect(fresh.got.map((m) => m.topic)).toEqual(['acme:00000001/state']);
    expect(broker.stats()).toMatchObject({ retainedMessages: 1 });
  });
});
