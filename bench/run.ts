/**
 * npm run bench — the same load against the bare pass-through pipeline (bench/bare.ts) and
 * against chargebridge as `npm start` runs it (all roles, history into the embedded store, the
 * Node flags of package.json's start script), one after the other in one invocation; prints
 * both side by side with the ratios and the issue-14 targets each run meets (bench/targets.ts).
 *
 *   npm run bench                                                  (500 chargers, 10 s, 30 s)
 *   npm run bench -- --chargers 1000 --interval 0.2               (5,000 MeterValues/s offered)
 *   npm run bench -- --configs bare,no-history,shipped ...         (history on vs off too)
 *   npm run bench -- --chargers 500 --interval 0.5 --flood 20      (pipelining chargers beside)
 *   npm run bench -- --chargers 500 --interval 0.5 --http-load 1000 (heavy HTTP requests)
 *   npm run bench -- --chargers 18000 --sim-procs 2 --sources 8 --ramp 600 --duration 60
 *   npm run bench -- --no-bare --no-history --nice-sims ...        (the earlier figures' setup)
 *   npm run bench -- --workers 2 ...                               (2 gateway processes, Mosquitto)
 *
 * Each run: the system starts, N simulated chargers (simulator/, in --sim-procs processes over
 * --sources loopback addresses) ramp up and reach their rhythm, then a fixed window is measured
 * with a real MQTT subscriber on `+/attrs` (bench/subscriber.ts): MeterValues/s delivered,
 * CALL→CALLRESULT at the chargers, frame-in → subscriber latency, lost (answered − received,
 * after the calls in flight completed), CPU and RSS of the system. Writes
 * bench/results/<timestamp>.json. Timing lives here, never in tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { meteredOutlets } from '../simulator/fleet.ts';
import { formatProtocolMix, parseProtocolMix } from '../simulator/protocol-mix.ts';
import { BENCH_DC_SHARE, runScenario, type Load, type RunResult } from './scenario.ts';
import type { SystemKind } from './system.ts';
import { log, machineBusySeconds } from './system.ts';
import { checkTargets, offeredPerSecond, type Verdict } from './targets.ts';

const opts = new Command()
  .option('--chargers <n>', 'simulated chargers', '500')
  .option('--interval <s>', 'MeterValues interval per charger, seconds', '10')
  .option('--duration <s>', 'steady-state window, seconds', '30')
  .option('--ramp <n>', 'connections opened per second (all simulator processes)', '500')
  .option('--sources <n>', 'loopback source addresses to spread connections over', '4')
  .option('--sim-procs <n>', 'simulator processes', '1')
  .option('--protocols <mix>', 'OCPP versions of the simulated chargers by share, e.g. 1.6=0.5,2.0.1=0.3,2.1=0.2 (a 2.0.1 / 2.1 DC charger has two EVSEs: two samples per interval)', '1.6=1')
  .option('--configs <list>', 'systems to run the load against: bare, shipped (`chargebridge start`, as `npm start`), no-history (--roles broker,gateway,registry)', 'bare,shipped')
  .option('--no-bare', 'skip the bare pass-through pipeline')
  .option('--no-history', 'the real system without the history role (replaces shipped by no-history)')
  .option('--roles <list>', 'the real system as `chargebridge start --roles <list>` (replaces shipped)')
  .option('--workers <n>', 'gateway processes (more than 1: Mosquitto as the shared broker, a registry process, no history)', '1')
  .option('--nice-sims', 'run the simulators at nice 19 (default: normal priority, as a separate machine would)', false)
  .option('--flood <n>', 'also run N chargers that pipeline MeterValues as fast as they can (OCPP-J 1.6 §4.1.1 violated), then SIGTERM during the flood', '0')
  .option('--http-load <n>', 'keep N heavy HTTP requests in flight during the window', '0')
  .option('--http-devices <n>', 'devices registered (POST /devices) before --http-load', '1000')
  .option('--http-path <path>', 'what --http-load requests', '/devices?limit=1000')
  .option('--wait-quiet <s>', 'before each run, wait up to this long for the machine to be idle (others below 15 % of a core over 3 s)', '0')
  .option('--fail-on-targets', 'exit 3 when a target is not met', false)
  .option('--out <file>', 'JSON result file (default bench/results/<timestamp>.json)')
  .parse(process.argv)
  .opts<{ chargers: string; interval: string; duration: string; ramp: string; sources: string; simProcs: string; protocols: string; configs: string; bare: boolean; history: boolean; roles?: string; workers: string; niceSims: boolean; flood: string; httpLoad: string; httpDevices: string; httpPath: string; failOnTargets: boolean; waitQuiet: string; out?: string }>();

let mix;
try {
  mix = parseProtocolMix(opts.protocols);
} catch (err) {
  process.stderr.write(`--protocols: ${(err as Error).message}\n`);
  process.exit(2);
}
const load: Load = {
  chargers: Number(opts.chargers),
  intervalS: Number(opts.interval),
  protocols: formatProtocolMix(mix),
  outlets: meteredOutlets(Number(opts.chargers), BENCH_DC_SHARE, mix),
  durationS: Number(opts.duration),
  ramp: Number(opts.ramp),
  sources: Number(opts.sources),
  simProcs: Number(opts.simProcs),
  niceSims: opts.niceSims,
  flood: Number(opts.flood),
  httpLoad: Number(opts.httpLoad),
  httpDevices: Number(opts.httpDevices),
  httpPath: opts.httpPath,
};

/** The configurations to run, in the order they run (see ORDER). */
function configurations(): Array<[string, SystemKind]> {
  const known: Record<string, SystemKind> = {
    bare: { kind: 'bare' },
    'no-history': { kind: 'start', roles: ['broker', 'gateway', 'registry'] },
    // No --roles: exactly what `npm start` runs (bin/chargebridge.ts start).
    shipped: { kind: 'start', roles: null },
  };
  let names = opts.configs.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !(n in known));
  if (bad) throw new Error(`unknown configuration "${bad}" (bare, shipped, no-history)`);
  if (!opts.bare) names = names.filter((n) => n !== 'bare');
  const picked: Array<[string, SystemKind]> = names.map((n) => [n, known[n]!]);
  const replaceShipped = (entry: [string, SystemKind]) => {
    const i = picked.findIndex(([n]) => n === 'shipped');
    if (i >= 0) picked.splice(i, 1);
    if (!picked.some(([n]) => n === entry[0])) picked.push(entry);
  };
  if (!opts.history) replaceShipped(['no-history', known['no-history']!]);
  if (opts.roles) replaceShipped([`roles:${opts.roles}`, { kind: 'start', roles: opts.roles.split(',') }]);
  if (Number(opts.workers) > 1) {
    for (let i = picked.length - 1; i >= 0; i--) if (picked[i]![0] !== 'bare') picked.splice(i, 1);
    picked.push([`workers:${opts.workers}`, { kind: 'workers', workers: Number(opts.workers) }]);
  }
  // Bare first, the configuration that writes most last: the dirty pages a run leaves behind
  // (the journal's segments, SQLite's) are written back by the kernel for up to 30 s after it,
  // and would otherwise land in the next run's window.
  const rank = (n: string) => (n === 'bare' ? 0 : n === 'no-history' ? 1 : n === 'shipped' ? 3 : 2);
  return picked.sort((a, b) => rank(a[0]) - rank(b[0]));
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100)) : '—');
const four = (p: { p50: number; p95: number; p99: number; max: number }) => [p.p50, p.p95, p.p99, p.max].map(fmt).join(' / ');
function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function report(runs: RunResult[], verdicts: Verdict[]): string {
  const parts: string[] = [];
  parts.push(
    table(
      ['config', 'chargers', 'delivered /s', 'answered /s', 'CALL→RESULT p50 / p95 / p99 / max ms', 'frame→MQTT p50 / p95 / p99 / max ms', 'lost', 'system CPU %', 'system RSS MiB', 'RSS per charger KiB', 'simulators CPU %', 'subscriber CPU %', 'subscriber disconnected', 'others CPU %'],
      runs.map((r) => [r.config, `${r.connected}/${load.chargers}`, fmt(r.meterValuesPerSecond), fmt(r.meterValuesAckedPerSecond), four(r.callLatencyMs), four(r.frameToSubscriberMs), String(r.lost), fmt(r.gateway.cpuPercent), fmt(r.gateway.rssMiB), fmt(r.gateway.rssPerChargerKiB), fmt(r.simulatorCpuPercent), fmt(r.subscriberCpuPercent), String(r.subscriberDisconnects), fmt(r.othersCpuPercent)]),
    ),
  );
  const bare = runs.find((r) => r.config === 'bare');
  const others = runs.filter((r) => r.config !== 'bare');
  if (bare && others.length) {
    const ratio = (a: number, b: number) => fmt(a / b);
    parts.push(
      table(
        ['÷ bare', ...others.map((r) => r.config)],
        [
          ['delivered', ...others.map((r) => ratio(r.meterValuesPerSecond, bare.meterValuesPerSecond))],
          ['frame→MQTT p99', ...others.map((r) => ratio(r.frameToSubscriberMs.p99, bare.frameToSubscriberMs.p99))],
          ['CALL→RESULT p99', ...others.map((r) => ratio(r.callLatencyMs.p99, bare.callLatencyMs.p99))],
          ['system CPU', ...others.map((r) => ratio(r.gateway.cpuPercent, bare.gateway.cpuPercent))],
          ['system RSS', ...others.map((r) => ratio(r.gateway.rssMiB, bare.gateway.rssMiB))],
        ],
      ),
    );
  }
  const flooded = runs.filter((r) => r.flood);
  if (flooded.length) {
    parts.push(
      table(
        ['config', 'flooders', 'frames sent (window / all)', 'answered (window / all)', 'CALLERRORs', 'flood samples on MQTT', 'closed by server', 'RSS before → peak MiB (growth)', 'compliant lost: 15 s after / after exit', 'SIGTERM → exit s', 'flooders CPU %'],
        flooded.map((r) => {
          const f = r.flood!;
          return [r.config, `${f.connected}/${f.flooders}`, `${fmt(f.sentInWindow)} / ${fmt(f.framesSent)}`, `${fmt(f.answeredInWindow)} / ${fmt(f.framesAnswered)}`, fmt(f.callErrors), fmt(f.samplesOnMqtt), String(f.closedByServer), `${fmt(f.rssBeforeMiB)} → ${fmt(f.rssPeakMiB)} (+${fmt(f.rssGrowthMiB)})`, `${f.lostBeforeSigterm} / ${r.lost}`, f.sigtermExitSeconds === null ? 'no exit in 30 s' : `${fmt(f.sigtermExitSeconds)} (exit ${f.sigtermExitCode})`, fmt(f.flooderCpuPercent)];
        }),
      ),
    );
  }
  const httped = runs.filter((r) => r.http);
  if (httped.length) {
    parts.push(
      table(
        ['config', 'in flight', 'request', 'requests /s', 'MiB/s', 'latency p50 / p95 / p99 / max ms', 'statuses', 'client CPU %'],
        httped.map((r) => {
          const h = r.http!;
          return [r.config, String(h.concurrency), `GET ${h.path} (${h.devices} devices registered, plus the chargers)`, fmt(h.requestsPerSecond), fmt(h.mibPerSecond), four(h.latencyMs), Object.entries(h.statuses).map(([k, n]) => `${k}: ${n}`).join(', '), fmt(h.clientCpuPercent)];
        }),
      ),
    );
  }
  if (verdicts.length) parts.push(table(['config', 'target', 'value', 'limit', 'met'], verdicts.map((t) => [t.config, t.target, fmt(t.value), t.limit, t.met ? 'yes' : '**no**'])));
  return parts.join('\n\n');
}

