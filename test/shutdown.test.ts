/**
 * Issue 13 "Shutdown with a deadline", from outside: `chargebridge start` under load, with an
 * MQTT subscriber that stopped reading (SIGSTOP), chargers in the middle of their calls and an
 * HTTP command waiting for a charger, and on a full disk: SIGTERM ends the process within
 * SHUTDOWN_TIMEOUT with exit code 0, and whatever was acknowledged is in history after the next
 * start. A second signal ends it at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger } from './harness.ts';
import { api } from './http.ts';
import { runRole, type Proc } from './processes.ts';
import { inCI, mountTmpfs, tmpfsUnavailable } from './tmpfs.ts';

// Recent: the embedded store prunes points older than HISTORY_RETENTION_DAYS at start.
const T0 = Date.now() - 3_600_000;
const procs: Proc[] = [];
const clients: RPCClient[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ force: true }).catch(() => undefined)));
  for (const c of children.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  for (const p of procs.splice(0)) {
    p.child.kill('SIGKILL');
    await p.stop();
  }
});
afterAll(() => {
  if (!process.env['KEEP_DIR']) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cb-shutdown-'));
  dirs.push(d);
  return d;
}

/** A platform's MQTT subscriber in its own process, so that the test can stop it (SIGSTOP). */
async function stoppableSubscriber(mqttPort: number): Promise<ChildProcess> {
  const script = `
    const mqtt = require('mqtt');
    const c = mqtt.connect('mqtt://127.0.0.1:${mqttPort}', { username: 'admin', password: '${ADMIN_TOKEN}', clean: false, clientId: 'stalled-platform' });
    c.on('connect', () => c.subscribe('#', { qos: 1 }, () => process.stdout.write('subscribed\\n')));
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('subscribed') && resolve());
    child.on('exit', (code) => reject(new Error(`subscriber exited ${code}`)));
  });
  return child;
}

async function exitWithin(p: Proc, ms: number): Promise<{ code: number | null; ms: number }> {
  const t = Date.now();
  const code = await Promise.race([p.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), ms))]);
  if (code === 'late') throw new Error(`did not exit within ${ms} ms:\n${p.out().slice(-3000)}`);
  return { code, ms: Date.now() - t };
}

describe('SIGTERM', () => {
  it('exits 0 within SHUTDOWN_TIMEOUT under load with a stalled subscriber, and keeps everything acknowledged', async () => {
    const dataDir = tmp();
    const env = { DATA_DIR: dataDir, API_TOKEN: ADMIN_TOKEN, SHUTDOWN_TIMEOUT: '4' };
    const p = runRole('start', env);
    procs.push(p);
    const ports = await p.ready;
    const sub = await stoppableSubscriber(ports.mqtt!);
    sub.kill('SIGSTOP');

    const ocppUrl = `ws://127.0.0.1:${ports.ocpp}`;
    const acknowledged = new Map<string, number>();
    let stop = false;
    const chargers = await Promise.all(
      Array.from({ length: 10 }, async (_, c) => {
        const cp = await connectCharger({ ocppUrl }, `SHUT-${c}`);
        clients.push(cp);
        await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        return cp;
      }),
    );
    // One charger never answers our calls: an HTTP command waits for it.
    chargers[0]!.handle(() => new Promise(() => undefined));
    const http = api(`http://127.0.0.1:${ports.http}`, ADMIN_TOKEN);
    const dev0 = (await http.get('/devices?chargePointId=SHUT-0')).body.items[0];
    const command = http.post(`/devices/${dev0.id}/commands`, { action: 'GetConfiguration', payload: {}, timeoutMs: 60_000 });
    command.catch(() => undefined);

    const senders = chargers.map(async (cp, c) => {
      for (let i = 0; !stop; i++) {
        try {
          await cp.call('MeterValues', {
            connectorId: 1,
            meterValue: [{ timestamp: new Date(T0 + i * 1000).toISOString(), sampledValue: [{ value: String(c * 1_000_000 + i), measurand: 'Power.Active.Import', unit: 'W' }] }],
          });
          acknowledged.set(`SHUT-${c}`, i + 1);
        } catch {
          return; // the gateway went away
        }
      }
    });
    // Load for a while (a backlog of deliveries to the stopped subscriber builds up).
    await new Promise((r) => setTimeout(r, 2000));
    p.child.kill('SIGTERM');
    const { code } = await exitWithin(p, 4000 + 1500);
    stop = true;
    await Promise.all(senders);
    expect(code).toBe(0);
    expect(p.out()).toContain('"msg":"stopped"');

    if (process.env['KEEP_DIR']) console.log('DATA_DIR', dataDir, JSON.stringify([...acknowledged]));
    // What was acknowledged is in history after the next start.
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true }).catch(() => undefined)));
    const again = runRole('start', env);
    procs.push(again);
    const http2 = api(`http://127.0.0.1:${(await again.ready).http}`, ADMIN_TOKEN);
    for (const [cpId, n] of acknowledged) {
      const dev = (await http2.get(`/devices?chargePointId=${cpId}`)).body.items[0];
      const q = `/devices/${dev.id}/history?attr=power&from=${new Date(T0).toISOString()}&to=${new Date(T0 + n * 1000).toISOString()}`;
      let got = 0;
      for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 200))) {
        got = ((await http2.get(q)).body.power ?? []).length;
        if (got >= n) break;
      }
      expect(got, `${cpId}: acknowledged ${n}\n${again.out().slice(-2500)}\nFIRST:${p.out().split("\n").filter((l) => /"level":[45]0|shut|stopp/.test(l)).join("\n").slice(-3000)}`).toBe(n);
    }
  }, 90_000);

  it('a second signal exits at once', async () => {
    const p = runRole('start', { DATA_DIR: tmp(), API_TOKEN: ADMIN_TOKEN, SHUTDOWN_TIMEOUT: '30' });
    procs.push(p);
    const ports = await p.ready;
    // A charger that never answers keeps the first shutdown busy for its whole deadline.
    const cp = await connectCharger({ ocppUrl: `ws://127.0.0.1:${ports.ocpp}` }, 'SHUT-TWICE');
    clients.push(cp);
    cp.handle(() => new Promise(() => undefined));
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const http = api(`http://127.0.0.1:${ports.http}`, ADMIN_TOKEN);
    const dev = (await http.get('/devices?chargePointId=SHUT-TWICE')).body.items[0];
    // A command on the wire that the charger never answers: the first shutdown waits for it.
    void http.post(`/devices/${dev.id}/commands`, { action: 'GetConfiguration', payload: {}, timeoutMs: 60_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill('SIGTERM');
    // Within a second it counts as the same request (Ctrl-C under npm reaches node twice).
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1200));
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    const { code } = await exitWithin(p, 3000);
    expect(code).toBe(1);
    expect(p.out()).toContain('second signal: exiting now');
  }, 30_000);

  const noTmpfs = tmpfsUnavailable();
  it.skipIf(!!noTmpfs && !inCI)('exits 0 within SHUTDOWN_TIMEOUT on a full disk', async () => {
    if (noTmpfs) throw new Error(noTmpfs);
    const fs = mountTmpfs(16);
    try {
      const p = runRole('start', { DATA_DIR: path.join(fs.dir, 'data'), API_TOKEN: ADMIN_TOKEN, SHUTDOWN_TIMEOUT: '3' });
      procs.push(p);
      const ports = await p.ready;
      const cp = await connectCharger({ ocppUrl: `ws://127.0.0.1:${ports.ocpp}` }, 'SHUT-FULL');
      clients.push(cp);
      await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      fs.fill();
      const refused = await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date(T0).toISOString(), sampledValue: [{ value: '1' }] }] }).then(
        () => null,
        (e: { rpcErrorCode?: string }) => e.rpcErrorCode,
      );
      expect(refused).toBe('InternalError');
      p.child.kill('SIGTERM');
      const { code } = await exitWithin(p, 3000 + 1500);
      expect(code).toBe(0);
    } finally {
      fs.free();
      for (const pr of procs.splice(0)) {
        pr.child.kill('SIGKILL');
        await pr.stop();
      }
      fs.unmount();
    }
  }, 60_000);
});
