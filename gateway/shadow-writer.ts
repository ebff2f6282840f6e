/**
 * Writes shadows to the registry behind the charger's back (issue 16): never on the path of an
 * answer, never one write per frame. A changed shadow is marked; every marked shadow of an
 * event-loop turn (and of every turn while a write is in flight) goes to the registry in one
 * `saveShadows` commit, the latest shadow of each device only — a group commit, as the journal
 * does for telemetry. A write that fails is logged once per outage and kept for the next one
 * (a newer shadow of the same device replaces it).
 *
 * Until it has committed, a marked shadow is what `pending` answers, so a charger that
 * reconnects to this gateway at once starts from it, not from the older stored one.
 */
import type { Logger } from '../common/logger.ts';
import type { GatewayStore } from './store-port.ts';
import { replaces } from '../contracts/shadow-writes.ts';
import type { Shadow } from './shadow.ts';

/** Shadows per saveShadows call: one commit stays small whatever the fleet (a restart's reconnect storm). */
const MAX_BATCH = 500;
/** After a failed write, the next attempt. */
const RETRY_MS = 5_000;

export interface ShadowWriter {
  /** Marks the device's shadow to be written (the object is kept as is: shadows are replaced, never mutated). */
  save(shadow: Shadow): void;
  /** The device's marked shadow not yet committed. */
  pending(deviceId: string): Shadow | undefined;
  /** Resolves once every shadow marked so far has been written (or its write failed). */
  flush(): Promise<void>;
  readonly backlog: number;
}

export function createShadowWriter(deps: { store: Pick<GatewayStore, 'saveShadows'>; log: Logger; maxBatch?: number | undefined }): ShadowWriter {
  const { store, log } = deps;
  const maxBatch = deps.maxBatch ?? MAX_BATCH;
  const dirty = new Map<string, Shadow>();
  /** Shadows of the write in flight, until it has committed. */
  const inFlight = new Map<string, Shadow>();
  let running: Promise<void> | null = null;
  let scheduled = false;
  let failing = false;
  let retry: NodeJS.Timeout | undefined;
  let idle: Array<() => void> = [];

  function schedule(): void {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running ??= run().finally(() => {
        running = null;
        if (dirty.size && !failing) schedule();
        else if (!dirty.size) for (const w of idle.splice(0)) w();
      });
    });
  }

  async function run(): Promise<void> {
    while (dirty.size) {
      const batch: Shadow[] = [];
      for (const [id, s] of dirty) {
        batch.push(s);
        inFlight.set(id, s);
        dirty.delete(id);
        if (batch.length === maxBatch) break;
      }
      try {
        await store.saveShadows(batch.map((s) => ({ deviceId: s.deviceId, shadow: s as unknown as Record<string, unknown>, connectedAt: s.connectedAt })));
        if (failing) log.info({ backlog: dirty.size }, 'device shadows are written to the registry again');
        failing = false;
      } catch (err) {
        // Kept for the next attempt, unless the device has a newer shadow meanwhile.
        for (const s of batch) if (!dirty.has(s.deviceId)) dirty.set(s.deviceId, s);
        if (!failing) log.error({ err, backlog: dirty.size }, 'device shadows cannot be written to the registry; retrying (the live shadows are still published)');
        failing = true;
        clearTimeout(retry);
        retry = setTimeout(schedule, RETRY_MS);
        retry.unref();
        for (const w of idle.splice(0)) w();
        return;
      } finally {
        for (const s of batch) if (inFlight.get(s.deviceId) === s) inFlight.delete(s.deviceId);
      }
    }
  }

  return {
    save(shadow) {
      // A connection that was replaced may still finish a handler: its shadow never replaces
      // the newer connection's (the registry applies the same rule across gateways).
      const prev = dirty.get(shadow.deviceId);
      if (prev && !replaces(shadow.connectedAt, prev.connectedAt)) return;
      dirty.set(shadow.deviceId, shadow);
      if (!failing) schedule();
    },
    pending: (deviceId) => dirty.get(deviceId) ?? inFlight.get(deviceId),
    flush() {
      if (!dirty.size && !running) return Promise.resolve();
      if (failing) {
        // One more attempt now, rather than wait for the retry timer.
        failing = false;
        schedule();
      }
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    get backlog() {
      return dirty.size + inFlight.size;
    },
  };
}