const configs = configurations();
log(`bench: ${load.chargers} chargers (OCPP ${load.protocols}, ${load.outlets} metered outlets) × 1/${load.intervalS} s = ${fmt(offeredPerSecond(load))} MeterValues/s offered, ${load.durationS} s windows; runs: ${configs.map(([n]) => n).join(' → ')}; simulators ${load.niceSims ? 'at nice 19' : 'at normal priority'}; all on this machine's ${os.cpus().length} cores`);
const runs: RunResult[] = [];
/** This machine is shared: wait (up to --wait-quiet seconds) until nobody else keeps it busy. */
async function waitQuiet() {
  const deadline = Date.now() + Number(opts.waitQuiet) * 1000;
  for (;;) {
    const t = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 3000));
    const busy = ((machineBusySeconds() - t) / 3) * 100;
    if (busy < 15) return;
    if (Date.now() > deadline) return log(`machine still busy (${Math.round(busy)} % of a core by others): running anyway`);
    log(`machine busy (${Math.round(busy)} % of a core by others): waiting`);
  }
}

for (const [name, sys] of configs) {
  if (Number(opts.waitQuiet) > 0) await waitQuiet();
  runs.push(await runScenario(name, sys, load));
  // A breath between runs: the previous run's sockets in TIME_WAIT, its processes' exit.
  await new Promise((r) => setTimeout(r, 2000));
}
const verdicts = checkTargets(runs, load);
const result = {
  machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, memGiB: Math.round((os.totalmem() / 2 ** 30) * 100) / 100, loadAverage: os.loadavg() },
  params: { ...load, offeredPerSecond: offeredPerSecond(load), workers: Number(opts.workers), order: configs.map(([n]) => n), gatewayNodeOptions: process.env['BENCH_GATEWAY_NODE_OPTIONS'] ?? '', systemEnv: process.env['BENCH_SYSTEM_ENV'] ?? '' },
  runs,
  targets: verdicts,
};
process.stdout.write(`\n${report(runs, verdicts)}\n\n`);
mkdirSync('bench/results', { recursive: true });
const file = opts.out ?? `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(result, null, 2));
log(`results: ${file}`);
const clean = runs.every((r) => r.lost === 0 && r.failedConnects === 0);
process.exit(!clean ? 1 : opts.failOnTargets && verdicts.some((v) => !v.met) ? 3 : 0);
