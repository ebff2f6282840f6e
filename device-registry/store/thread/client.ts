/**
 * The client of a registry store on its own thread (entry.ts): the store's methods named in
 * `methods`, each a message to the thread and a promise of its answer. Used by the gateway's
 * thread in the all-in-one process (bin/store.ts), so that no commit of the registry, and no
 * fsync, ever runs on the OCPP event loop.
 *
 * - Answers keep the store's meaning: a write resolves once committed (the thread's group
 *   commit, ../sqlite-group-commit.ts), StoreError codes come back as they were raised
 *   (protocol.ts), health changes go to `health` as the store reports them.
 * - Bound: at most MAX_PENDING calls wait for an answer; past that a call is refused at once
 *   with StoreError UNAVAILABLE (a CALLERROR the charger retries).
 * - If the thread dies (it should not: every error of a call is caught there), the calls it
 *   held are rejected with UNAVAILABLE, logged once, and the next call starts a new thread. A
 *   write among them may have committed before the thread died: the caller, told it failed,
 *   retries it, and the store's writes are idempotent where chargers resend (startTransaction
 *   by the charger's id or its start, stopTransaction keeping the first stop).
 * - `close()` lets the thread answer what it was asked, then ends it; after `closeTimeoutMs`
 *   it is terminated whatever it is doing (SHUTDOWN_TIMEOUT bounds the whole).
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../../common/threads/spawn.ts';
import type { Logger } from '../../../common/logger.ts';
import { StoreError } from '../../../contracts/registry.ts';
import type { StoreHealth } from '../storage-guard.ts';
import type { RegistryStore } from '../types.ts';
import { fromWire, type FromRegistryThread, type RegistryThreadData, type ToRegistryThread } from './protocol.ts';

/** Calls waiting for the thread's answer at most (see the top). */
export const MAX_PENDING = 10_000;

export interface RegistryThreadOptions<K extends keyof RegistryStore> extends RegistryThreadData {
  /** The store's methods the client offers (the gateway's port: gateway/store-port.ts). */
  methods: readonly K[];
  health?: StoreHealth | undefined;
  log?: Logger | undefined;
  /** How long close() waits for the thread's last answers. Default 5000 ms. */
  closeTimeoutMs?: number | undefined;
  /** The thread's module: entry.ts, or a test's module that wraps it to inject a fault. */
  entry?: URL | undefined;
}

export type RegistryThreadStore<K extends keyof RegistryStore> = Pick<RegistryStore, K> & {
  /** Resolves once the thread has opened the store; rejects if it could not (the thread's error). */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** Calls waiting for an answer now. */
  readonly pending: number;
};

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const unavailable = (why: string) => new StoreError('UNAVAILABLE', `the registry cannot answer now (${why}); nothing was acknowledged, retry later`, undefined, { problem: 'UNAVAILABLE' });

export function openRegistryThread<K extends keyof RegistryStore>(opts: RegistryThreadOptions<K>): RegistryThreadStore<K> {
  const data: RegistryThreadData = { file: opts.file, busyTimeoutMs: opts.busyTimeoutMs, probeIntervalMs: opts.probeIntervalMs };
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let worker: Worker | null = null;
  let closed = false;
  let onClosed: (() => void) | null = null;
  let onReady: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  const ready = new Promise<void>((resolve, reject) => (onReady = { resolve, reject }));
  // Nobody may ever ask (a thread that failed to open still answers each call with UNAVAILABLE).
  ready.catch(() => undefined);

  const onMessage = (m: FromRegistryThread) => {
    if (m.type === 'result' || m.type === 'error') {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.type === 'result') w.resolve(m.value);
      else w.reject(fromWire(m.error));
    } else if (m.type === 'health') {
      if (m.problem) opts.health?.fail(m.component, m.problem);
      else opts.health?.ok(m.component);
    } else if (m.type === 'ready') onReady?.resolve();
    else if (m.type === 'closed') onClosed?.();
  };

  const start = (): Worker => {
    const w = spawnWorker(opts.entry ?? new URL('./entry.ts', import.meta.url), { workerData: data, name: 'registry' });
    let failed = false;
    w.on('message', onMessage);
    w.on('error', (err) => {
      failed = true;
      onReady?.reject(err);
      opts.log?.error({ err }, 'the registry thread failed; its pending calls are refused and the next call starts it again');
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      // Logged once per thread: by 'error' when it threw, here when it ended any other way.
      if (!closed && !failed) opts.log?.error({ code, pending: waiting.size }, 'the registry thread stopped; its pending calls are refused and the next call starts it again');
      // Only this thread's calls can be waiting: a new one starts after this exit.
      const lost = [...waiting.values()];
      waiting.clear();
      const err = unavailable(closed ? 'it is closed' : 'its thread stopped');
      onReady?.reject(err);
      for (const l of lost) l.reject(err);
      onClosed?.();
    });
    return w;
  };

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    if (closed) return Promise.reject(unavailable('it is closed'));
    if (waiting.size >= MAX_PENDING) return Promise.reject(unavailable(`${MAX_PENDING} calls are waiting for it`));
    worker ??= start();
    const id = nextId++;
    const message: ToRegistryThread = { type: 'call', id, method, args };
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      try {
        worker!.postMessage(message);
      } catch (err) {
        // An argument that cannot be cloned: a bug of the caller, answered as one.
        waiting.delete(id);
        reject(err);
      }
    });
  };

  const client = {
    ready: () => ready,
    get pending() {
      return waiting.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      const w = worker;
      worker = null;
      if (!w) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        onClosed = resolve;
        timer = setTimeout(resolve, opts.closeTimeoutMs ?? 5000);
        w.postMessage({ type: 'close' } satisfies ToRegistryThread);
      });
      clearTimeout(timer);
      await w.terminate();
    },
  } as RegistryThreadStore<K>;
  // Started now, not at the first call: the thread takes a few hundred milliseconds to load,
  // and the gateway's first calls (the republish of the stored shadows at start) should not wait.
  worker = start();
  for (const method of opts.methods) {
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => call(method, args);
  }
  return client;
}
