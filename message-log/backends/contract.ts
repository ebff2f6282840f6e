/**
 * The contract every message log backend passes (the aedes-persistence model): run by
 * embedded.test.ts (SQLite) and postgres.test.ts (a real PostgreSQL, TEST_DATABASE_URL).
 * `location()` gives a fresh, empty place to store; `open` opens a store on it (several may be
 * open on one place: a writer and readers, or the writer again after a restart).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRow } from '../rows.ts';
import type { MessageLogStore } from '../types.ts';

const DAY = 86_400_000;

/** A log row; `n` makes its message id and payload distinct. */
export const aRow = (time: number, over: Partial<LogRow> = {}, n = time): LogRow => ({
  time,
  tenant: 'acme',
  device: 'd1',
  type: 'ocpp',
  direction: 'in',
  action: 'Heartbeat',
  messageId: `m-${n}`,
  error: null,
  payload: JSON.stringify({ type: 'ocpp', n, ts: new Date(time).toISOString() }),
  ...over,
});

export interface Location {
  open(opts?: { readOnly?: boolean; retentionDays?: number }): MessageLogStore;
}

export function describeMessageLogContract(name: string, location: () => Promise<Location>) {
  describe(`message log backend contract: ${name}`, () => {
    const opened: MessageLogStore[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    async function open(loc: Location, opts: { readOnly?: boolean; retentionDays?: number } = {}) {
      const s = loc.open(opts);
      opened.push(s);
      await s.init();
      return s;
    }
    const n = (rows: Array<{ payload: string }>) => rows.map((r) => JSON.parse(r.payload).n as number);

    it('pages in time order across days, both ways, with the total; a reader sees what the writer committed', async () => {
      const loc = await location();
      const s = await open(loc);
      const reader = await open(loc, { readOnly: true });
      expect(await reader.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' })).toEqual({ items: [], total: 0 });
      const t0 = Date.now() - 2 * DAY;
      const times = [0, 1, 2, 3, 4].map((i) => t0 + i * 0.5 * DAY);
      // Out of order on purpose: the time orders, not the arrival.
      await s.write([times[3]!, times[0]!, times[4]!, times[1]!, times[2]!].map((t) => aRow(t)));
      const page = (offset: number, order: 'asc' | 'desc') => reader.query({ tenant: 'acme' }, { limit: 2, offset, order });
      expect((await page(0, 'asc')).total).toBe(5);
      const asc = [];
      const desc = [];
      for (const o of [0, 2, 4]) {
        asc.push(...(await page(o, 'asc')).items.map((r) => r.time));
        desc.push(...(await page(o, 'desc')).items.map((r) => r.time));
      }
      expect(asc).toEqual(times);
      expect(desc).toEqual([...times].reverse());
      expect((await page(6, 'asc')).items).toEqual([]);
    });

    it('keeps every column and the payload as written', async () => {
      const s = await open(await location());
      const row = aRow(Date.now() - 1000, { type: 'command', direction: 'out', action: 'Reset', messageId: 'c-1', error: 'timeout', payload: '{"type":"command","ts":"x","odd":"\\u00e9 ✓"}' });
      await s.write([row]);
      const [got] = (await s.query({ tenant: 'acme' }, { limit: 1, offset: 0, order: 'asc' })).items;
      expect(got).toEqual({ ...row, id: got!.id });
      expect(typeof got!.id).toBe('number');
    });

    it('filters by device, action, message id, direction, type, error and time range, always within the tenant', async () => {
      const s = await open(await location());
      const t = Date.now() - 60_000;
      await s.write([
        aRow(t, { action: 'BootNotification' }, 1),
        aRow(t + 1, { action: 'MeterValues' }, 2),
        aRow(t + 2, { type: 'command', direction: 'out', action: 'Reset', error: 'timeout' }, 3),
        aRow(t + 3, { device: 'd2' }, 4),
        aRow(t + 4, { tenant: 'beta' }, 5),
        aRow(t + 5, { type: 'connected', direction: null, action: null, messageId: null }, 6),
      ]);
      const ids = async (f: Omit<Parameters<typeof s.query>[0], 'tenant'>, tenant = 'acme') => n((await s.query({ tenant, ...f }, { limit: 100, offset: 0, order: 'asc' })).items);
      expect(await ids({})).toEqual([1, 2, 3, 4, 6]);
      expect(await ids({}, 'beta')).toEqual([5]);
      expect(await ids({ device: 'd1' })).toEqual([1, 2, 3, 6]);
      expect(await ids({ action: ['MeterValues', 'Reset'] })).toEqual([2, 3]);
      expect(await ids({ messageId: 'm-3' })).toEqual([3]);
      expect(await ids({ messageId: 'm-5' })).toEqual([]);
      expect(await ids({ direction: 'out' })).toEqual([3]);
      expect(await ids({ direction: 'in', device: 'd1' })).toEqual([1, 2]);
      expect(await ids({ type: ['connected'] })).toEqual([6]);
      expect(await ids({ failed: true })).toEqual([3]);
      expect(await ids({ failed: false, device: 'd1' })).toEqual([1, 2, 6]);
      expect(await ids({ from: t + 1, to: t + 3 })).toEqual([2, 3]);
    });

    it('scans after a cursor without skipping or repeating events of the same millisecond; ids go on after a restart', async () => {
      const loc = await location();
      const t = Date.now() - 60_000;
      let s = await open(loc);
      await s.write([1, 2, 3, 4, 5].map((i) => aRow(t, {}, i)));
      await s.close();
      opened.splice(opened.indexOf(s), 1);
      s = await open(loc);
      await s.write([6, 7].map((i) => aRow(t, {}, i)));
      await s.write([aRow(t + 1, {}, 8)]);
      const seen: number[] = [];
      let after = null;
      for (;;) {
        const rows = await s.scan({ tenant: 'acme' }, after, 3);
        if (!rows.length) break;
        seen.push(...n(rows));
        after = { time: rows.at(-1)!.time, id: rows.at(-1)!.id };
      }
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(n(await s.scan({ tenant: 'acme', from: t + 1 }, null, 10))).toEqual([8]);
    });

    it('retention: events past it are not stored, and prune removes what has aged past it', async () => {
      const s = await open(await location(), { retentionDays: 2 });
      const now = Date.now();
      // (A backend may keep whole days: the rows are days apart.)
      expect(await s.write([aRow(now - 5 * DAY, {}, 1), aRow(now - DAY, {}, 2), aRow(now + 3 * DAY, {}, 3)], now)).toEqual({ written: 2, expired: 1 });
      expect(n((await s.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' })).items)).toEqual([2, 3]);
      // Three days on, the one of a day ago is past the retention; the one of then is not.
      expect(await s.prune(now + 3 * DAY)).toBeGreaterThan(0);
      expect(n((await s.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' })).items)).toEqual([3]);
    });
  });
}
