/**
 * The contract every history backend passes (embedded, InfluxDB 1.x, InfluxDB 2.x): what the
 * persister and the history API rely on. `open` returns a fresh, empty, initialised backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryBackend, Point } from '../types.ts';

const T0 = Date.UTC(2026, 0, 1);
const pt = (s: number, fields: Record<string, number>, tags: Partial<Point['tags']> = {}): Point => ({ tags: { tenant: 't', device: 'd', connector: '1', ...tags }, fields, time: T0 + s * 1000 });
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

export function describeBackendContract(name: string, open: () => Promise<HistoryBackend>) {
  describe(`history backend contract: ${name}`, () => {
    let b: HistoryBackend | undefined;
    const fresh = async () => (b = await open());
    afterEach(async () => {
      await b?.close();
      b = undefined;
    });
    const values = async (over: object = {}, key = 'power', sel: object = {}) => (await b!.query({ tenant: 't', device: 'd', series: [{ key, field: 'power', ...sel }], ...over }))[key]!.map((p) => p.value);

    it('stores at the sample time, orders late data, replaces a replayed point', async () => {
      await fresh();
      await b!.write([pt(2, { power: 2 }), pt(0, { power: 0 }), pt(1, { power: 1 })]);
      await b!.write([pt(1, { power: 10 })]); // the same point again with another value
      await b!.write([pt(1, { power: 10 })]); // and a plain replay
      const r = await b!.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }] });
      expect(r['power']).toEqual([
        { ts: iso(0), value: 0 },
        { ts: iso(1), value: 10 },
        { ts: iso(2), value: 2 },
      ]);
    });

    it('keeps phases, locations, devices and tenants apart', async () => {
      await fresh();
      await b!.write([
        pt(1, { power: 1, current: 5 }),
        pt(1, { current: 16 }, { phase: 'L1' }),
        pt(1, { current: 17 }, { phase: 'L2' }),
        pt(1, { temperature: 40 }, { location: 'Body' }),
        pt(1, { power: 77 }, { tenant: 'x' }),
        pt(1, { power: 88 }, { device: 'other' }),
      ]);
      const r = await b!.query({
        tenant: 't',
        device: 'd',
        series: [
          { key: 'power', field: 'power' },
          { key: 'current', field: 'current' },
          { key: 'current_L1', field: 'current', phase: 'L1' },
          { key: 'current_L2', field: 'current', phase: 'L2' },
          { key: 'temperature_Body', field: 'temperature', location: 'Body' },
          { key: 'temperature', field: 'temperature' },
        ],
      });
      expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map((p) => p.value)]))).toEqual({
        power: [1],
        current: [5],
        current_L1: [16],
        current_L2: [17],
        temperature_Body: [40],
        temperature: [],
      });
    });

    it('filters by time range (from inclusive, to exclusive), transaction and connector', async () => {
      await fresh();
      await b!.write(Array.from({ length: 20 }, (_, i) => pt(i, { power: i }, { transaction: i < 10 ? '7' : '8', connector: i % 2 ? '2' : '1' })));
      expect(await values({ from: T0 + 10_000, to: T0 + 13_000 })).toEqual([10, 11, 12]);
      expect(await values({ transaction: '7', connector: '2' })).toEqual([1, 3, 5, 7, 9]);
      expect(await values({ transaction: '9' })).toEqual([]);
    });

    it('lastN returns the newest points, oldest first', async () => {
      await fresh();
      await b!.write(Array.from({ length: 30 }, (_, i) => pt(i, { power: i })));
      expect(await values({ lastN: 3 })).toEqual([27, 28, 29]);
    });

    it('aggregates in epoch-aligned windows with every function', async () => {
      await fresh();
      await b!.write(Array.from({ length: 120 }, (_, i) => pt(i, { power: i })));
      for (const [fn, v] of [['mean', 29.5], ['min', 0], ['max', 59], ['sum', 1770], ['count', 60], ['first', 0], ['last', 59]] as const) {
        const r = (await b!.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }], every: 60_000, fn }))['power']!;
        expect(r, fn).toEqual([
          { ts: iso(0), value: v },
          { ts: iso(60), value: v + (fn === 'count' ? 0 : fn === 'sum' ? 3600 : 60) },
        ]);
      }
      expect(await values({ every: 60_000, fn: 'max', lastN: 1 })).toEqual([119]);
    });

    it('refuses a bad point with the reason and writes the rest of the batch', async () => {
      await fresh();
      const r = await b!.write([pt(0, { power: Number.NaN }), pt(1, { power: 1 }), pt(2, { power: Number.POSITIVE_INFINITY }), pt(3, { power: 3 })]);
      expect(r.written).toBe(2);
      expect(r.rejected.map((x) => x.reason)).toEqual([expect.stringMatching(/power/), expect.stringMatching(/power/)]);
      expect(await values()).toEqual([1, 3]);
    });

    it('takes a large batch in one write', async () => {
      await fresh();
      const batch = Array.from({ length: 5000 }, (_, i) => pt(i, { power: i, current: i / 10, voltage: 230, soc: i % 100, energy: 1000 + i }));
      expect((await b!.write(batch)).written).toBe(5000);
      expect(await values({ lastN: 2 })).toEqual([4998, 4999]);
      expect(await values({ every: 3_600_000, fn: 'count' })).toEqual([3600, 1400]);
    });
  });
}
