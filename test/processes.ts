/** Helpers to run chargebridge roles and real servers as separate processes in tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

export interface Proc {
  child: ChildProcess;
  out(): string;
  ready: Promise<{ ocpp: number | null; http: number | null; mqtt: number | null }>;
  /** Sends SIGTERM (unless it already exited) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code, sending nothing. */
  exited: Promise<number | null>;
}

/** `chargebridge <role>` as a child process (`role` may carry options: `start --roles gateway,registry`); resolves `ready` with the ports it printed. */
export function runRole(role: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['bin/chargebridge.ts', ...role.split(' ')], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ ocpp: number | null; http: number | null; mqtt: number | null }>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"chargebridge ready"'));
      if (line) resolve(JSON.parse(line) as { ocpp: number; http: number; mqtt: number });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    exited.then((code) => reject(new Error(`${role} exited with ${code}:\n${out.slice(-3000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    out: () => out,
    ready,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Debian's mosquitto programs; a clear failure naming the package when they are missing (never a skip). */
export function mosquittoBin(name: 'mosquitto' | 'mosquitto_passwd'): string {
  const bin = [`/usr/sbin/${name}`, `/usr/bin/${name}`].find((p) => existsSync(p));
  if (!bin) throw new Error(`${name} not installed: apt-get install mosquitto (.ci/run installs it)`);
  return bin;
}

export interface MosquittoOptions {
  /** Accounts for a password file made with `mosquitto_passwd -b`; anonymous clients are then refused. */
  passwords?: Record<string, string> | undefined;
  /** An ACL file (acl_file), e.g. deploy/mosquitto/acl. */
  aclFile?: string | undefined;
}

/** A real Mosquitto on a free loopback port (Debian's `mosquitto`, installed by .ci/run). */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<{ url: string; port: number; log(): string; stop(): Promise<void>; pause(): void; resume(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false'];
  // Run as root (a CI container), Mosquitto would drop to user mosquitto, which cannot read the temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.passwords) {
    const file = path.join(dir, 'passwd');
    writeFileSync(file, '', { mode: 0o600 });
    for (const [user, password] of Object.entries(opts.passwords)) {
      const r = spawnSync(mosquittoBin('mosquitto_passwd'), ['-b', file, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    }
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else lines.push('allow_anonymous true');
  if (opts.aclFile) lines.push(`acl_file ${opts.aclFile}`);
  writeFileSync(conf, lines.join('\n') + '\n');
  const bin = mosquittoBin('mosquitto');
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mosquitto did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: () => log,
    // A stalled broker: the process stops, its sockets stay open, nothing is acknowledged.
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.on('exit', r));
    },
  };
}

/**
 * A real InfluxDB 1.x (Debian's `influxdb`, installed by .ci/run) on free loopback ports, with
 * its data in a temp dir. stop()/start() keep the data: the outage test restarts it.
 */
export async function startInfluxd(): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void>; destroy(): Promise<void> }> {
  const bin = ['/usr/bin/influxd', '/usr/sbin/influxd'].find((p) => existsSync(p));
  if (!bin) throw new Error('influxd not installed (apt-get install influxdb)');
  const [httpPort, bindPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(tmpdir(), 'influxd-'));
  const conf = path.join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${bindPort}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  let log = '';
  async function start() {
    child = spawn(bin!, ['-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
      if (ok) return;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`influxd did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function stop() {
    if (!child || child.exitCode !== null) return;
    const c = child;
    const exited = new Promise((r) => c.on('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
  await start();
  return { url, start, stop, destroy: stop };
}
