/**
 * A replay over a real embedded store and a real aedes broker: each stored event republished in
 * time order on `{tenant}:{deviceId}/events/replay` with `replayed: true`, bounded by `max` with
 * where to go on, within the tenant, never on `events` itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import { createLogger } from '../common/logger.ts';
import { aRow } from './backends/contract.ts';
import { createEmbeddedLog } from './backends/embedded.ts';
import { replayRange } from './replay.ts';
import { topicsFor } from '../contracts/topics.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup() {
  const aedes = await Aedes.createBroker();
  const bus = createEmbeddedBus(aedes, createLogger('silent'));
  const store = createEmbeddedLog({ file: path.join(mkdtempSync(path.join(tmpdir(), 'msglog-replay-')), 'm.db') });
  await store.init();
  closers.push(async () => {
    await store.close();
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  const got: Array<{ topic: string; json: Record<string, unknown> }> = [];
  await bus.subscribe('#', (topic, payload) => void got.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }));
  const t0 = Date.now() - 60_000;
  await store.write([0, 1, 2, 3, 4].map((i) => aRow(t0 + i * 1000, {}, i)));
  await store.write([aRow(t0 + 1500, { tenant: 'beta', device: 'b1' }, 99)]);
  return { bus, store, got, t0 };
}

describe('replayRange', () => {
  it('republishes the range in time order on events/replay, marked replayed, only the tenant filtered', async () => {
    const { bus, store, got, t0 } = await setup();
    const r = await replayRange({ store, bus, topics: topicsFor('dojot') }, { tenant: 'acme', from: t0 + 1000, to: t0 + 4000 }, 100);
    expect(r).toEqual({ published: 3, truncated: false, next: null });
    expect(got.map((m) => m.topic)).toEqual(['acme:d1/events/replay', 'acme:d1/events/replay', 'acme:d1/events/replay']);
    expect(got.map((m) => m.json)).toEqual([1, 2, 3].map((n) => ({ type: 'ocpp', n, ts: new Date(t0 + n * 1000).toISOString(), replayed: true })));
  });

  it('stops at max and says where to go on; going on from there gets the rest', async () => {
    const { bus, store, got, t0 } = await setup();
    const first = await replayRange({ store, bus, topics: topicsFor('dojot') }, { tenant: 'acme' }, 2);
    expect(first).toEqual({ published: 2, truncated: true, next: new Date(t0 + 2000).toISOString() });
    const rest = await replayRange({ store, bus, topics: topicsFor('dojot') }, { tenant: 'acme', from: Date.parse(first.next!) }, 10);
    expect(rest).toEqual({ published: 3, truncated: false, next: null });
    expect(got.map((m) => m.json['n'])).toEqual([0, 1, 2, 3, 4]);
  });
});
