import { mkdtempSync } from 'node:fs';
import { openSqlite, prepare, transaction } from '../../common/sqlite.ts';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmbeddedHistory, dayTable } from './embedded.ts';
import { describeBackendContract } from './contract.ts';

describeBackendContract('embedded (SQLite)', async () => {
  const b = createEmbeddedHistory({ file: path.join(mkdtempSync(path.join(tmpdir(), 'hist-')), 'h.db') });
  await b.init();
  return b;
});

describe('embedded store layout (issue 14)', () => {
  const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'hist-')), 'h.db');
  const pt = (time: number, fields: Record<string, number>) => ({ tags: { tenant: 't', device: 'd', connector: '1' }, fields, time });
  const DAY = 86_400_000;

  it('keeps one table per UTC day and retention drops whole days', async () => {
    const file = tmp();
    const b = createEmbeddedHistory({ file, retentionDays: 2 });
    await b.init();
    const now = Date.UTC(2026, 5, 10, 12);
    await b.write([pt(now - 5 * DAY, { power: 1 }), pt(now - 2.6 * DAY, { power: 2 }), pt(now - 1 * DAY, { power: 3 }), pt(now, { power: 4 })]);
    const db = openSqlite(file, [], { readOnly: true });
    const tables = () => (db.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'h_*' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables()).toEqual(['h_20260605', 'h_20260607', 'h_20260609', 'h_20260610']);
    // Days wholly older than 2 days before now: 06-05 and 06-07 (06-07 ends 06-08 00:00 < 06-08 12:00).
    expect(b.prune(now)).toBe(2);
    expect(tables()).toEqual(['h_20260609', 'h_20260610']);
    expect((await b.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }] }))['power']!.map((p) => p.value)).toEqual([3, 4]);
    db.close();
    await b.close();
  });

  it('one row per sample: its phase and location groups in one row, fields merge, a replay changes nothing', async () => {
    const file = tmp();
    const b = createEmbeddedHistory({ file });
    await b.init();
    const t = Date.UTC(2026, 5, 10);
    const group = (phase: string | undefined, location: string | undefined, fields: Record<string, number>) => ({ tags: { tenant: 't', device: 'd', connector: '1', ...(phase ? { phase } : {}), ...(location ? { location } : {}) }, fields, time: t });
    await b.write([pt(t, { power: 1 }), group('L1', undefined, { current: 16 }), group(undefined, 'Body', { temperature: 31 })]);
    await b.write([pt(t, { energy: 10 }), pt(t, { power: 1 })]);
    const db = openSqlite(file, [], { readOnly: true });
    expect(db.prepare('SELECT fields FROM h_20260610').all()).toEqual([{ fields: '{"power":1,"current_L1":16,"temperature_Body":31,"energy":10}' }]);
    db.close();
    const r = await b.query({ tenant: 't', device: 'd', series: [{ key: 'current_L1', field: 'current', phase: 'L1' }, { key: 'temperature_Body', field: 'temperature', location: 'Body' }, { key: 'current', field: 'current' }] });
    expect(r).toEqual({ current_L1: [{ ts: new Date(t).toISOString(), value: 16 }], temperature_Body: [{ ts: new Date(t).toISOString(), value: 31 }], current: [] });
    await b.close();
  });

  it('converts the phase-group layout (p_YYYYMMDD, one row per phase and location) at start', async () => {
    const file = tmp();
    const old = openSqlite(file);
    // Yesterday: within the retention (older days are pruned at start).
    const t = Math.floor(Date.now() / DAY - 1) * DAY + 8 * 3_600_000;
    const day = dayTable(t).slice(2);
    old.exec(`CREATE TABLE p_${day} (tenant TEXT NOT NULL, device TEXT NOT NULL, time INTEGER NOT NULL, connector TEXT NOT NULL, phase TEXT NOT NULL DEFAULT '', location TEXT NOT NULL DEFAULT '', tx TEXT NOT NULL DEFAULT '', fields TEXT NOT NULL, PRIMARY KEY (tenant, device, time, connector, phase, location, tx)) WITHOUT ROWID`);
    const ins = old.prepare(`INSERT INTO p_${day} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    ins.run('t', 'd', t, '1', '', '', '7', '{"power":7400,"energy":70}');
    ins.run('t', 'd', t, '1', 'L1', '', '7', '{"current":16}');
    ins.run('t', 'd', t, '1', '', 'Body', '7', '{"temperature":31}');
    ins.run('t', 'd', t + 1000, '1', '', '', '7', '{"power":7300}');
    old.close();
    const b = createEmbeddedHistory({ file });
    await b.init();
    const r = await b.query({ tenant: 't', device: 'd', transaction: '7', series: [{ key: 'power', field: 'power' }, { key: 'energy', field: 'energy' }, { key: 'current_L1', field: 'current', phase: 'L1' }, { key: 'temperature_Body', field: 'temperature', location: 'Body' }] });
    expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map((p) => p.value)]))).toEqual({ power: [7400, 7300], energy: [70], current_L1: [16], temperature_Body: [31] });
    const db = openSqlite(file, [], { readOnly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'p_*'").all()).toEqual([]);
    expect((db.prepare(`SELECT COUNT(*) AS n FROM h_${day}`).get() as { n: number }).n).toBe(2);
    db.close();
    await b.close();
  });

  it('a reader connection sees what the writer committed, and nothing before the file exists', async () => {
    const file = tmp();
    const reader = createEmbeddedHistory({ file, readOnly: true });
    await reader.init();
    const q = { tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }] };
    expect(await reader.query(q)).toEqual({ power: [] });
    const writer = createEmbeddedHistory({ file });
    await writer.init();
    await writer.write([pt(Date.UTC(2026, 5, 10), { power: 5 })]);
    expect((await reader.query(q))['power']!.map((p) => p.value)).toEqual([5]);
    await expect(reader.write([pt(Date.UTC(2026, 5, 11), { power: 6 })])).rejects.toThrow();
    await reader.close();
    await writer.close();
  });

  it('converts the older layout (one row per field) at start', async () => {
    const file = tmp();
    const old = openSqlite(file);
    old.exec(`CREATE TABLE points (tenant TEXT NOT NULL, device TEXT NOT NULL, connector TEXT NOT NULL, phase TEXT NOT NULL DEFAULT '', location TEXT NOT NULL DEFAULT '', tx TEXT NOT NULL DEFAULT '', field TEXT NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (tenant, device, field, phase, location, time, connector, tx)) WITHOUT ROWID`);
    // A recent time whose fraction of a day, times the day, rounds past it (about 1 time in 9):
    // converting by a fractional day instead of a whole one lost such rows.
    let t = Date.now() - 60_000;
    while ((t / 86_400_000) * 86_400_000 <= t) t--;
    const ins = old.prepare('INSERT INTO points VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    ins.run('t', 'd', '1', '', '', '', 'power', t, 7);
    ins.run('t', 'd', '1', '', '', '', 'energy', t, 70);
    ins.run('t', 'd', '1', 'L1', '', '', 'current', t, 16);
    old.close();
    const b = createEmbeddedHistory({ file });
    await b.init();
    const r = await b.query({ tenant: 't', device: 'd', series: [{ key: 'power', field: 'power' }, { key: 'energy', field: 'energy' }, { key: 'current_L1', field: 'current', phase: 'L1' }] });
    expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map((p) => p.value)]))).toEqual({ power: [7], energy: [70], current_L1: [16] });
    const db = openSqlite(file, [], { readOnly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'points'").get()).toBeUndefined();
    db.close();
    await b.close();
  });
});
