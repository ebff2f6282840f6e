/**
 * One measured run of `npm run bench` against one system under test: start it, ramp the
 * simulated chargers, let them reach their rhythm, measure a fixed window (optionally with
 * flooders pipelining beside them, or heavy HTTP requests), then count what was lost and stop.
 * bench/run.ts runs this once per configuration, with the same load, in one invocation.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, machineBusySeconds, procStats, Processes, startSystem, TOKEN, type System, type SystemKind } from './system.ts';
import { subscribe } from './subscriber.ts';
import { topicsFor } from '../contracts/topics.ts';
import { loadConfig } from '../common/config.ts';

/** The simulators' DC fast charger share (bench/sim-worker.ts), the rest AC wallboxes. */
export const BENCH_DC_SHARE = 0.5;

export interface Load {
  chargers: number;
  intervalS: number;
  /** OCPP versions of the simulated chargers by share (simulator/protocol-mix.ts), e.g. `1.6=0.5,2.0.1=0.3,2.1=0.2`. */
  protocols: string;
  /** Outlets sampling at once (2.0.1 / 2.1 DC stations have two EVSEs): the offered rate is this ÷ the interval. */
  outlets: number;
  durationS: number;
  ramp: number;
  sources: number;
  simProcs: number;
  niceSims: boolean;
  /** Pipelining chargers beside the compliant ones (0: none). */
  flood: number;
  /** Heavy HTTP requests kept in flight during the window (0: none). */
  httpLoad: number;
  httpDevices: number;
  httpPath: string;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const round = (v: number) => Math.round(v * 100) / 100;
const percentiles = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { p50: round(pct(s, 50)), p95: round(pct(s, 95)), p99: round(pct(s, 99)), max: round(s.at(-1) ?? NaN) };
};
export type Percentiles = ReturnType<typeof percentiles>;

interface SimDone {
  window: { meterValues: number; callErrors: number; calls: number };
  totals: { meterValues: number; callErrors: number; connected: number };
  /** Calls still unanswered 35 s after the chargers stopped sending. */
  inFlight: number;
  latencies: number[];
}
type Ramped = { connected: number; failed: number; rampSeconds: number; lastError: string | null };
interface FloodReport { connected: number; failed: number; closed: number; sent: number; answered: number; callErrors: number; lastError: string | null }
interface HttpDone { seconds: number; requests: number; bytes: number; statuses: Record<string, number>; latencies: number[]; lastError: string | null; leftInFlight: number }

export interface RunResult {
  config: string;
  /** The machine's 1/5/15-minute load averages when the run started: others share it. */
  loadAverageAtStart: number[];
  system: SystemKind;
  connected: number;
  failedConnects: number;
  connectRatePerSecond: number;
  /** Compliant chargers' samples received by the subscriber during the window, per second. */
  meterValuesPerSecond: number;
  /** MeterValues the system answered during the window, per second (what the chargers got to send). */
  meterValuesAckedPerSecond: number;
  callErrors: number;
  callLatencyMs: Percentiles;
  frameToSubscriberMs: Percentiles;
  /** How many samples frameToSubscriberMs is over (compliant samples taken in the window and received). */
  frameToSubscriberSamples: number;
  meterValuesAcked: number;
  /** Calls the chargers still had unanswered 35 s after they stopped sending. */
  callsUnanswered: number;
  telemetryReceived: number;
  lost: number;
  gateway: { processes: number; cpuPercent: number; rssMiB: number; rssPerChargerKiB: number; rssBeforeWindowMiB: number; rssPeakMiB: number };
  simulatorCpuPercent: number;
  /** The bench process itself (the MQTT subscriber), on the same cores. */
  subscriberCpuPercent: number;
  /** CPU (100 % = one core) used during the window by what is not this run's: other work on the machine. */
  othersCpuPercent: number;
  /** Times the system closed the subscriber's connection (it reconnects; what was queued for it is gone). */
  subscriberDisconnects: number;
  flood?: {
    flooders: number;
    connected: number;
    framesSent: number;
    framesAnswered: number;
    callErrors: number;
    answeredInWindow: number;
    sentInWindow: number;
    samplesOnMqtt: number;
    closedByServer: number;
    rssBeforeMiB: number;
    rssPeakMiB: number;
    rssGrowthMiB: number;
    sigtermExitSeconds: number | null;
    sigtermExitCode: number | string | null;
    /** Compliant samples answered but not received 15 s after the chargers stopped, flood still on. */
    lostBeforeSigterm: number;
    flooderCpuPercent: number;
    lastError: string | null;
  };
  http?: { clientCpuPercent: number; concurrency: number; devices: number; path: string; requests: number; requestsPerSecond: number; mibPerSecond: number; statuses: Record<string, number>; latencyMs: Percentiles; lastError: string | null };
}

