/**
 * npm run bench — starts the gateway as its own process (embedded broker), ramps N OCPP-J
 * clients, sends MeterValues (eight sampled values each, as a DC fast charger does) for a fixed
 * time, and reports connect rate, MeterValues/s, CALL->CALLRESULT latency, frame-in -> MQTT
 * subscriber latency, lost messages, and gateway CPU and resident memory per charger.
 *
 *   npm run bench -- --chargers 500 --interval 10 --duration 30
 *   npm run bench -- --chargers 50 --interval 0.005 --duration 20     (throughput run)
 *
 * Prints a table and writes bench/results/<timestamp>.json. Timing lives here, never in tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import mqtt from 'mqtt';
import { RPCClient } from 'ocpp-rpc';

const opts = new Command()
  .option('--chargers <n>', 'simulated chargers', '300')
  .option('--interval <s>', 'MeterValues interval per charger, seconds', '10')
  .option('--duration <s>', 'measured run, seconds', '30')
  .option('--ramp <n>', 'connections opened per second', '500')
  .option('--sources <n>', 'loopback source addresses to spread connections over', '4')
  .parse(process.argv)
  .opts<{ chargers: string; interval: string; duration: string; ramp: string; sources: string }>();

const N = Number(opts.chargers);
const INTERVAL_MS = Number(opts.interval) * 1000;
const DURATION_MS = Number(opts.duration) * 1000;
const RAMP = Number(opts.ramp);
const SOURCES = Number(opts.sources);
const TOKEN = 'bench-admin-token-0123456789abcdef';
let stopping = false;

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

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-bench-'));
  const ports = { ocpp: await freePort(), http: await freePort(), mqtt: await freePort() };
  const gw = spawn(process.execPath, ['--import', 'tsx', 'bin/chargebridge.ts', 'start'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '0.0.0.0',
      OCPP_PORT: String(ports.ocpp),
      HTTP_PORT: String(ports.http),
      MQTT_PORT: String(ports.mqtt),
      DATA_DIR: dir,
      API_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      HEARTBEAT_INTERVAL: '300',
      WS_PING_INTERVAL: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  gw.on('exit', (c) => {
    if (!stopping) {
      process.stderr.write(`gateway exited ${c}\n`);
      process.exit(2);
    }
  });
  for (const deadline = Date.now() + 30_000; ; ) {
    if ((await fetch(`http://127.0.0.1:${ports.http}/health`).then((r) => r.status, () => 0)) === 200) break;
    if (Date.now() > deadline) throw new Error('gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = procStats(gw.pid!);
  process.stderr.write(`gateway up ${JSON.stringify(ports)}\n`);

  // The platform side: one MQTT subscriber for every charger's telemetry.
  const sentAt = new Map<string, number>();
  const deviceOf = new Map<string, string>(); // deviceId -> identity
  const e2e: number[] = [];
  let received = 0;
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { username: 'admin', password: TOKEN });
  sub.on('message', (topic, payload) => {
    const slash = topic.indexOf('/');
    const deviceId = topic.slice(topic.indexOf(':') + 1, slash);
    if (topic.endsWith('/state')) {
      const s = JSON.parse(payload.toString()) as { chargePointId: string };
      deviceOf.set(deviceId, s.chargePointId);
      return;
    }
    const now = performance.now();
    const { timestamp } = JSON.parse(payload.toString()) as { timestamp: string };
    const key = `${deviceOf.get(deviceId)}|${timestamp}`;
    const t = sentAt.get(key);
    if (t !== undefined) {
      e2e.push(now - t);
      sentAt.delete(key);
      received++;
    }
  });
  await sub.subscribeAsync(['+/attrs', '+/state'], { qos: 1 });

  // Ramp up.
  const clients: RPCClient[] = [];
  const t0 = performance.now();
  let failed = 0;
  for (let i = 0; i < N; i++) {
    const identity = `BENCH-${String(i).padStart(6, '0')}`;
    const c = new RPCClient({
      endpoint: `ws://127.0.0.1:${ports.ocpp}`,
      identity,
      protocols: ['ocpp1.6'],
      strictMode: false,
      reconnect: false,
      pingIntervalMs: 0,
      wsOpts: { localAddress: `127.0.0.${1 + (i % SOURCES)}` },
    } as ConstructorParameters<typeof RPCClient>[0]);
    const p = c.connect().then(
      () => c.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' }),
      () => {
        failed++;
      },
    );
    clients.push(c);
    if ((i + 1) % RAMP === 0) await new Promise((r) => setTimeout(r, 1000));
    if (i === N - 1) await p;
    if ((i + 1) % 1000 === 0) process.stderr.write(`ramp: ${i + 1}/${N}\n`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const rampSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`ramped ${N - failed}/${N} in ${rampSeconds.toFixed(1)} s\n`);
  const connected = N - failed;

  // Steady state.
  const rtt: number[] = [];
  let sent = 0;
  let errors = 0;
  const start = procStats(gw.pid!);
  const runStart = performance.now();
  let seq = 0;
  const sample = (ts: string, i: number) => ({
    timestamp: ts,
    sampledValue: [
      { value: String(100 + (i % 20)), measurand: 'Current.Import', unit: 'A' },
      { value: String(2_000_000 + i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      { value: String(45_000 + (i % 500)), measurand: 'Power.Active.Import', unit: 'W' },
      { value: String(40 + (i % 50)), measurand: 'SoC', unit: 'Percent', location: 'EV' },
      { value: '400.2', measurand: 'Voltage', unit: 'V' },
      { value: '125', measurand: 'Current.Offered', unit: 'A' },
      { value: '50', measurand: 'Power.Offered', unit: 'kW' },
      { value: '35.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
    ],
  });
  await new Promise<void>((resolve) => {
    const active = clients.filter((c) => c.state === 1);
    let running = active.length;
    for (const [i, c] of active.entries()) {
      const identity = c.identity;
      const loop = async () => {
        // Spread chargers over the interval so load is even.
        await new Promise((r) => setTimeout(r, (i / active.length) * INTERVAL_MS));
        while (performance.now() - runStart < DURATION_MS) {
          const ts = new Date(Date.UTC(2026, 0, 1) + ++seq).toISOString();
          const t = performance.now();
          sentAt.set(`${identity}|${ts}`, t);
          sent++;
          try {
            await c.call('MeterValues', { connectorId: 1, transactionId: 1, meterValue: [sample(ts, seq)] });
            rtt.push(performance.now() - t);
          } catch {
            errors++;
          }
          const wait = INTERVAL_MS - (performance.now() - t);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        if (--running === 0) resolve();
      };
      void loop();
    }
  });
  const runSeconds = (performance.now() - runStart) / 1000;
  await new Promise((r) => setTimeout(r, 2000)); // let the last publishes arrive
  const end = procStats(gw.pid!);

  rtt.sort((a, b) => a - b);
  e2e.sort((a, b) => a - b);
  const result = {
    machine: { cores: (await import('node:os')).cpus().length, node: process.version },
    params: { chargers: N, intervalSeconds: INTERVAL_MS / 1000, durationSeconds: DURATION_MS / 1000, sources: SOURCES },
    connected,
    failedConnects: failed,
    connectRatePerSecond: round(connected / rampSeconds),
    meterValuesSent: sent,
    meterValuesPerSecond: round(sent / runSeconds),
    callErrors: errors,
    callLatencyMs: { p50: round(pct(rtt, 50)), p95: round(pct(rtt, 95)), p99: round(pct(rtt, 99)), max: round(rtt.at(-1) ?? NaN) },
    frameToSubscriberMs: { p50: round(pct(e2e, 50)), p95: round(pct(e2e, 95)), p99: round(pct(e2e, 99)), max: round(e2e.at(-1) ?? NaN) },
    lost: sent - errors - received,
    gateway: {
      cpuPercent: round(((end.cpuSeconds - start.cpuSeconds) / runSeconds) * 100),
      rssMiB: round(end.rssKiB / 1024),
      rssPerChargerKiB: round((end.rssKiB - base.rssKiB) / Math.max(1, connected)),
    },
  };
  console.table({
    chargers: `${connected}/${N}`,
    'connect rate /s': result.connectRatePerSecond,
    'MeterValues /s': result.meterValuesPerSecond,
    'CALL->RESULT p50/p95/p99/max ms': Object.values(result.callLatencyMs).join(' / '),
    'frame->MQTT p50/p95/p99/max ms': Object.values(result.frameToSubscriberMs).join(' / '),
    lost: result.lost,
    'gateway CPU %': result.gateway.cpuPercent,
    'gateway RSS MiB': result.gateway.rssMiB,
    'RSS per charger KiB': result.gateway.rssPerChargerKiB,
  });
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`results: ${file}`);
  for (const c of clients) await c.close({ force: true }).catch(() => undefined);
  await sub.endAsync();
  stopping = true;
  gw.kill('SIGTERM');
  await new Promise((r) => gw.on('exit', r));
  process.exit(result.lost === 0 ? 0 : 1);
}

await main();
