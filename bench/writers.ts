/**
 * npm run bench:writers — what one row costs the two embedded SQLite writers (the history's day
 * tables, the message log) at the batch sizes the shipped process hands them: CPU µs per row on
 * the writing thread, and bytes written and read per row (this process's /proc/self/io, so WAL
 * appends, checkpoints and page reads all count). Rows come from `--devices` chargers in turn, as
 * 1,000 chargers at 5 MeterValues/s each do, so every insert lands on the index page of its own
 * device.
 *
 *   npm run bench:writers -- --store history --devices 1000 --batch 5000 --batches 60
 *   npm run bench:writers -- --store log --batch 250     # the message log's old 50 ms batches at 5,000/s
 *
 * Files go under --dir (default /var/tmp: a disk, not a tmpfs, as DATA_DIR is). Prints one JSON
 * line per run; docs/benchmarks.md "The writers' page writes" has the figures.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { createEmbeddedHistory } from '../history/backends/embedded.ts';
import type { Point } from '../history/types.ts';
import { createEmbeddedLog } from '../message-log/backends/embedded.ts';
import type { LogRow } from '../message-log/rows.ts';

const opts = new Command()
  .option('--store <name>', 'history or log', 'history')
  .option('--devices <n>', 'chargers the rows come from, in turn', '1000')
  .option('--batch <n>', 'rows per write (one transaction)', '5000')
  .option('--batches <n>', 'writes', '60')
  .option('--dir <path>', 'where the database goes', '/var/tmp')
  .parse(process.argv)
  .opts<{ store: string; devices: string; batch: string; batches: string; dir: string }>();
if (opts.store !== 'history' && opts.store !== 'log') throw new Error(`--store: history or log, not ${opts.store}`);

const DEVICES = Number(opts.devices);
const PER_BATCH = Number(opts.batch);
const BATCHES = Number(opts.batches);
/** A time an hour ago, so that every row falls in today's (or yesterday's) day table. */
const T0 = Date.now() - 3_600_000;

function io() {
  const text = readFileSync('/proc/self/io', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { written: get('wchar'), read: get('rchar') };
}

/** A MeterValues event as the gateway publishes it on `events` (8 sampled values). */
const eventPayload = JSON.stringify({
  type: 'ocpp', ts: new Date().toISOString(), direction: 'in', action: 'MeterValues', messageId: 'x',
  request: { connectorId: 1, transactionId: 5, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: Array.from({ length: 8 }, (_, k) => ({ value: String(1000 + k), measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' })) }] },
  response: {},
});

function historyBatch(from: number): Point[] {
  const pts: Point[] = [];
  for (let i = from; i < from + PER_BATCH; i++) {
    const s = i % DEVICES;
    pts.push({
      tags: { tenant: 'bench', device: `cp-${s}`, connector: '1', transaction: String(1 + (s % 50)) },
      fields: { power: 50000 + s, current: 120, voltage: 400, soc: s % 100, energy: 1e6 + i, powerOffered: 150000, currentOffered: 200, temperature_Body: 35 },
      time: T0 + Math.floor(i / DEVICES) * 200 + (s % 200),
    });
  }
  return pts;
}
function logBatch(from: number): LogRow[] {
  const rows: LogRow[] = [];
  for (let i = from; i < from + PER_BATCH; i++) {
    const s = i % DEVICES;
    rows.push({ time: T0 + Math.floor(i / DEVICES) * 200, tenant: 'bench', device: `cp-${s}`, type: 'ocpp', direction: 'in', action: 'MeterValues', messageId: randomUUID(), error: null, payload: eventPayload });
  }
  return rows;
}

const dir = mkdtempSync(path.join(opts.dir, 'cb-writers-'));
try {
  const history = opts.store === 'history' ? createEmbeddedHistory({ file: path.join(dir, 'history.db') }) : undefined;
  const messageLog = opts.store === 'log' ? createEmbeddedLog({ file: path.join(dir, 'log.db') }) : undefined;
  await (history ?? messageLog)!.init();
  const perRow: number[] = [];
  const io0 = io();
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < BATCHES; b++) {
    // Rows are built outside the measured span: the writer threads get them built too.
    const rows = history ? historyBatch(b * PER_BATCH) : logBatch(b * PER_BATCH);
    const t = process.cpuUsage();
    if (history) await history.write(rows as Point[]);
    else await messageLog!.write(rows as LogRow[]);
    const d = process.cpuUsage(t);
    perRow.push((d.user + d.system) / PER_BATCH);
  }
  const io1 = io();
  const cpu = process.cpuUsage(cpu0);
  const rows = PER_BATCH * BATCHES;
  const measured = perRow.reduce((a, b) => a + b, 0);
  const last = perRow.slice(-10);
  console.log(JSON.stringify({
    store: opts.store, devices: DEVICES, batch: PER_BATCH, batches: BATCHES, node: process.version,
    usPerRow: +(measured / BATCHES).toFixed(1),
    usPerRowLast10: +(last.reduce((a, b) => a + b, 0) / last.length).toFixed(1),
    kibWrittenPerRow: +((io1.written - io0.written) / rows / 1024).toFixed(2),
    kibReadPerRow: +((io1.read - io0.read) / rows / 1024).toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
  }));
  await (history ?? messageLog)!.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
