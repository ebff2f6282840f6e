/**
 * Issue 4: delivery to the persister is at least once. A `chargebridge history` process against
 * a real Mosquitto keeps a persistent session: telemetry published while it is stopped waits in
 * the broker and is stored after it restarts, exactly once, at the sample times.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedHistory } from '../history/backends/embedded.ts';
import { runRole, startMosquitto } from './processes.ts';

const ci = !!process.env['CI'] && process.env['CI'] !== 'false';
const broker = await startMosquitto().catch((err: Error) => err);
// Within the embedded store's retention (30 days), or the restart would prune them.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

describe.skipIf(broker instanceof Error && !ci)('history role against an external broker', () => {
  afterAll(async () => {
    if (!(broker instanceof Error)) await broker.stop();
  });

  it('misses nothing published while it was down', async () => {
    if (broker instanceof Error) throw broker;
    const dir = mkdtempSync(path.join(tmpdir(), 'hist-session-'));
    const env = { MQTT_URL: broker.url, DATA_DIR: dir, API_TOKEN: 'history-session-token-0123456789', HISTORY_CLIENT_ID: 'history-under-test' };
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'telemetry-source' });
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await pub.publishAsync('acme:dev1/attrs', JSON.stringify({ timestamp: new Date(T0 + i * 10_000).toISOString(), connectorId: 1, power: 1000 + i }), { qos: 1 });
    };
    let history = runRole('history', env);
    await history.ready;
    await send(0, 10);
    await new Promise((r) => setTimeout(r, 1500)); // one batch age: written
    expect(await history.stop()).toBe(0);
    await send(10, 30); // nobody is subscribed now, but the session is
    history = runRole('history', env);
    await history.ready;
    await send(30, 40);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await history.stop()).toBe(0);
    await pub.endAsync();

    const b = createEmbeddedHistory({ file: path.join(dir, 'history.db') });
    await b.init();
    const r = await b.query({ tenant: 'acme', device: 'dev1', series: [{ key: 'power', field: 'power' }] });
    await b.close();
    expect(r['power']!.map((p) => p.value)).toEqual(Array.from({ length: 40 }, (_, i) => 1000 + i));
    expect(r['power']![15]!.ts).toBe(new Date(T0 + 150_000).toISOString());
  }, 60_000);
});
