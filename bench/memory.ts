/**
 * npm run bench:memory — where a connected charger's memory goes in the gateway process.
 * Starts broker + gateway + registry in this process (node --expose-gc), connects N simulated
 * chargers from a simulator child process, and reports per-charger deltas of RSS, V8 heap and
 * external memory after a full GC, plus the heap's self size by constructor (from a heap
 * snapshot) divided by N: the objects each connection costs. The heap is this thread's only:
 * beside the embedded broker the gateway runs on a thread of its own (bin/start.ts), whose heap
 * bench/probe.ts measures (docs/benchmarks.md).
 *
 *   npm run bench:memory -- --chargers 3000
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { Command } from 'commander';
import ocppRpc from 'ocpp-rpc';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { startRoles } from '../bin/start.ts';

const o = new Command()
  .option('--chargers <n>', 'chargers', '3000')
  .option('--top <n>', 'constructors to list', '25')
  .option('--bare', 'a bare ocpp-rpc RPCServer instead of the gateway: the floor the library and ws set')
  .option('--bare-ws', 'a bare ws server answering OCPP-J CALLs: the floor ws alone sets')
  .option('--keep-snapshots', 'keep the heap snapshots (before and after connecting) for DevTools')
  .parse(process.argv)
  .opts<{ chargers: string; top: string; bare?: boolean; bareWs?: boolean; keepSnapshots?: boolean }>();
const N = Number(o.chargers);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const dir = mkdtempSync(path.join(tmpdir(), 'cb-mem-'));
const config = loadConfig({ HOST: '127.0.0.1', OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dir, API_TOKEN: 'memory-bench-token-0123456789', LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL: '3600' });
async function bareServer(): Promise<{ ports: { ocpp: number }; close(): Promise<void> }> {
  const server = new ocppRpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: false, pingIntervalMs: 30_000, deferPingsOnActivity: true });
  server.on('client', (c: { handle: (m: string, f: () => unknown) => void }) => {
    c.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 3600 }));
    c.handle('StatusNotification', () => ({}));
    c.handle('Authorize', () => ({ idTagInfo: { status: 'Blocked' } }));
  });
  const http = await server.listen(0, '127.0.0.1');
  return { ports: { ocpp: (http.address() as { port: number }).port }, close: () => server.close({ force: true }) };
}
async function bareWsServer(): Promise<{ ports: { ocpp: number }; close(): Promise<void> }> {
  const { WebSocketServer } = await import('ws');
  const { createServer } = await import('node:http');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, handleProtocols: () => 'ocpp1.6' });
  const answers: Record<string, unknown> = { BootNotification: { status: 'Accepted', currentTime: '', interval: 3600 }, StatusNotification: {}, Authorize: { idTagInfo: { status: 'Blocked' } } };
  const h = createServer();
  h.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as [number, string, string];
        ws.send(JSON.stringify([3, f[1], answers[f[2]] ?? {}]));
      });
    }),
  );
  await new Promise<void>((r) => h.listen(0, '127.0.0.1', r));
  return { ports: { ocpp: (h.address() as { port: number }).port }, close: async () => void h.close() };
}
const sys = o.bareWs ? await bareWsServer() : o.bare ? await bareServer() : await startRoles(config, createLogger('warn'), ['broker', 'gateway', 'registry']);

function snapshotBySelf(): Map<string, { count: number; size: number }> {
  const file = v8.writeHeapSnapshot(path.join(dir, `h-${Date.now()}.heapsnapshot`));
  const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: string[][] } }; nodes: number[]; strings: string[] };
  if (o.keepSnapshots) console.log(`heap snapshot: ${file}`);
  else rmSync(file);
  const f = snap.snapshot.meta.node_fields;
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = snap.snapshot.meta.node_types[0]!;
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'ƒ ' : ''}${snap.strings[snap.nodes[i + iName]!]}` : `(${type})`;
    const e = out.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + iSize]!;
    out.set(name, e);
  }
  return out;
}

const measure = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
};
await new Promise((r) => setTimeout(r, 1000));
// The baseline snapshot's own summary (a Map) lives on: take the heap figures after it.
const h0 = snapshotBySelf();
const m0 = measure();
const sim = spawn(process.execPath, ['bench/sim-worker.ts', JSON.stringify({ url: [`ws://127.0.0.1:${sys.ports.ocpp}`], chargers: N, offset: 0, interval: 3600, ramp: 1000, sources: 4 })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
await new Promise((r) => sim.once('message', r));
await new Promise((r) => setTimeout(r, 3000));
const m1 = measure();
const h1 = snapshotBySelf();
const per = (a: number, b: number) => ((b - a) / N / 1024).toFixed(2);
console.log(`\n${N} chargers connected; per charger (KiB):`);
console.table({ rss: per(m0.rss, m1.rss), 'V8 heap used': per(m0.heapUsed, m1.heapUsed), external: per(m0.external, m1.external), arrayBuffers: per(m0.arrayBuffers, m1.arrayBuffers) });
const rows = [...h1.entries()]
  .map(([name, e]) => ({ name, perCharger: (e.count - (h0.get(name)?.count ?? 0)) / N, bytesPerCharger: Math.round((e.size - (h0.get(name)?.size ?? 0)) / N) }))
  .filter((r) => r.bytesPerCharger > 0)
  .sort((a, b) => b.bytesPerCharger - a.bytesPerCharger)
  .slice(0, Number(o.top))
  .map((r) => ({ ...r, perCharger: Number(r.perCharger.toFixed(2)) }));
console.log('V8 heap self size by constructor, per charger:');
console.table(rows);
sim.send('stop');
await new Promise((r) => sim.once('exit', r));
await sys.close();
process.exit(0);
