import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { LogRow } from '../rows.ts';
import { createEmbeddedLog } from './embedded.ts';

const DAY = 86_400_000;
const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'msglog-')), 'm.db');
/** A log row; `n` makes its message id and payload distinct. */
const aRow = (time: number, over: Partial<LogRow> = {}, n = time): LogRow => ({
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

describe('embedded message log store', () => {
  it('keeps one table per UTC day of the event; retention drops whole days and late events of dropped days are not stored', async () => {
    const file = tmp();
    const now = Date.UTC(2026, 5, 10, 12);
    const s = createEmbeddedLog({ file, retentionDays: 2 });
    await s.init();
    expect(s.write([aRow(now - 5 * DAY), aRow(now - 1.6 * DAY), aRow(now - DAY), aRow(now)], now)).toEqual({ written: 3, expired: 1 });
    const db = new Database(file, { readonly: true });
    const tables = () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'm_*' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables()).toEqual(['m_20260608', 'm_20260609', 'm_20260610']);
    expect(s.prune(now + DAY)).toBe(1);
    expect(tables()).toEqual(['m_20260609', 'm_20260610']);
    expect(s.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' }).items.map((r) => r.time)).toEqual([now - DAY, now]);
    db.close();
    await s.close();
  });

  it('pages in time order across days, both ways, with the total; a reader on its own connection sees what the writer committed', async () => {
    const file = tmp();
    const t0 = Date.now() - 2 * DAY;
    const s = createEmbeddedLog({ file });
    const reader = createEmbeddedLog({ file, readOnly: true });
    await s.init();
    expect(reader.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' })).toEqual({ items: [], total: 0 });
    const times = [0, 1, 2, 3, 4].map((i) => t0 + i * 0.5 * DAY);
    // Out of order on purpose: the time orders, not the arrival.
    s.write([times[3]!, times[0]!, times[4]!, times[1]!, times[2]!].map((t) => aRow(t)));
    const page = (offset: number, order: 'asc' | 'desc') => reader.query({ tenant: 'acme' }, { limit: 2, offset, order });
    expect(page(0, 'asc')).toMatchObject({ total: 5 });
    expect([0, 2, 4].flatMap((o) => page(o, 'asc').items.map((r) => r.time))).toEqual(times);
    expect([0, 2, 4].flatMap((o) => page(o, 'desc').items.map((r) => r.time))).toEqual([...times].reverse());
    await s.close();
    await reader.close();
  });

  it('filters by device, action, message id, direction, type, error and time range, always within the tenant', async () => {
    const s = createEmbeddedLog({ file: tmp() });
    await s.init();
    const t = Date.now() - 60_000;
    s.write([
      aRow(t, { action: 'BootNotification' }, 1),
      aRow(t + 1, { action: 'MeterValues' }, 2),
      aRow(t + 2, { type: 'command', direction: 'out', action: 'Reset', error: 'timeout' }, 3),
      aRow(t + 3, { device: 'd2' }, 4),
      aRow(t + 4, { tenant: 'beta' }, 5),
      aRow(t + 5, { type: 'connected', direction: null, action: null, messageId: null }, 6),
    ]);
    const ids = (f: Omit<Parameters<typeof s.query>[0], 'tenant'>, tenant = 'acme') => s.query({ tenant, ...f }, { limit: 100, offset: 0, order: 'asc' }).items.map((r) => JSON.parse(r.payload).n);
    expect(ids({})).toEqual([1, 2, 3, 4, 6]);
    expect(ids({}, 'beta')).toEqual([5]);
    expect(ids({ device: 'd1' })).toEqual([1, 2, 3, 6]);
    expect(ids({ action: ['MeterValues', 'Reset'] })).toEqual([2, 3]);
    expect(ids({ messageId: 'm-3' })).toEqual([3]);
    expect(ids({ messageId: 'm-5' })).toEqual([]);
    expect(ids({ direction: 'out' })).toEqual([3]);
    expect(ids({ direction: 'in', device: 'd1' })).toEqual([1, 2]);
    expect(ids({ type: ['connected'] })).toEqual([6]);
    expect(ids({ failed: true })).toEqual([3]);
    expect(ids({ from: t + 1, to: t + 3 })).toEqual([2, 3]);
    await s.close();
  });

  it('scans after a cursor without skipping or repeating events of the same millisecond; ids go on after a restart', async () => {
    const file = tmp();
    const t = Date.now() - 60_000;
    let s = createEmbeddedLog({ file });
    await s.init();
    s.write([1, 2, 3, 4, 5].map((n) => aRow(t, {}, n)));
    await s.close();
    s = createEmbeddedLog({ file });
    await s.init();
    s.write([6, 7].map((n) => aRow(t, {}, n)));
    const seen: number[] = [];
    let after = null;
    for (;;) {
      const rows = s.scan({ tenant: 'acme' }, after, 3);
      if (!rows.length) break;
      seen.push(...rows.map((r) => JSON.parse(r.payload).n));
      after = { time: rows.at(-1)!.time, id: rows.at(-1)!.id };
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await s.close();
  });
});
