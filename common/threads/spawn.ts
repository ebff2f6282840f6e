/**
 * Starting a worker thread on one of our TypeScript modules. Until the sources run without a
 * loader (issue 15), a worker's entry is imported through tsx's API (bootstrap.mjs): Node 20
 * applies no `--import` loader to a worker's entry. The module reads its own data as
 * `workerData.data`.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(entry: URL, options: WorkerOptions & { workerData?: unknown } = {}): Worker {
  const { workerData, ...rest } = options;
  return new Worker(new URL('./bootstrap.mjs', import.meta.url), { ...rest, workerData: { entry: entry.href, data: workerData } });
}
