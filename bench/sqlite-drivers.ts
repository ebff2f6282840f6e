/**
 * better-sqlite3 against Node's own node:sqlite (issue 15: "if node:sqlite serves the embedded
 * stores as well as better-sqlite3, drop the native build"), on the statements the embedded
 * stores run, same file settings as theirs (WAL; synchronous FULL for the registry, NORMAL for
 * history): a registry write (one INSERT ... RETURNING, committed), a point read by key, a page
 * of 100 rows, and a history batch (1,000 rows in one transaction). Interleaved, several rounds,
 * median per round.   node bench/sqlite-drivers.ts [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3';

interface Driver {
  name: string;
  exec(sql: string): void;
  prepare(sql: string): { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  close(): void;
}

function open(kind: 'better-sqlite3' | 'node:sqlite', file: string): Driver {
  if (kind === 'better-sqlite3') {
    const db = new Database(file);
    return { name: kind, exec: (s) => void db.exec(s), prepare: (s) => db.prepare(s) as never, close: () => db.close() };
  }
  const db = new DatabaseSync(file);
  return { name: kind, exec: (s) => db.exec(s), prepare: (s) => db.prepare(s) as never, close: () => db.close() };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function round(kind: 'better-sqlite3' | 'node:sqlite', dir: string, r: number): Record<string, number> {
  const reg = open(kind, path.join(dir, `${kind.replace(':', '-')}-${r}-registry.db`));
  reg.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  reg.exec('CREATE TABLE devices (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, cp TEXT NOT NULL UNIQUE, attrs TEXT NOT NULL, created_at TEXT NOT NULL)');
  const ins = reg.prepare('INSERT INTO devices (id, tenant, cp, attrs, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *');
  const writes = 500;
  let t = performance.now();
  for (let i = 0; i < writes; i++) ins.get(`d${i}`, 'admin', `CP-${i}`, JSON.stringify({ vendor: 'ABB', model: 'Terra 54', i }), new Date().toISOString());
  const writeUs = ((performance.now() - t) * 1000) / writes;
  const byKey = reg.prepare('SELECT * FROM devices WHERE cp = ?');
  t = performance.now();
  for (let i = 0; i < 20_000; i++) byKey.get(`CP-${i % writes}`);
  const readUs = ((performance.now() - t) * 1000) / 20_000;
  const page = reg.prepare('SELECT * FROM devices ORDER BY created_at, id LIMIT 100 OFFSET ?');
  t = performance.now();
  for (let i = 0; i < 2_000; i++) page.all(i % 400);
  const pageUs = ((performance.now() - t) * 1000) / 2_000;
  reg.close();

  const hist = open(kind, path.join(dir, `${kind.replace(':', '-')}-${r}-history.db`));
  hist.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  hist.exec('CREATE TABLE h (time INTEGER NOT NULL, device TEXT NOT NULL, connector INTEGER NOT NULL, fields TEXT NOT NULL)');
  const row = hist.prepare('INSERT INTO h (time, device, connector, fields) VALUES (?, ?, ?, ?)');
  const batches = 50;
  t = performance.now();
  for (let b = 0; b < batches; b++) {
    hist.exec('BEGIN');
    for (let i = 0; i < 1000; i++) row.run(Date.now() + i, `d${i % 300}`, 1, '{"power":7400,"energy":1234,"current":32,"voltage":230}');
    hist.exec('COMMIT');
  }
  const batchMs = (performance.now() - t) / batches;
  hist.close();
  return { writeUs, readUs, pageUs, batchMs };
}

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 5) || 5;
const dir = mkdtempSync(path.join(tmpdir(), 'sqlite-drivers-'));
const out: Record<string, Record<string, number[]>> = { 'better-sqlite3': {}, 'node:sqlite': {} };
try {
  for (let r = 0; r < rounds; r++) {
    for (const kind of (r % 2 ? ['node:sqlite', 'better-sqlite3'] : ['better-sqlite3', 'node:sqlite']) as Array<'better-sqlite3' | 'node:sqlite'>) {
      for (const [k, v] of Object.entries(round(kind, dir, r))) (out[kind]![k] ??= []).push(v);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`| driver | registry write (INSERT … RETURNING, committed, synchronous FULL) µs | read by key µs | page of 100 µs | history batch of 1,000 rows ms |`);
console.log('|---|---|---|---|---|');
for (const [kind, m] of Object.entries(out)) console.log(`| ${kind} | ${median(m['writeUs']!).toFixed(0)} | ${median(m['readUs']!).toFixed(1)} | ${median(m['pageUs']!).toFixed(0)} | ${median(m['batchMs']!).toFixed(1)} |`);
console.log(`(${rounds} rounds, median; Node ${process.version}, SQLite ${(new DatabaseSync(':memory:').prepare('select sqlite_version() v').get() as { v: string }).v} in node:sqlite, ${(new Database(':memory:').prepare('select sqlite_version() v').get() as { v: string }).v} in better-sqlite3)`);
