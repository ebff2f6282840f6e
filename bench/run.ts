/**
 * npm run bench — starts the gateway as its own process(es), ramps N simulated chargers
 * (simulator/, in several simulator processes, over several loopback source addresses), runs a
 * fixed steady-state window and reports: chargers connected, connect rate, MeterValues/s
 * sustained (as received by an MQTT subscriber), CALL→CALLRESULT latency, OCPP frame-in → MQTT
 * subscriber latency, messages lost, gateway CPU and resident memory per connected charger.
 *
 *   npm run bench                                               (500 chargers, 10 s, 30 s)
 *   npm run bench -- --chargers 18000 --sim-procs 3 --sources 8 (the fleet target)
 *   npm run bench -- --chargers 400 --interval 0.04             (a throughput run: 10k/s)
 *   npm run bench -- --workers 2 ...                            (2 gateway processes, Mosquitto)
 *
 * Frame-in → subscriber latency is the subscriber's arrival time minus the sample timestamp the
 * simulated charger put in the frame just before sending it (same machine, same clock, 1 ms
 * resolution). Lost = MeterValues the gateway acknowledged − telemetry messages received.
 * Prints a table and writes bench/results/<timestamp>.json. Timing lives here, never in tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import mqtt from 'mqtt';

const opts = new Command()
  .option('--chargers <n>', 'simulated chargers', '500')
  .option('--interval <s>', 'MeterValues interval per charger, seconds', '10')
  .option('--duration <s>', 'steady-state window, seconds', '30')
  .option('--ramp <n>', 'connections opened per second (all simulator processes)', '500')
  .option('--sources <n>', 'loopback source addresses to spread connections over', '4')
  .option('--sim-procs <n>', 'simulator processes', '1')
  .option('--workers <n>', 'gateway processes (more than 1: Mosquitto as the shared broker)', '1')
  .option('--history', 'run the history persister in the gateway process too', false)
  .option('--no-nice-sims', 'run the simulators at normal CPU priority (default: nice 19)')
  .option('--out <file>', 'JSON result file (default bench/results/<timestamp>.json)')
  .parse(process.argv)
  .opts<{ chargers: string; interval: string; duration: string; ramp: string; sources: string; simProcs: string; workers: string; history: boolean; niceSims: boolean; out?: string }>();

const N = Number(opts.chargers);
const INTERVAL = Number(opts.interval);
const DURATION_MS = Number(opts.duration) * 1000;
const SIM_PROCS = Number(opts.simProcs);
const WORKERS = Number(opts.workers);
const TOKEN = 'bench-admin-token-0123456789abcdef';
const children: ChildProcess[] = [];
let stopping = false;
const log = (s: string) => process.stderr.write(`${s}\n`);

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (v: number) => Math.round(v * 100) / 100;

function procStats(pid: number): { cpuSeconds: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime (proc(5))
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuSeconds: ticks / 100, rssKiB: rss };
}

// `node <flags> --import tsx bin/chargebridge.ts start`: the flags between `node` and `--import`.
const startScript = (JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
const START_NODE_FLAGS = startScript.slice(1, startScript.indexOf('--import'));

function spawnChild(args: string[], env: Record<string, string>, name: string): ChildProcess {
  // The gateway runs with the Node flags of `npm start` (package.json, so the two cannot drift),
  // then BENCH_GATEWAY_NODE_OPTIONS (e.g. --trace-gc, --max-semi-space-size=64; the last V8 flag
  // wins). The simulators get a 64 MiB young generation: with thousands of clients each, their own old-space collections
  // otherwise stall them for hundreds of ms and the tail latency measures the load generator.
  const extra = [
    ...(name.startsWith('gateway') ? [...START_NODE_FLAGS, ...(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean)] : []),
    ...(name.startsWith('simulator') ? ['--max-semi-space-size=64'] : []),
  ];
  // Simulators run at the lowest CPU priority: in the field the chargers are not on the gateway's
  // machine, and a load generator that takes the core V8's concurrent GC needs measures itself.
  const niced = name.startsWith('simulator') && opts.niceSims;
  const c = spawn(niced ? 'nice' : process.execPath, niced ? ['-n', '19', process.execPath, ...extra, ...args] : [...extra, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  c.on('exit', (code) => {
    if (!stopping) {
      log(`${name} exited ${code}`);
      process.exit(2);
    }
  });
  children.push(c);
  return c;
}

async function waitHttp(port: number) {
  for (const deadline = Date.now() + 60_000; ; ) {
    if ((await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0)) === 200) return;
    if (Date.now() > deadline) throw new Error('gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitTcp(port: number) {
  for (const deadline = Date.now() + 30_000; ; ) {
    const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Gateway process(es). One: the all-in-one start with the embedded broker. Several: Mosquitto. */
