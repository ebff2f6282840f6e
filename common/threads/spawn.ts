/**
 * Starting a worker thread on one of our TypeScript modules. Node strips the types of a worker's
 * entry like any other module (docs/runtime.md), so the entry is the .ts file itself. The module
 * reads its own data as `workerData.data`.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(entry: URL, options: WorkerOptions & { workerData?: unknown } = {}): Worker {
  const { workerData, ...rest } = options;
  return new Worker(entry, { ...rest, workerData: { data: workerData } });
}
