/**
 * Issue 19: the message log in a process of its own (the history role, `chargebridge history`)
 * against a real Mosquitto follows `+/events` in the history role's persistent session: events
 * published while it is stopped wait in the broker and are logged after it restarts, each once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../message-log/backends/embedded.ts';
import { runRole, startMosquitto } from './processes.ts';
import { ADMIN_TOKEN, connectCharger, startSystem } from './harness.ts';
import { api } from './http.ts';

const broker = await startMosquitto().catch((err: Error) => err);

/** The message ids the log holds for acme:dev1, read from its file as the API would. */
async function loggedIds(dir: string): Promise<string[]> {
  const log = createEmbeddedLog({ file: path.join(dir, 'message-log.db'), readOnly: true });
  try {
    return (await log.query({ tenant: 'acme', device: 'dev1' }, { limit: 1000, offset: 0, order: 'asc' })).items.map((r) => r.messageId!);
  } finally {
    await log.close();
  }
}

/** The barrier before a stop: the log holds `n` events. */
async function holds(dir: string, n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await loggedIds(dir)).length < n) {
    if (Date.now() > deadline) throw new Error(`the log holds ${(await loggedIds(dir)).length} events, expected ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Never skipped: without mosquitto (.ci/run installs it) each test fails with the reason.
describe('message log against an external broker', () => {
  afterAll(async () => {
    if (!(broker instanceof Error)) await broker.stop();
  });

  it('misses nothing published while it was down', async () => {
    if (broker instanceof Error) throw broker;
    const dir = mkdtempSync(path.join(tmpdir(), 'msglog-session-'));
    const env = { MQTT_URL: broker.url, DATA_DIR: dir, API_TOKEN: 'msglog-session-token-0123456789', HISTORY_CLIENT_ID: 'msglog-under-test' };
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'events-source' });
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const ts = new Date().toISOString();
        await pub.publishAsync('acme:dev1/events', JSON.stringify({ type: 'ocpp', direction: 'in', action: 'Heartbeat', messageId: `m-${i}`, request: {}, response: { currentTime: ts }, receivedAt: ts, respondedAt: ts, ts }), { qos: 1 });
      }
    };
    let role = runRole('history', env);
    await role.ready;
    await send(0, 10);
    await holds(dir, 10);
    expect(await role.stop()).toBe(0);
    await send(10, 30); // nobody is subscribed now, but the session is
    role = runRole('history', env);
    await role.ready;
    await holds(dir, 30);
    expect(await role.stop()).toBe(0);
    await pub.endAsync();
    expect(await loggedIds(dir)).toEqual(Array.from({ length: 30 }, (_, i) => `m-${i}`));
  }, 60_000);

  it('every role in one process with MQTT_URL: the writer on a thread of its own, the exchanges logged', async () => {
    if (broker instanceof Error) throw broker;
    const sys = await startSystem({ MQTT_URL: broker.url, HISTORY_CLIENT_ID: 'msglog-all-in-one' });
    try {
      const c = await connectCharger(sys, 'LOG-EXT-1');
      await c.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve' });
      await c.call('Heartbeat', {});
      await expect.poll(async () => (await api(sys.httpUrl, ADMIN_TOKEN).get('/message-log?chargePointId=LOG-EXT-1&type=ocpp')).body.items?.map((i: { action: string }) => i.action), { timeout: 10_000 }).toEqual(['BootNotification', 'Heartbeat']);
      expect(sys.messageLog?.writerThreadId).toBeGreaterThan(0);
      await c.close({ force: true });
    } finally {
      await sys.stop();
    }
  }, 60_000);
});