async function startGateways(dir: string) {
  const common = { HOST: '0.0.0.0', DATA_DIR: dir, API_TOKEN: TOKEN, LOG_LEVEL: 'warn' };
  const roles = opts.history ? 'broker,gateway,registry,history' : 'broker,gateway,registry';
  if (WORKERS === 1) {
    const ports = { ocpp: await freePort(), http: await freePort(), mqtt: await freePort() };
    const gw = spawnChild(['--import', 'tsx', 'bin/chargebridge.ts', 'start', '--roles', roles], { ...common, OCPP_PORT: String(ports.ocpp), HTTP_PORT: String(ports.http), MQTT_PORT: String(ports.mqtt) }, 'gateway');
    await waitHttp(ports.http);
    return { pids: [gw.pid!], ocppUrls: [`ws://127.0.0.1:${ports.ocpp}`], mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, mqttAuth: { username: 'admin', password: TOKEN } };
  }
  // Several workers: the stateless design across machines, here on one. Mosquitto is the shared
  // broker; the registry is PostgreSQL when DATABASE_URL is set, else one SQLite file in WAL mode.
  const mqttPort = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n`);
  const mosq = spawn(['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => { try { readFileSync(p); return true; } catch { return false; } }) ?? 'mosquitto', ['-c', conf], { stdio: 'ignore' });
  children.push(mosq);
  await waitTcp(mqttPort);
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const dbUrl = process.env['DATABASE_URL'];
  const db: Record<string, string> = dbUrl ? { DATABASE_URL: dbUrl } : {};
  const httpPort = await freePort();
  const reg = spawnChild(['--import', 'tsx', 'bin/chargebridge.ts', 'registry'], { ...common, ...db, MQTT_URL: mqttUrl, HTTP_PORT: String(httpPort) }, 'registry');
  await waitHttp(httpPort);
  const pids: number[] = [];
  const ocppUrls: string[] = [];
  for (let w = 0; w < WORKERS; w++) {
    const ocpp = await freePort();
    const gw = spawnChild(['--import', 'tsx', 'bin/chargebridge.ts', 'gateway'], { ...common, ...db, MQTT_URL: mqttUrl, OCPP_PORT: String(ocpp) }, `gateway ${w}`);
    pids.push(gw.pid!);
    ocppUrls.push(`ws://127.0.0.1:${ocpp}`);
    await waitTcp(ocpp);
  }
  void reg;
  return { pids, ocppUrls, mqttUrl, mqttAuth: {} };
}

interface SimDone {
  window: { meterValues: number; callErrors: number; calls: number };
  totals: { meterValues: number; callErrors: number; connected: number };
  latencies: number[];
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-bench-'));
  const gw = await startGateways(dir);
  const sumStats = () => gw.pids.map(procStats).reduce((a, s) => ({ cpuSeconds: a.cpuSeconds + s.cpuSeconds, rssKiB: a.rssKiB + s.rssKiB }), { cpuSeconds: 0, rssKiB: 0 });
  const base = sumStats();
  log(`gateway${WORKERS > 1 ? `s (${WORKERS} workers)` : ''} up: ${gw.ocppUrls.join(' ')}`);

  // The platform side: one MQTT subscriber for every charger's telemetry.
  let received = 0;
  let measuring = false;
  const e2e: number[] = [];
  let windowReceived = 0;
  const sub = await mqtt.connectAsync(gw.mqttUrl, { ...gw.mqttAuth, clientId: `bench-${process.pid}` });
  sub.on('message', (_topic, payload) => {
    const now = Date.now();
    // Only MeterValues samples (StartTransaction's meterStart is published too, without power).
    const text = payload.toString();
    if (!text.includes('"power"')) return;
    received++;
    if (measuring) {
      windowReceived++;
      // The subscriber shares the cores with what it measures: read the sample time without
      // parsing the whole message (the gateway writes `"timestamp":"<ISO 8601>"` first).
      const at = text.indexOf('"timestamp":"') + 13;
      e2e.push(now - Date.parse(text.slice(at, text.indexOf('"', at))));
    }
  });
  await sub.subscribeAsync('+/attrs', { qos: 1 });

  // Ramp: the simulator processes split the chargers.
  const t0 = performance.now();
  const sims = Array.from({ length: SIM_PROCS }, (_, k) => {
    const share = Math.floor(N / SIM_PROCS) + (k < N % SIM_PROCS ? 1 : 0);
    const offset = Array.from({ length: k }, (_, j) => Math.floor(N / SIM_PROCS) + (j < N % SIM_PROCS ? 1 : 0)).reduce((a, b) => a + b, 0);
    const cfg = { url: gw.ocppUrls, chargers: share, offset, interval: INTERVAL, ramp: Number(opts.ramp) / SIM_PROCS, sources: Number(opts.sources) };
    return spawnChild(['--import', 'tsx', 'bench/sim-worker.ts', JSON.stringify(cfg)], {}, `simulator ${k}`);
  });
  const progress = setInterval(() => log(`ramping… ${Math.round((performance.now() - t0) / 1000)} s, ${received} samples received so far`), 5000);
  type Ramped = { connected: number; failed: number; rampSeconds: number; lastError: string | null };
  const ramped = await Promise.all(sims.map((s) => new Promise<Ramped>((r) => s.once('message', (m: Ramped) => r(m)))));
  clearInterval(progress);
  const rampSeconds = (performance.now() - t0) / 1000;
  const connected = ramped.reduce((a, r) => a + r.connected, 0);
  const failed = ramped.reduce((a, r) => a + r.failed, 0);
  log(`ramped ${connected}/${N} in ${rampSeconds.toFixed(1)} s (${failed} failed${failed ? `; last error: ${ramped.map((r) => r.lastError).find(Boolean)}` : ''})`);

