/**
 * Issue 7: a small `npm run bench` (a few hundred simulated chargers, under a minute) on every
 * test run. It asserts what must hold at any speed — every charger connected, every MeterValues
 * the gateway acknowledged reached the MQTT subscriber — never a time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

it('bench: 250 simulated chargers, 1 s interval, 2 simulator processes: 0 lost', async () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'bench-test-')), 'result.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--chargers', '250', '--interval', '1', '--duration', '8', '--sim-procs', '2', '--sources', '2', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code, log).toBe(0);
  const r = JSON.parse(readFileSync(out, 'utf8'));
  expect(r.connected).toBe(250);
  expect(r.failedConnects).toBe(0);
  expect(r.callErrors).toBe(0);
  expect(r.meterValuesAcked).toBeGreaterThan(250 * 8);
  expect(r.lost).toBe(0);
  expect(r.telemetryReceived).toBe(r.meterValuesAcked);
}, 90_000);
