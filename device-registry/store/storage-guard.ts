/**
 * What both registry backends do when their storage fails (issue 13: a write that did not
 * commit is an error, never a success). Every write runs through `write()`:
 *
 * - a storage failure (full, read-only, I/O error, database unreachable: `classify`) raises
 *   StoreError('UNAVAILABLE') instead of the driver's error, so HTTP answers 503
 *   STORAGE_UNAVAILABLE and the gateway a CALLERROR the charger retries;
 * - the first failure of an outage is reported to `health` (one error line with what to do,
 *   /health not ready, chargebridge_health_ok 0), later ones only counted there;
 * - the outage ends by itself, without a restart: with the next write that commits, or when
 *   `probe` (run every probeIntervalMs while failing) passes, whichever comes first. The probe
 *   matters when nothing writes: readiness must come back for a load balancer to send traffic.
 *
 * Other errors (a constraint violation, a bad argument) pass through unchanged: they say
 * nothing about the storage.
 */
import { storageProblem, type Health, type Problem } from '../../common/health.ts';
import { StoreError } from '../../contracts/registry.ts';

/** The part of common/health.ts a store reports to. */
export type StoreHealth = Pick<Health, 'fail' | 'ok'>;

export interface StorageGuardOptions {
  health?: StoreHealth | undefined;
  /** Name of the health check. */
  component: string;
  /** Names the storage in the operator's message: `registry (data/registry.db)`. */
  where: string;
  /** The backend's classification, tried before common/health.ts storageProblem (e.g. PostgreSQL unreachable). */
  classify?: ((err: unknown) => Problem | null) | undefined;
  /** A harmless write that succeeds only when the storage takes writes again. */
  probe: () => Promise<void>;
  probeIntervalMs: number;
}

export interface StorageGuard {
  /** Runs a write: its commit ends an outage, a storage failure starts one and raises UNAVAILABLE. */
  write<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Runs a read: a storage failure raises UNAVAILABLE and is reported; a success proves nothing about writes. */
  read<T>(fn: () => T | Promise<T>): Promise<T>;
  /** What a caller is told of `err`: UNAVAILABLE for a storage failure (which starts an outage), else `err` itself. */
  failure(err: unknown): unknown;
  /** A write committed outside `write()` (sqlite-group-commit.ts): an outage is over. */
  committed(): void;
  close(): void;
}

export function createStorageGuard(opts: StorageGuardOptions): StorageGuard {
  const { health, component } = opts;
  let failing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // Registered as healthy from the start, so /metrics shows the check before any outage.
  health?.ok(component);

  // The backend's own classification first: it can say what to do in its own terms.
  const classify = (err: unknown): Problem | null => (err instanceof StoreError ? null : (opts.classify?.(err) ?? storageProblem(err, opts.where)));

  function recovered(): void {
    if (!failing) return;
    failing = false;
    clearTimeout(timer);
    timer = undefined;
    health?.ok(component);
  }

  function failed(err: unknown): unknown {
    const problem = classify(err);
    if (!problem) return err;
    failing = true;
    health?.fail(component, problem);
    schedule();
    return new StoreError('UNAVAILABLE', `the registry cannot store writes now (${problem.code}); nothing was acknowledged, retry later`, undefined, {
      cause: err,
      problem: problem.code,
    });
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      opts.probe().then(
        () => {
          timer = undefined;
          recovered();
        },
        (err: unknown) => {
          timer = undefined;
          // A write may have committed meanwhile: then the outage is over whatever the probe saw.
          if (!failing || closed) return;
          // Still failing, perhaps for another reason now (the disk was remounted read-only).
          const problem = classify(err);
          if (problem) health?.fail(component, problem);
          schedule();
        },
      );
    }, opts.probeIntervalMs);
    // The probe must not keep the process alive on its own.
    timer.unref();
  }

  return {
    async write(fn) {
      let result;
      try {
        result = await fn();
      } catch (err) {
        throw failed(err);
      }
      recovered();
      return result;
    },
    async read(fn) {
      try {
        return await fn();
      } catch (err) {
        throw failed(err);
      }
    },
    failure: failed,
    committed: recovered,
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