const once = <T>(c: ChildProcess, send?: string) =>
  new Promise<T>((r) => {
    c.once('message', (m: T) => r(m));
    if (send) c.send(send);
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST /devices n times (20 at a time): the registry GET /devices?limit=1000 pages through. */
async function registerDevices(httpUrl: string, n: number) {
  let next = 0;
  const one = async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await fetch(`${httpUrl}/devices`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ chargePointId: `HTTP-${String(i).padStart(6, '0')}`, label: `bench device ${i}`, site: { name: 'Bench site', address: 'Loopback 1', lat: 52.5, lng: 13.4 } }) });
      if (res.status !== 201) throw new Error(`POST /devices: HTTP ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, one));
}

export async function runScenario(config: string, sys: SystemKind, load: Load): Promise<RunResult> {
  const loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const p = new Processes(load.niceSims);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-bench-'));
  const system: System = await startSystem(p, sys, dir);
  const sumStats = () => system.pids.map(procStats).reduce((a, s) => ({ cpuSeconds: a.cpuSeconds + s.cpuSeconds, rssKiB: a.rssKiB + s.rssKiB }), { cpuSeconds: 0, rssKiB: 0 });
  const base = sumStats();
  log(`[${config}] up: ${system.ocppUrls.join(' ')}`);

  const http = load.httpLoad > 0 && system.httpUrl ? { url: system.httpUrl } : null;
  if (load.httpLoad > 0 && !http) log(`[${config}] no HTTP API: the fleet runs without the HTTP load (a reference for the chargers' round trip)`);
  if (http) {
    const t = performance.now();
    await registerDevices(http.url, load.httpDevices);
    log(`[${config}] registered ${load.httpDevices} devices in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  // The systems under test run with the default topic layout (system.ts sets no MQTT_TOPIC_LAYOUT).
  const sub = await subscribe(system.mqttUrl, system.mqttAuth, topicsFor(loadConfig({}).MQTT_TOPIC_LAYOUT));

  // Ramp: the simulator processes split the chargers.
  const N = load.chargers;
  const t0 = performance.now();
  const share = (k: number) => Math.floor(N / load.simProcs) + (k < N % load.simProcs ? 1 : 0);
  const sims = Array.from({ length: load.simProcs }, (_, k) => {
    const offset = Array.from({ length: k }, (_, j) => share(j)).reduce((a, b) => a + b, 0);
    const cfg = { url: system.ocppUrls, chargers: share(k), offset, interval: load.intervalS, ramp: load.ramp / load.simProcs, sources: load.sources, dcShare: BENCH_DC_SHARE, protocols: load.protocols };
    return p.spawn('simulator', ['bench/sim-worker.ts', JSON.stringify(cfg)], {}, `simulator ${k}`);
  });
  const progress = setInterval(() => log(`[${config}] ramping… ${Math.round((performance.now() - t0) / 1000)} s, ${sub.received} samples received so far`), 5000);
  const ramped = await Promise.all(sims.map((s) => once<Ramped>(s)));
  clearInterval(progress);
  const rampSeconds = (performance.now() - t0) / 1000;
  const connected = ramped.reduce((a, r) => a + r.connected, 0);
  const failed = ramped.reduce((a, r) => a + r.failed, 0);
  log(`[${config}] ramped ${connected}/${N} in ${rampSeconds.toFixed(1)} s (${failed} failed${failed ? `; last error: ${ramped.map((r) => r.lastError).find(Boolean)}` : ''})`);

  let flooder: ChildProcess | null = null;
  if (load.flood > 0) {
    flooder = p.spawn('load', ['bench/flood-worker.ts', JSON.stringify({ url: system.ocppUrls[0], count: load.flood, prefix: 'FLOOD-', sources: load.sources })], {}, 'flooders');
    const ready = await once<FloodReport>(flooder);
    log(`[${config}] ${ready.connected}/${load.flood} flooders booted${ready.failed ? ` (last error: ${ready.lastError})` : ''}`);
  }
  let httpLoad: ChildProcess | null = null;
  if (http) {
    httpLoad = p.spawn('load', ['bench/http-load.ts', JSON.stringify({ url: `${http.url}${load.httpPath}`, token: TOKEN, concurrency: load.httpLoad })], {}, 'http load');
    await once(httpLoad);
  }

  // Let every charger start its session and reach its sampling rhythm, then measure.
  await sleep(Math.min(15_000, load.intervalS * 1000 + 2000));
  const rampedRss = sumStats().rssKiB;
  for (const s of sims) s.send('measure');
  sub.measure(true);
  const start = sumStats();
  const simCpu = () => sims.map((c) => procStats(c.pid!).cpuSeconds).reduce((a, b) => a + b, 0);
  const simStart = simCpu();
  const benchStart = process.cpuUsage();
  const flooderStart = flooder ? procStats(flooder.pid!).cpuSeconds : 0;
  const httpCpu = () => (httpLoad ? procStats(httpLoad.pid!).cpuSeconds : 0);
  const httpStart = httpCpu();
  const machineStart = machineBusySeconds();
  let peakRss = rampedRss;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, sumStats().rssKiB);
    } catch {
      // The system exited (the flood's SIGTERM): nothing more to sample.
    }
  }, 250);
  flooder?.send('flood');
  httpLoad?.send('start');
  const runStart = performance.now();
  const ticker = setInterval(() => log(`[${config}] measuring… ${Math.round((performance.now() - runStart) / 1000)}/${load.durationS} s, ${sub.windowReceived} samples`), 5000);
  await sleep(load.durationS * 1000);
  clearInterval(ticker);
  sub.measure(false);
  const runSeconds = (performance.now() - runStart) / 1000;
  const end = sumStats();
  const simEnd = simCpu();
  const benchCpu = process.cpuUsage(benchStart);
  const flooderEnd = flooder ? procStats(flooder.pid!).cpuSeconds : 0;
  const httpEnd = httpCpu();
  const machineEnd = machineBusySeconds();
  const floodAtEnd = flooder ? await once<FloodReport>(flooder, 'report') : null;
  if (httpLoad) p.expectExit(httpLoad);
  const httpDone = httpLoad ? await once<HttpDone>(httpLoad, 'stop') : null;

  const done = await Promise.all(sims.map((s) => once<SimDone>(s, 'quiesce')));
  // Let the last publishes arrive.
  const acked = done.reduce((a, d) => a + d.totals.meterValues, 0);
  for (const deadline = Date.now() + 15_000; sub.received < acked && Date.now() < deadline; ) await sleep(100);
  const receivedBeforeSigterm = sub.received;
  const subscriberDisconnects = sub.disconnects;

  // The flood's SIGTERM: while the flooders still pipeline, how long until the process is gone.
  let sigterm: { seconds: number | null; code: number | string | null } | null = null;
  if (flooder) {
    p.expectExit(system.main);
    const t = performance.now();
    const exited = new Promise<number | string | null>((r) => system.main.once('exit', (code, signal) => r(code ?? signal)));
    system.main.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)]);
    sigterm = code === 'timeout' ? { seconds: null, code: 'still running after 30 s' } : { seconds: round((performance.now() - t) / 1000), code };
    // What the broker still delivers while the gateway shuts down counts as received (late).
    await sleep(500);
    log(`[${config}] SIGTERM during the flood: ${sigterm.seconds === null ? 'no exit within 30 s' : `exited ${sigterm.code} after ${sigterm.seconds} s`}`);
  }
  clearInterval(sampler);
  if (flooder) p.expectExit(flooder);
  const floodFinal = flooder ? await once<FloodReport>(flooder, 'stop') : null;
  for (const s of sims) p.expectExit(s);
  await Promise.all(sims.map((s) => once(s, 'stop')));

  const rtt = done.flatMap((d) => d.latencies);
  const windowAcked = done.reduce((a, d) => a + d.window.meterValues, 0);
  const received = sub.received;
  const result: RunResult = {
    config,
    loadAverageAtStart,
    system: sys,
    connected,
    failedConnects: failed,
    connectRatePerSecond: round(connected / rampSeconds),
    meterValuesPerSecond: round(sub.windowReceived / runSeconds),
    meterValuesAckedPerSecond: round(windowAcked / runSeconds),
    callErrors: done.reduce((a, d) => a + d.totals.callErrors, 0),
    callLatencyMs: percentiles(rtt),
    frameToSubscriberMs: percentiles(sub.e2e),
    frameToSubscriberSamples: sub.e2e.length,
    meterValuesAcked: acked,
    callsUnanswered: done.reduce((a, d) => a + d.inFlight, 0),
    telemetryReceived: received,
    lost: acked - received,
    gateway: {
      processes: system.pids.length,
      cpuPercent: round(((end.cpuSeconds - start.cpuSeconds) / runSeconds) * 100),
      rssMiB: round(end.rssKiB / 1024),
      rssPerChargerKiB: round((rampedRss - base.rssKiB) / Math.max(1, connected)),
      rssBeforeWindowMiB: round(rampedRss / 1024),
      rssPeakMiB: round(peakRss / 1024),
    },
    // The simulators share the machine: when system + simulators need more than the cores,
    // tail latency measures the scheduler, not the gateway.
    simulatorCpuPercent: round(((simEnd - simStart) / runSeconds) * 100),
    subscriberCpuPercent: round(((benchCpu.user + benchCpu.system) / 1e6 / runSeconds) * 100),
    subscriberDisconnects,
    // Everything else that ran on the cores meanwhile: other people's work on this shared
    // machine, and kernel time no process was charged with.
    othersCpuPercent: round(((machineEnd - machineStart - (end.cpuSeconds - start.cpuSeconds) - (simEnd - simStart) - (flooderEnd - flooderStart) - (httpEnd - httpStart) - (benchCpu.user + benchCpu.system) / 1e6) / runSeconds) * 100),
  };
  if (floodAtEnd && floodFinal) {
    result.flood = {
      flooders: load.flood,
      connected: floodAtEnd.connected,
      framesSent: floodFinal.sent,
      framesAnswered: floodFinal.answered,
      callErrors: floodFinal.callErrors,
      sentInWindow: floodAtEnd.sent,
      answeredInWindow: floodAtEnd.answered,
      samplesOnMqtt: sub.floodReceived,
      closedByServer: floodAtEnd.closed,
      rssBeforeMiB: round(rampedRss / 1024),
      rssPeakMiB: round(peakRss / 1024),
      rssGrowthMiB: round((peakRss - rampedRss) / 1024),
      sigtermExitSeconds: sigterm?.seconds ?? null,
      sigtermExitCode: sigterm?.code ?? null,
      lostBeforeSigterm: acked - receivedBeforeSigterm,
      flooderCpuPercent: round(((flooderEnd - flooderStart) / runSeconds) * 100),
      lastError: floodFinal.lastError,
    };
  }
  if (httpDone) {
    result.http = {
      clientCpuPercent: round(((httpEnd - httpStart) / runSeconds) * 100),
      concurrency: load.httpLoad,
      devices: load.httpDevices,
      path: load.httpPath,
      requests: httpDone.requests,
      requestsPerSecond: round(httpDone.requests / httpDone.seconds),
      mibPerSecond: round(httpDone.bytes / 2 ** 20 / httpDone.seconds),
      statuses: httpDone.statuses,
      latencyMs: percentiles(httpDone.latencies),
      lastError: httpDone.lastError,
    };
  }
  await sub.close();
  await p.stopAll();
  rmSync(dir, { recursive: true, force: true });
  return result;
}
