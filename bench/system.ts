/**
 * The processes of one bench run: the system under test (the bare pass-through, or chargebridge
 * with some roles, or several gateway workers behind Mosquitto) and the load generators, with
 * their CPU and memory read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const TOKEN = 'bench-admin-token-0123456789abcdef';
const ROOT = path.join(import.meta.dirname, '..');
export const log = (s: string) => process.stderr.write(`${s}\n`);

/** What runs as the system under test. */
export type SystemKind =
  | { kind: 'bare' }
  /** `chargebridge start [--roles …]`: one process, embedded broker; `null`: no --roles, as `npm start`. */
  | { kind: 'start'; roles: string[] | null }
  /** `--workers N`: N `chargebridge gateway` processes and a registry behind Mosquitto. */
  | { kind: 'workers'; workers: number };

export interface System {
  /** The processes whose CPU and memory count as the system's. */
  pids: number[];
  ocppUrls: string[];
  mqttUrl: string;
  mqttAuth: { username?: string; password?: string };
  /** The HTTP API, where the system has one. */
  httpUrl: string | null;
  /** The single process to SIGTERM in the flood scenario (the gateway, or the bare pipeline). */
  main: ChildProcess;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export function procStats(pid: number): { cpuSeconds: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime (proc(5))
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuSeconds: ticks / 100, rssKiB: rss };
}

/** CPU seconds the whole machine spent busy (all cores; /proc/stat: user nice system irq softirq steal). */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}

// `node <flags> bin/chargebridge.ts start`: the flags between `node` and the script.
const startScript = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
export const START_NODE_FLAGS = startScript.slice(1, startScript.indexOf('bin/chargebridge.ts'));

/**
 * Children of one run. A child that exits while the run still needs it ends the bench (exit 2):
 * a figure measured against a dead process would be a lie.
 */
export class Processes {
  private readonly children: ChildProcess[] = [];
  private readonly expected = new Set<ChildProcess>();
  stopping = false;

  private readonly niceSims: boolean;

  constructor(niceSims: boolean) {
    this.niceSims = niceSims;
  }

  /**
   * `role` decides the Node flags. The system under test (gateway or bare pipeline) runs with the
   * flags of `npm start` (package.json, so the two cannot drift), then BENCH_GATEWAY_NODE_OPTIONS
   * (e.g. --trace-gc, --max-semi-space-size=64; the last V8 flag wins). Simulators get a 64 MiB
   * young generation: with thousands of clients each, their own old-space collections otherwise
   * stall them for hundreds of ms and the tail latency measures the load generator. With
   * `--nice-sims` they run at nice 19 (the earlier figures' configuration). The system under
   * test also gets BENCH_SYSTEM_ENV's variables (`NAME=value NAME=value`, e.g.
   * `WRITER_THREAD_NICE=0`): a measurement of one setting beside the shipped defaults.
   */
  spawn(role: 'system' | 'simulator' | 'load', args: string[], env: Record<string, string>, name: string): ChildProcess {
    const extra = role === 'system' ? [...START_NODE_FLAGS, ...(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean)] : role === 'simulator' ? ['--max-semi-space-size=64'] : [];
    const niced = role === 'simulator' && this.niceSims;
    if (role === 'system') env = { ...env, ...systemEnv() };
    const c = spawn(niced ? 'nice' : process.execPath, niced ? ['-n', '19', process.execPath, ...extra, ...args] : [...extra, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.on('exit', (code, signal) => {
      if (!this.stopping && !this.expected.has(c)) {
        log(`${name} exited ${code ?? signal}`);
        process.exit(2);
      }
    });
    this.children.push(c);
    return c;
  }

  /** A process that is not Node (Mosquitto). */
  spawnRaw(cmd: string, args: string[], name: string): ChildProcess {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.on('exit', (code, signal) => {
      if (!this.stopping) {
        log(`${name} exited ${code ?? signal}`);
        process.exit(2);
      }
    });
    this.children.push(c);
    return c;
  }

  /** This child may exit from now on (the flood scenario's SIGTERM). */
  expectExit(c: ChildProcess) {
    this.expected.add(c);
  }

  /** SIGTERM, newest first (gateways publish their offline shadows before the broker goes). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const c of [...this.children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
  }
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

export async function startSystem(p: Processes, sys: SystemKind, dir: string): Promise<System> {
  const common = { HOST: '0.0.0.0', DATA_DIR: dir, API_TOKEN: TOKEN, LOG_LEVEL: 'warn' };
  if (sys.kind === 'bare') {
    const ports = { ocpp: await freePort(), mqtt: await freePort() };
    const main = p.spawn('system', ['bench/bare.ts'], { HOST: '127.0.0.1', OCPP_PORT: String(ports.ocpp), MQTT_PORT: String(ports.mqtt) }, 'bare pipeline');
    await waitTcp(ports.ocpp);
    await waitTcp(ports.mqtt);
    return { pids: [main.pid!], ocppUrls: [`ws://127.0.0.1:${ports.ocpp}`], mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, mqttAuth: {}, httpUrl: null, main };
  }
  if (sys.kind === 'start') {
    const ports = { ocpp: await freePort(), http: await freePort(), mqtt: await freePort() };
    const main = p.spawn('system', ['bin/chargebridge.ts', 'start', ...(sys.roles ? ['--roles', sys.roles.join(',')] : [])], { ...common, OCPP_PORT: String(ports.ocpp), HTTP_PORT: String(ports.http), MQTT_PORT: String(ports.mqtt) }, 'gateway');
    await waitHttp(ports.http);
    return { pids: [main.pid!], ocppUrls: [`ws://127.0.0.1:${ports.ocpp}`], mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, mqttAuth: { username: 'admin', password: TOKEN }, httpUrl: `http://127.0.0.1:${ports.http}`, main };
  }
  // Several workers: the stateless design across machines, here on one. Mosquitto is the shared
  // broker; the registry is PostgreSQL when DATABASE_URL is set, else one SQLite file in WAL mode.
  const mqttPort = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n`);
  const mosquitto = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((f) => { try { readFileSync(f); return true; } catch { return false; } }) ?? 'mosquitto';
  const mosq = p.spawnRaw(mosquitto, ['-c', conf], 'mosquitto');
  await waitTcp(mqttPort);
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const dbUrl = process.env['DATABASE_URL'];
  const db: Record<string, string> = dbUrl ? { DATABASE_URL: dbUrl } : {};
  const httpPort = await freePort();
  p.spawn('system', ['bin/chargebridge.ts', 'registry'], { ...common, ...db, MQTT_URL: mqttUrl, HTTP_PORT: String(httpPort) }, 'registry');
  await waitHttp(httpPort);
  const pids: number[] = [];
  const ocppUrls: string[] = [];
  let first: ChildProcess | undefined;
  for (let w = 0; w < sys.workers; w++) {
    const ocpp = await freePort();
    const gw = p.spawn('system', ['bin/chargebridge.ts', 'gateway'], { ...common, ...db, MQTT_URL: mqttUrl, OCPP_PORT: String(ocpp) }, `gateway ${w}`);
    first ??= gw;
    pids.push(gw.pid!);
    ocppUrls.push(`ws://127.0.0.1:${ocpp}`);
    await waitTcp(ocpp);
  }
  void mosq;
  return { pids, ocppUrls, mqttUrl, mqttAuth: {}, httpUrl: `http://127.0.0.1:${httpPort}`, main: first! };
}

/** BENCH_SYSTEM_ENV as variables: `A=1 B=x`. */
function systemEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (process.env['BENCH_SYSTEM_ENV'] ?? '').split(' ').filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
