import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedHistory } from './embedded.ts';
import type { HistoryBackend, Point } from '../types.ts';

const T0 = Date.UTC(2026, 0, 1);
const pt = (s: number, fields: Record<string, number>, tags: Partial<Point['tags']> = {}): Point => ({ tags: { tenant: 't', device: 'd', connector: '1', ...tags }, fields, time: T0 + s * 1000 });
let b: HistoryBackend;
afterEach(async () => b?.close());
const open = async () => {
  b = createEmbeddedHistory({ file: path.join(mkdtempSync(path.join(tmpdir(), 'hist-')), 'h.db') });
  await b.init();
  return b;
};
const q = (over: object = {}) => b.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }], ...over });

describe('embedded history backend', () => {
  it('stores, replaces replays, orders late data, separates phases and tenants', async () => {
    await open();
    await b.write([pt(2, { power: 2 }), pt(0, { power: 0 }), pt(1, { power: 1 })]);
    await b.write([pt(1, { power: 10 })]); // replay with another value replaces
    await b.write([pt(1, { power: 99 }, { phase: 'L1' }), pt(1, { power: 77 }, { tenant: 'x' })]);
    expect((await q())['power']!.map((p) => p.value)).toEqual([0, 10, 2]);
    expect((await b.query({ tenant: 't', device: 'd', series: [{ key: 'power_L1', field: 'power', phase: 'L1' }] }))['power_L1']).toEqual([{ ts: new Date(T0 + 1000).toISOString(), value: 99 }]);
  });

  it('from/to, lastN and every window function', async () => {
    await open();
    await b.write(Array.from({ length: 120 }, (_, i) => pt(i, { power: i })));
    expect((await q({ from: T0 + 10_000, to: T0 + 13_000 }))['power']!.map((p) => p.value)).toEqual([10, 11, 12]);
    expect((await q({ lastN: 2 }))['power']!.map((p) => p.value)).toEqual([118, 119]);
    for (const [fn, v] of [['mean', 29.5], ['min', 0], ['max', 59], ['sum', 1770], ['count', 60], ['first', 0], ['last', 59]] as const) {
      const r = (await q({ every: 60_000, fn }))['power']!;
      expect(r[0], fn).toEqual({ ts: new Date(T0).toISOString(), value: v });
      expect(r).toHaveLength(2);
    }
  });

  it('refuses non-finite values and writes the rest of the batch', async () => {
    await open();
    const r = await b.write([pt(0, { power: Number.NaN }), pt(1, { power: 1 })]);
    expect(r.written).toBe(1);
    expect(r.rejected[0]!.reason).toMatch(/power/);
    expect((await q())['power']).toHaveLength(1);
  });
});
