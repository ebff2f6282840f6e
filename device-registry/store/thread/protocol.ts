/**
 * The messages between a registry store served on a thread of its own (entry.ts) and its
 * client (client.ts). Arguments and results are the store's plain data (contracts/registry.ts:
 * strings, numbers, ISO times, JSON objects), which structured clone copies as they are; errors
 * travel as WireError and come back as StoreError with their code, field and problem, so that
 * callers test them as they test the store's own (DUPLICATE, UNAVAILABLE, CONFLICT).
 */
import { StoreError, type StoreErrorCode } from '../../../contracts/registry.ts';
import type { Problem } from '../../../common/health.ts';

export interface RegistryThreadData {
  /** The SQLite file (`${DATA_DIR}/registry.db`), migrated by the process that opened it first. */
  file: string;
  busyTimeoutMs?: number | undefined;
  probeIntervalMs?: number | undefined;
}

export type ToRegistryThread = { type: 'call'; id: number; method: string; args: unknown[] } | { type: 'close' };

export type FromRegistryThread =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'health'; component: string; problem: Problem | null }
  | { type: 'ready' }
  | { type: 'closed' };

export interface WireError {
  name: string;
  message: string;
  code?: string | undefined;
  field?: string | undefined;
  problem?: string | undefined;
}

export function toWire(err: unknown): WireError {
  if (err instanceof StoreError) return { name: err.name, message: err.message, code: err.code, field: err.field, problem: err.problem };
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  return { name: typeof e?.name === 'string' ? e.name : 'Error', message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
}

export function fromWire(w: WireError): Error {
  if (w.name === 'StoreError') return new StoreError(w.code as StoreErrorCode, w.message, w.field, { problem: w.problem });
  return Object.assign(new Error(w.message), { name: w.name, ...(w.code === undefined ? {} : { code: w.code }) });
}
