/**
 * npm run bench:history — sustained write rate of the history role into its time-series backend.
 *
 * Two measurements per backend and batch size:
 *  - backend: sequential `write()` calls of realistic points (one batch in flight, as the
 *    persister does), points/s over --duration seconds;
 *  - pipeline: attrs messages published on the embedded broker (aedes, in process) → persister
 *    (QoS 1 subscription, batching, spool on failure) → backend; points/s from the first publish
 *    to the last point acknowledged by the backend.
 *
 * InfluxDB 1.x: Debian's influxd, started here on free ports (or --influx-url). Prints a table and
 * writes bench/results/history-<timestamp>.json.
 *
 *   npm run bench:history -- --batches 1000,5000,10000 --duration 10
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { brokerLimits, createEmbeddedBroker } from '../broker/embedded.ts';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import { principal } from '../broker/acl.ts';
import { createLogger } from '../common/logger.ts';
import { loadConfig } from '../common/config.ts';
import { createEmbeddedHistory } from '../history/backends/embedded.ts';
import { createInflux1History } from '../history/backends/influx1.ts';
import { createPersister } from '../history/persister.ts';
import type { HistoryBackend, Point } from '../history/types.ts';
import { startInfluxd } from '../test/processes.ts';
import { topicsFor } from '../contracts/topics.ts';

const opts = new Command()
  .option('--batches <list>', 'batch sizes (points) to try', '1000,5000,10000')
  .option('--duration <s>', 'seconds per backend measurement', '10')
  .option('--messages <n>', 'attrs messages per pipeline run', '100000')
  .option('--backends <list>', 'embedded,influxdb1', 'embedded,influxdb1')
  .option('--influx-url <url>', 'an InfluxDB 1.x to use instead of starting influxd')
  .parse(process.argv)
  .opts<{ batches: string; duration: string; messages: string; backends: string; influxUrl?: string }>();

const BATCHES = opts.batches.split(',').map(Number);
const DURATION_MS = Number(opts.duration) * 1000;
const MESSAGES = Number(opts.messages);
const log = createLogger('warn');
const T0 = Date.UTC(2026, 0, 1);

/** A DC fast charger sample as the gateway publishes it: 7 fields + a Body temperature. */
function attrs(i: number) {
  const s = i % 1000;
  return JSON.stringify({ timestamp: new Date(T0 + i * 10).toISOString(), connectorId: 1, transactionId: 1 + (s % 50), power: 50000 + s, current: 120 + s / 10, voltage: 400, soc: s % 100, energy: 1e6 + i, powerOffered: 150000, currentOffered: 200, temperature_Body: 35 });
}
function points(i: number): Point[] {
  const s = i % 1000;
  const tags = { tenant: 'bench', device: `cp-${s}`, connector: '1', transaction: String(1 + (s % 50)) };
  const time = T0 + i * 10;
  return [
    { tags, fields: { power: 50000 + s, current: 120 + s / 10, voltage: 400, soc: s % 100, energy: 1e6 + i, powerOffered: 150000, currentOffered: 200 }, time },
    { tags: { ...tags, location: 'Body' }, fields: { temperature: 35 }, time },
  ];
}

async function openBackend(name: string, influxUrl: string | undefined, n: number): Promise<HistoryBackend> {
  const b = name === 'embedded' ? createEmbeddedHistory({ file: path.join(mkdtempSync(path.join(tmpdir(), 'hbench-')), 'h.db'), retentionDays: 3650 }) : createInflux1History({ url: influxUrl!, database: `bench_${process.pid}_${n}` });
  await b.init();
  return b;
}

async function backendRate(b: HistoryBackend, batch: number) {
  let i = 0;
  let written = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    const ps: Point[] = [];
    while (ps.length < batch) ps.push(...points(i++));
    written += (await b.write(ps)).written;
  }
  return written / ((performance.now() - start) / 1000);
}

async function pipelineRate(b: HistoryBackend, batch: number) {
  const broker = await createEmbeddedBroker({ log, auth: { authenticate: async () => principal('bench', 'admin', topicsFor('dojot')) }, host: '127.0.0.1', port: 0, limits: brokerLimits(loadConfig({})), topics: topicsFor('dojot') });
  const bus = createEmbeddedBus(broker.aedes, log);
  const persister = createPersister({ bus, backend: b, topics: topicsFor('dojot'), spoolDir: mkdtempSync(path.join(tmpdir(), 'hspool-')), log, batch: { maxPoints: batch, maxAgeMs: 1000 } });
  await persister.start();
  const total = MESSAGES * 2;
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    bus.publish(`bench:cp-${i % 1000}/attrs`, attrs(i), { qos: 1 });
    if (i % 2000 === 1999) await bus.flush();
  }
  await bus.flush();
  while (persister.stats().written < total) await new Promise((r) => setTimeout(r, 5));
  const rate = total / ((performance.now() - start) / 1000);
  await persister.stop();
  await bus.close();
  await broker.close();
  return rate;
}

const influx = opts.backends.includes('influxdb1') && !opts.influxUrl ? await startInfluxd() : undefined;
const influxUrl = opts.influxUrl ?? influx?.url;
const rows: Array<{ backend: string; batch: number; backendPointsPerSec: number; pipelinePointsPerSec: number }> = [];
let n = 0;
for (const name of opts.backends.split(',')) {
  for (const batch of BATCHES) {
    process.stderr.write(`${name}, batch ${batch}: backend ${opts.duration}s ... `);
    const b1 = await openBackend(name, influxUrl, n++);
    const backendPointsPerSec = await backendRate(b1, batch);
    await b1.close();
    process.stderr.write(`pipeline ${MESSAGES} messages ... `);
    const b2 = await openBackend(name, influxUrl, n++);
    const pipelinePointsPerSec = await pipelineRate(b2, batch);
    await b2.close();
    process.stderr.write('done\n');
    rows.push({ backend: name, batch, backendPointsPerSec: Math.round(backendPointsPerSec), pipelinePointsPerSec: Math.round(pipelinePointsPerSec) });
  }
}
await influx?.destroy();

console.log('\nhistory write rate (points/s; a point = one series at one time, 1-7 float fields)');
console.table(rows);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/history-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), durationSec: DURATION_MS / 1000, messages: MESSAGES, rows }, null, 2));
console.log(`written ${file}`);