  // Let every charger start its session and reach its sampling rhythm, then measure.
  await new Promise((r) => setTimeout(r, Math.min(15_000, INTERVAL * 1000 + 2000)));
  const rampedRss = sumStats().rssKiB;
  for (const s of sims) s.send('measure');
  measuring = true;
  const start = sumStats();
  const simStart = sims.map((c) => procStats(c.pid!).cpuSeconds).reduce((a, b) => a + b, 0);
  const runStart = performance.now();
  const ticker = setInterval(() => log(`measuring… ${Math.round((performance.now() - runStart) / 1000)}/${DURATION_MS / 1000} s, ${windowReceived} samples`), 5000);
  await new Promise((r) => setTimeout(r, DURATION_MS));
  clearInterval(ticker);
  measuring = false;
  const runSeconds = (performance.now() - runStart) / 1000;
  const end = sumStats();
  const simEnd = sims.map((c) => procStats(c.pid!).cpuSeconds).reduce((a, b) => a + b, 0);
  stopping = true; // from here on, children exiting is expected
  const done = await Promise.all(sims.map((s) => new Promise<SimDone>((r) => { s.once('message', (m: SimDone) => r(m)); s.send('stop'); })));
  // Let the last publishes arrive.
  const acked = done.reduce((a, d) => a + d.totals.meterValues, 0);
  for (const deadline = Date.now() + 10_000; received < acked && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));

  const rtt = done.flatMap((d) => d.latencies).sort((a, b) => a - b);
  e2e.sort((a, b) => a - b);
  const windowSent = done.reduce((a, d) => a + d.window.meterValues, 0);
  const result = {
    machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, memGiB: round(os.totalmem() / 2 ** 30) },
    params: { chargers: N, intervalSeconds: INTERVAL, durationSeconds: DURATION_MS / 1000, sources: Number(opts.sources), simProcs: SIM_PROCS, workers: WORKERS, history: opts.history, niceSims: opts.niceSims },
    connected,
    failedConnects: failed,
    connectRatePerSecond: round(connected / rampSeconds),
    meterValuesPerSecond: round(windowReceived / runSeconds),
    meterValuesAckedPerSecond: round(windowSent / runSeconds),
    callErrors: done.reduce((a, d) => a + d.totals.callErrors, 0),
    callLatencyMs: { p50: round(pct(rtt, 50)), p95: round(pct(rtt, 95)), p99: round(pct(rtt, 99)), max: round(rtt.at(-1) ?? NaN) },
    frameToSubscriberMs: { p50: pct(e2e, 50), p95: pct(e2e, 95), p99: pct(e2e, 99), max: e2e.at(-1) ?? NaN },
    meterValuesAcked: acked,
    telemetryReceived: received,
    lost: acked - received,
    gateway: {
      processes: WORKERS,
      cpuPercent: round(((end.cpuSeconds - start.cpuSeconds) / runSeconds) * 100),
      rssMiB: round(end.rssKiB / 1024),
      rssPerChargerKiB: round((rampedRss - base.rssKiB) / Math.max(1, connected)),
    },
    // The simulators share the machine: when gateway + simulators need more than the cores,
    // tail latency measures the scheduler, not the gateway.
    simulatorCpuPercent: round(((simEnd - simStart) / runSeconds) * 100),
  };
  console.table({
    chargers: `${connected}/${N}`,
    'connect rate /s': result.connectRatePerSecond,
    'MeterValues /s (received)': result.meterValuesPerSecond,
    'CALL->RESULT p50/p95/p99/max ms': Object.values(result.callLatencyMs).join(' / '),
    'frame->MQTT p50/p95/p99/max ms': Object.values(result.frameToSubscriberMs).join(' / '),
    lost: result.lost,
    'gateway CPU %': result.gateway.cpuPercent,
    'gateway RSS MiB': result.gateway.rssMiB,
    'RSS per charger KiB': result.gateway.rssPerChargerKiB,
    'simulators CPU %': result.simulatorCpuPercent,
  });
  mkdirSync('bench/results', { recursive: true });
  const file = opts.out ?? `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`results: ${file}`);
  await sub.endAsync();
  stopping = true;
  // Newest first: gateways publish their offline shadows before the broker goes.
  for (const c of [...children].reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
  process.exit(result.lost === 0 && failed === 0 ? 0 : 1);
}

await main();
