/**
 * A probe preloaded into every thread of the system under test (`node --import`, which Node also
 * runs in each worker thread), for the questions the bench's figures raise: where a charger's
 * memory goes, and what each thread allocates per message. Nothing of it runs in `npm start`.
 *
 *   BENCH_GATEWAY_NODE_OPTIONS=--import=./bench/probe.ts \
 *   BENCH_SYSTEM_ENV="PROBE=heap PROBE_AT_S=45 PROBE_DIR=/tmp/probe PROBE_TAG=n6000-" \
 *   npm run bench -- --chargers 6000 --interval 10 --duration 35 --ramp 300 --configs shipped
 *
 * - `PROBE=heap`: at PROBE_AT_S each thread prints its V8 heap spaces (new, old) and the process's
 *   RSS, then writes a heap snapshot (`<dir>/<tag>heap-<threadId>.heapsnapshot`; it blocks that
 *   thread for seconds, so the run's latencies are not figures). Two runs at two fleet sizes and
 *   `node bench/probe-report.ts heap A B <added chargers>` give the live heap per added charger,
 *   by thread and by constructor. `PROBE=spaces` prints the spaces only (no snapshot).
 * - `PROBE=alloc`: from PROBE_AT_S for PROBE_LEN_S seconds, V8's sampling heap profiler with
 *   the objects that young and full collections freed kept in (what was allocated, not what
 *   survived), written as `<dir>/<tag>alloc-<threadId>.json`;
 *   `node bench/probe-report.ts alloc FILE SECONDS` lists the allocating functions.
 */
import inspector from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { threadId } from 'node:worker_threads';

const kind = process.env['PROBE'];
const atMs = Number(process.env['PROBE_AT_S'] ?? 45) * 1000;
const lenMs = Number(process.env['PROBE_LEN_S'] ?? 20) * 1000;
const dir = process.env['PROBE_DIR'] ?? '/tmp/probe';
const tag = process.env['PROBE_TAG'] ?? '';
const MiB = (n: number) => Math.round(n / 1048576);

function spaces(): void {
  const s = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, MiB(x.space_size)]));
  const h = v8.getHeapStatistics();
  process.stderr.write(`PROBE thread ${threadId}: heap ${MiB(h.total_heap_size)} MiB (used ${MiB(h.used_heap_size)}), new space ${s['new_space']}, old space ${s['old_space']}, large objects ${s['large_object_space']}; process RSS ${MiB(process.memoryUsage.rss())} MiB\n`);
}

if (kind === 'heap' || kind === 'spaces') {
  setTimeout(() => {
    spaces();
    if (kind === 'spaces') return;
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    const file = v8.writeHeapSnapshot(path.join(dir, `${tag}heap-${threadId}.heapsnapshot`));
    process.stderr.write(`PROBE thread ${threadId}: ${file} in ${Math.round(performance.now() - t)} ms\n`);
  }, atMs).unref();
} else if (kind === 'alloc') {
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) => new Promise<T>((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r as T))));
  setTimeout(() => {
    void post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }).then(() =>
      setTimeout(() => {
        void post<{ profile: unknown }>('HeapProfiler.stopSampling').then(({ profile }) => {
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, `${tag}alloc-${threadId}.json`), JSON.stringify(profile));
        });
      }, lenMs).unref(),
    );
  }, atMs).unref();
}
