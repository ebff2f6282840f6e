/**
 * Issue 7: a small `npm run bench` (a few hundred simulated chargers, under a minute per
 * system) on every test run. Since issue 14 it runs the same load against the bare pass-through
 * pipeline (bench/bare.ts) and against chargebridge as `npm start` runs it. It asserts what must
 * hold at any speed — every charger connected, every MeterValues the system acknowledged reached
 * the MQTT subscriber — never a time. The target checks of bench/targets.ts are pure functions,
 * tested here with made-up figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../bench/scenario.ts';
import { checkTargets, rateBand } from '../bench/targets.ts';

it('bench: 250 simulated chargers (1.6, 2.0.1 and 2.1 mixed), 1 s interval, 2 simulator processes, bare pipeline then as shipped: 0 lost', async () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'bench-test-')), 'result.json');
  const child = spawn(process.execPath, ['bench/run.ts', '--chargers', '250', '--interval', '1', '--duration', '8', '--sim-procs', '2', '--sources', '2', '--protocols', '1.6=0.5,2.0.1=0.3,2.1=0.2', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code, log).toBe(0);
  const { runs, params } = JSON.parse(readFileSync(out, 'utf8')) as { runs: RunResult[]; params: { order: string[] } };
  expect(params.order).toEqual(['bare', 'shipped']);
  expect(runs.map((r) => r.config)).toEqual(['bare', 'shipped']);
  // `shipped` is `chargebridge start` without --roles: every role, as `npm start`.
  expect(runs[1]!.system).toEqual({ kind: 'start', roles: null });
  for (const r of runs) {
    expect(r.connected, r.config).toBe(250);
    expect(r.failedConnects, r.config).toBe(0);
    expect(r.callErrors, r.config).toBe(0);
    expect(r.callsUnanswered, r.config).toBe(0);
    expect(r.meterValuesAcked, r.config).toBeGreaterThan(250 * 8);
    expect(r.lost, r.config).toBe(0);
    expect(r.telemetryReceived, r.config).toBe(r.meterValuesAcked);
  }
}, 180_000);

const aRun = (config: string, o: { delivered?: number; e2eP99?: number; rttP99?: number; lost?: number; rssPerChargerKiB?: number } = {}): RunResult =>
  ({
    config,
    meterValuesPerSecond: o.delivered ?? 2000,
    frameToSubscriberMs: { p50: 1, p95: 5, p99: o.e2eP99 ?? 10, max: 20 },
    callLatencyMs: { p50: 1, p95: 5, p99: o.rttP99 ?? 10, max: 20 },
    lost: o.lost ?? 0,
    gateway: { processes: 1, cpuPercent: 50, rssMiB: 200, rssPerChargerKiB: o.rssPerChargerKiB ?? 10, rssBeforeWindowMiB: 200, rssPeakMiB: 200 },
  }) as RunResult;
const load = (chargers: number, intervalS: number) => ({ chargers, intervalS, flood: 0, httpLoad: 0 });
const verdict = (runs: RunResult[], l: ReturnType<typeof load>, target: string) => checkTargets(runs, l).find((v) => v.target.includes(target));

describe('bench targets (issue 14)', () => {
  it.each([
    [400, 0.2, 2000],
    [1000, 0.2, 5000],
    [1000, 0.1, 10000],
    [1000, 0.105, 10000],
    [400, 1, null],
  ] as const)('%i chargers every %f s: rate band %s', (chargers, interval, band) => {
    expect(rateBand({ chargers, intervalS: interval })).toBe(band);
  });

  it.each([
    // bare p99, shipped p99, met: the bound is min(2 × bare, 30 ms)
    [5, 10, true],
    [5, 11, false],
    [20, 30, true],
    [20, 31, false],
  ])('2,000/s: bare p99 %i ms, shipped p99 %i ms: met %s', (bareP99, p99, met) => {
    expect(verdict([aRun('bare', { e2eP99: bareP99 }), aRun('shipped', { e2eP99: p99 })], load(400, 0.2), 'frame→MQTT p99')?.met).toBe(met);
  });

  it.each([
    [2000, 1900, true],
    [2000, 1899, false],
  ])('delivered: bare %i/s, shipped %i/s: ≥ 0.95× met %s', (bare, shipped, met) => {
    expect(verdict([aRun('bare', { delivered: bare }), aRun('shipped', { delivered: shipped })], load(400, 0.2), 'delivered ÷ bare')?.met).toBe(met);
  });

  it('10,000/s: an absolute 150 ms bound on frame→MQTT p99', () => {
    const runs = [aRun('bare', { delivered: 9000, e2eP99: 20 }), aRun('shipped', { delivered: 9000, e2eP99: 150 })];
    expect(verdict(runs, load(1000, 0.1), 'frame→MQTT p99')).toMatchObject({ limit: '≤ 150', met: true });
  });

  it('history on vs off: delivered within 5 %, p99 within 1.25×', () => {
    const runs = [aRun('no-history', { delivered: 2000, e2eP99: 8, rttP99: 8 }), aRun('shipped', { delivered: 1890, e2eP99: 10, rttP99: 11 })];
    expect(verdict(runs, load(400, 0.2), 'on ÷ off: delivered')?.met).toBe(false);
    expect(verdict(runs, load(400, 0.2), 'on ÷ off: frame→MQTT')?.met).toBe(true);
    expect(verdict(runs, load(400, 0.2), 'on ÷ off: CALL→RESULT')?.met).toBe(false);
  });

  it('18,000 chargers: all connected, p99 under 50 ms, at most 16 KiB per charger, 0 lost', () => {
    const v = checkTargets([aRun('bare'), { ...aRun('shipped', { e2eP99: 49, rssPerChargerKiB: 16.2, lost: 0 }), connected: 18000 }], load(18000, 10));
    expect(v.map((x) => [x.target.split(': ')[1], x.met])).toEqual([
      ['connected', true],
      ['frame→MQTT p99, ms', true],
      ['RSS per charger, KiB', false],
      ['lost', true],
    ]);
  });
});
