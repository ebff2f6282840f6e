/**
 * The program as a user runs it: bad configuration stops it with one line naming the variable;
 * a normal start serves chargers; Ctrl-C (SIGINT) shuts down cleanly with exit code 0 after
 * publishing the offline shadow of connected chargers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform } from './harness.ts';

const root = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/chargebridge.ts', 'start'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('chargebridge start', () => {
  it('stops with one line naming each bad variable and a non-zero exit', async () => {
    const p = run({ OCPP_PORT: 'ninety', AUTO_PROVISION: 'maybe' });
    expect(await p.exited).toBe(2);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/OCPP_PORT/);
    expect(lines[0]).toMatch(/AUTO_PROVISION/);
  });

  it('serves a charger and exits 0 on SIGINT after publishing it offline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-cli-'));
    dirs.push(dir);
    const p = run({ OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, API_TOKEN: ADMIN_TOKEN });
    const deadline = Date.now() + 20_000;
    let ready: { ocpp: number; http: number; mqtt: number } | undefined;
    while (!ready && Date.now() < deadline) {
      const line = p.out().split('\n').find((l) => l.includes('chargebridge ready'));
      if (line) ready = JSON.parse(line) as typeof ready;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready, p.err()).toBeDefined();
    const platform = await Platform.connect(`mqtt://127.0.0.1:${ready!.mqtt}`, { subscribe: ['+/state'] });
    const cp = await connectCharger({ ocppUrl: `ws://127.0.0.1:${ready!.ocpp}` }, 'CLI-1');
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await platform.waitFor((m) => m.json['chargePointId'] === 'CLI-1' && m.json['online'] === true);
    const health = await fetch(`http://127.0.0.1:${ready!.http}/health`);
    expect(health.status).toBe(200);

    p.child.kill('SIGINT');
    const off = await platform.waitFor((m) => m.json['chargePointId'] === 'CLI-1' && m.json['online'] === false, 10_000);
    expect(off.json['offlineReason']).toBe('shutdown');
    expect(await p.exited).toBe(0);
    await platform.close().catch(() => undefined);
  });

  it('prints a generated admin token once, and not on the next start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-cli-'));
    dirs.push(dir);
    const env = { OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir };
    for (const expectToken of [true, false]) {
      const p = run(env);
      const deadline = Date.now() + 20_000;
      while (!p.out().includes('chargebridge ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(/Admin API token .*: cb_[A-Za-z0-9_-]{43}/.test(p.out())).toBe(expectToken);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });
});

describe('chargebridge --help', () => {
  // The CLI parses its arguments with commander alone and imports the system only when a command
  // runs (docs/runtime.md): `--help` must not load fastify, aedes, the stores or the simulator.
  // What Node loads is recorded by a module hook (node:module registerHooks) in the child.
  it('loads commander and the CLI files only', async () => {
    const hook = `data:text/javascript,import { registerHooks } from 'node:module'; registerHooks({ load(url, ctx, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, ctx); } });`;
    const child = spawn(process.execPath, ['--import', hook, 'bin/chargebridge.js', '--help'], { cwd: root, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Usage: chargebridge/);
    const files = stderr.split('\n').filter((l) => l.startsWith('LOADED file:')).map((l) => path.relative(root, new URL(l.slice('LOADED '.length)).pathname));
    const packages = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));
    expect([...packages]).toEqual(['commander']);
    expect(files.filter((f) => !f.startsWith('node_modules/')).sort()).toEqual(['bin/chargebridge.js', 'bin/chargebridge.ts', 'common/roles.ts', 'simulator/cli.ts', 'simulator/protocol-mix.ts']);
  });
});
