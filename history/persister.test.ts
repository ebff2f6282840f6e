/**
 * The persister against the real embedded backend, wrapped so a test can make it fail (the
 * failure modes of a remote InfluxDB), and an in-process bus double that delivers messages.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, MessageHandler } from '../broker/bus.ts';
import { createLogger } from '../common/logger.ts';
import { createEmbeddedHistory } from './backends/embedded.ts';
import { createPersister } from './persister.ts';
import type { HistoryBackend } from './types.ts';
import { topicsFor } from '../contracts/topics.ts';

const log = createLogger('silent');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'persister-'));
  dirs.push(d);
  return d;
};

function busDouble() {
  const handlers: MessageHandler[] = [];
  const bus = {
    publish() {},
    publishAsync: async () => {},
    subscribe: async (_f: string, h: MessageHandler) => void handlers.push(h),
    flush: async () => {},
    close: async () => {},
    pending: 0,
  } satisfies Bus;
  return { bus, deliver: (topic: string, json: object) => handlers.forEach((h) => h(topic, Buffer.from(JSON.stringify(json)))) };
}

function flaky(inner: HistoryBackend) {
  const state = { down: false, writes: 0 };
  const backend: HistoryBackend = {
    ...inner,
    name: 'flaky',
    async write(points) {
      state.writes++;
      if (state.down) throw new Error('ECONNREFUSED');
      return inner.write(points);
    },
  };
  return { backend, state };
}

const sample = (i: number) => ({ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), connectorId: 1, power: i });
const until = async (cond: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
};

afterEach(() => dirs.splice(0));

describe('persister', () => {
  it('loses nothing while the backend is down and writes every point exactly once after', async () => {
    const dir = tmp();
    const inner = createEmbeddedHistory({ file: path.join(dir, 'h.db') });
    await inner.init();
    const { backend, state } = flaky(inner);
    const { bus, deliver } = busDouble();
    const p = createPersister({ topics: topicsFor('dojot'), bus, backend, spoolDir: path.join(dir, 'spool'), log, batch: { maxPoints: 10, maxAgeMs: 20 }, retry: { minMs: 10, maxMs: 50 } });
    await p.start();
    const q = () => inner.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }] });
    for (let i = 0; i < 30; i++) deliver('t:d/attrs', sample(i));
    await until(async () => (await q())['power']!.length === 30);
    state.down = true;
    for (let i = 30; i < 80; i++) deliver('t:d/attrs', sample(i));
    await until(async () => p.stats().spooledBatches >= 5);
    expect(readdirSync(path.join(dir, 'spool')).length).toBeGreaterThanOrEqual(5);
    expect(p.stats().backendUp).toBe(false);
    state.down = false;
    await until(async () => (await q())['power']!.length === 80);
    expect((await q())['power']!.map((x) => x.value)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    await until(async () => p.stats().spooledBatches === 0);
    await p.stop();
    await inner.close();
  });

  it('a full backlog and bad attrs are logged a few times a window, not once a message; every dropped point is counted', async () => {
    const dir = tmp();
    const inner = createEmbeddedHistory({ file: path.join(dir, 'h.db') });
    await inner.init();
    // A backend that takes the first batch and never finishes it: the backlog stays full.
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const backend: HistoryBackend = { ...inner, name: 'stuck', write: () => stuck as unknown as ReturnType<HistoryBackend['write']> };
    const lines: Array<{ level: string; msg: string }> = [];
    const capture = {
      ...log,
      warn: (_o: unknown, msg: string) => void lines.push({ level: 'warn', msg }),
      error: (_o: unknown, msg: string) => void lines.push({ level: 'error', msg }),
      info: () => undefined,
      debug: () => undefined,
      child: () => capture,
    } as unknown as typeof log;
    const { bus, deliver } = busDouble();
    const p = createPersister({ topics: topicsFor('dojot'), bus, backend, spoolDir: path.join(dir, 'spool'), log: capture, batch: { maxPoints: 5, maxAgeMs: 10 }, maxBacklog: 10 });
    await p.start();
    for (let i = 0; i < 2_000; i++) deliver('t:d/attrs', sample(i));
    for (let i = 0; i < 2_000; i++) deliver('t:d/attrs', { timestamp: 'not a time', connectorId: 1, power: i });
    expect(p.stats().dropped).toBe(2_000 - 10);
    expect(lines.filter((l) => l.msg.startsWith('history backlog full')).length).toBe(1);
    expect(lines.filter((l) => l.msg === 'telemetry not stored').length).toBe(5);
    release();
    await p.stop();
    await inner.close();
  });

  it('drains a spool left by a previous run; a non-numeric value is not stored', async () => {
    const dir = tmp();
    const inner = createEmbeddedHistory({ file: path.join(dir, 'h.db') });
    await inner.init();
    const { backend, state } = flaky(inner);
    state.down = true;
    const first = busDouble();
    const p1 = createPersister({ topics: topicsFor('dojot'), bus: first.bus, backend, spoolDir: path.join(dir, 'spool'), log, batch: { maxPoints: 5, maxAgeMs: 10 }, retry: { minMs: 10, maxMs: 20 } });
    await p1.start();
    for (let i = 0; i < 10; i++) first.deliver('t:d/attrs', sample(i));
    await until(async () => p1.stats().spooledBatches >= 2);
    await p1.stop();
    state.down = false;
    const second = busDouble();
    const p2 = createPersister({ topics: topicsFor('dojot'), bus: second.bus, backend, spoolDir: path.join(dir, 'spool'), log, batch: { maxPoints: 5, maxAgeMs: 10 } });
    await p2.start();
    // JSON has no Infinity: it arrives as null and is skipped, the other ten points are written.
    second.deliver('t:d/attrs', { timestamp: new Date(Date.UTC(2026, 0, 2)).toISOString(), connectorId: 1, power: 1e400 });
    await until(async () => (await inner.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }] }))['power']!.length === 10);
    await p2.stop();
    await inner.close();
  });
  it("batches up to the backend's own batchPoints when it is given no bound, not 5,000", async () => {
    const dir = tmp();
    const inner = createEmbeddedHistory({ file: path.join(dir, 'h.db') });
    await inner.init();
    expect(inner.batchPoints).toBe(25_000);
    const sizes: number[] = [];
    const backend: HistoryBackend = { ...inner, batchPoints: 7, write: (points) => (sizes.push(points.length), inner.write(points)) };
    const { bus, deliver } = busDouble();
    // A long age: only the size bound can cut a batch here.
    const p = createPersister({ topics: topicsFor('dojot'), bus, backend, spoolDir: path.join(dir, 'spool'), log, batch: { maxAgeMs: 60_000 } });
    await p.start();
    for (let i = 0; i < 15; i++) deliver('t:d/attrs', sample(i));
    await until(async () => sizes.length === 2);
    expect(sizes).toEqual([7, 7]);
    await p.stop();
    expect(sizes).toEqual([7, 7, 1]);
    await inner.close();
  });
});
