import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite, prepare } from '../../common/sqlite.ts';
import { describe, expect, it } from 'vitest';
import { aRow, describeMessageLogContract } from './contract.ts';
import { createEmbeddedLog } from './embedded.ts';

const DAY = 86_400_000;
const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'msglog-')), 'm.db');

describeMessageLogContract('embedded (SQLite)', async () => {
  const file = tmp();
  return { open: (o = {}) => createEmbeddedLog({ file, ...o }) };
});

describe('embedded message log layout', () => {
  it('keeps one table per UTC day of the event; retention drops whole days and late events of dropped days are not stored', async () => {
    const file = tmp();
    const now = Date.UTC(2026, 5, 10, 12);
    const s = createEmbeddedLog({ file, retentionDays: 2 });
    await s.init();
    expect(await s.write([aRow(now - 5 * DAY), aRow(now - 1.6 * DAY), aRow(now - DAY), aRow(now)], now)).toEqual({ written: 3, expired: 1 });
    const db = openSqlite(file, [], { readOnly: true });
    const tables = () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'm_*' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables()).toEqual(['m_20260608', 'm_20260609', 'm_20260610']);
    expect(await s.prune(now + DAY)).toBe(1);
    expect(tables()).toEqual(['m_20260609', 'm_20260610']);
    expect((await s.query({ tenant: 'acme' }, { limit: 10, offset: 0, order: 'asc' })).items.map((r) => r.time)).toEqual([now - DAY, now]);
    db.close();
    await s.close();
  });
});
