/**
 * A registry store on a thread of its own (issue 13/14: storage never on the OCPP event loop).
 * The gateway's thread in the all-in-one process used to hold its own SQLite connection, and
 * each commit's fsync stopped its event loop: a fleet connecting at 300 chargers/s spent 31 % of
 * that thread waiting for the disk and handshakes timed out (docs/benchmarks.md). Here the
 * connection, its group commit (../sqlite-group-commit.ts) and its fsyncs run on this thread;
 * the gateway asks by message (client.ts) and its loop never waits for the disk.
 *
 * Calls arriving in one turn are started in arrival order, so their writes share one group and
 * one fsync. The store's health (its storage guard) is reported to the client, which forwards
 * it to the process's Health. On `close`, what was asked for is answered first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from '../sqlite.ts';
import { toWire, type FromRegistryThread, type RegistryThreadData, type ToRegistryThread } from './protocol.ts';

const port = parentPort!;
const data = (workerData as { data: RegistryThreadData }).data;
const post = (m: FromRegistryThread) => port.postMessage(m);

const store = createSqliteStore({
  file: data.file,
  busyTimeoutMs: data.busyTimeoutMs,
  probeIntervalMs: data.probeIntervalMs,
  health: {
    fail: (component, problem) => post({ type: 'health', component, problem }),
    ok: (component) => post({ type: 'health', component, problem: null }),
  },
});
const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
const inFlight = new Set<Promise<unknown>>();

/** Posts an answer; one that cannot be cloned is answered as an error, so no call waits forever. */
function answer(m: FromRegistryThread & { id: number }): void {
  try {
    post(m);
  } catch (err) {
    post({ type: 'error', id: m.id, error: toWire(err) });
  }
}

post({ type: 'ready' });

port.on('message', (m: ToRegistryThread) => {
  if (m.type === 'close') {
    void Promise.allSettled([...inFlight]).then(async () => {
      await store.close();
      post({ type: 'closed' });
      port.close();
    });
    return;
  }
  const fn = methods[m.method];
  const call = typeof fn === 'function' && m.method !== 'close' && m.method !== 'migrate'
    ? fn.apply(store, m.args)
    : Promise.reject(new Error(`the registry thread has no method ${m.method}`));
  const answered = call.then(
    (value) => answer({ type: 'result', id: m.id, value }),
    (err: unknown) => answer({ type: 'error', id: m.id, error: toWire(err) }),
  );
  inFlight.add(answered);
  void answered.finally(() => inFlight.delete(answered));
});
