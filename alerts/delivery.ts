/**
 * The delivery queue: every alert transition goes to each enabled target of its tenant, is
 * recorded in the store (status `pending`), sent, and retried with exponential backoff until
 * it is `delivered` or has used ALERTS_DELIVERY_MAX_ATTEMPTS, then kept as `failed` (listed by
 * GET /alert-deliveries). Bounded: past ALERTS_MAX_PENDING_DELIVERIES waiting deliveries the
 * oldest is dropped and kept as `failed` with code QUEUE_FULL, so that a dead receiver cannot
 * grow memory and the newest news still goes out. Pending deliveries survive a restart: they
 * are in the store and `resume()` queues them again.
 */
import type { Logger } from '../common/logger.ts';
import type { AlertStore } from '../device-registry/store/alert-types.ts';
import type { AlertDelivery, AlertTarget } from '../contracts/alerts.ts';
import { DeliveryError, type Sender } from './senders.ts';

export interface DeliveryLimits {
  maxPending: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** Sends at once. */
  concurrency?: number | undefined;
}

interface Item {
  delivery: AlertDelivery;
  dueAt: number;
}

export interface DeliveryQueue {
  /** Records one delivery per enabled target of the tenant and queues them. */
  enqueue(tenant: string, alertId: string, event: string, body: string): Promise<void>;
  /** Queues the store's pending deliveries (after a restart). */
  resume(): Promise<void>;
  readonly pending: number;
  /** Deliveries taken by the receiver, and kept as failed, since start. */
  readonly counts: { delivered: number; failed: number };
  stop(): void;
}

/** Retry delay after `attempts` failed attempts: base × 2^(attempts−1), at most max. */
export function backoffDelay(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1));
}

export function createDeliveryQueue(deps: { store: AlertStore; log: Logger; senders: { webhook: Sender; email: Sender }; limits: DeliveryLimits; now?: () => number }): DeliveryQueue {
  const { store, log, senders, limits } = deps;
  const now = deps.now ?? Date.now;
  const concurrency = limits.concurrency ?? 4;
  const queue: Item[] = [];
  let running = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const counts = { delivered: 0, failed: 0 };

  const errText = (err: unknown) => (err instanceof DeliveryError ? `${err.code}: ${err.message}` : `INTERNAL: ${(err as Error).message}`);

  async function record(id: string, patch: Parameters<AlertStore['updateDelivery']>[1]): Promise<void> {
    await store.updateDelivery(id, patch).catch((err: unknown) => log.warn({ err, deliveryId: id }, 'alert delivery state not stored'));
  }

  function push(delivery: AlertDelivery, dueAt: number): void {
    if (queue.length >= limits.maxPending) {
      // Oldest first out: it has waited longest, and the newest state of an alert matters most.
      const dropped = queue.shift()!;
      log.warn({ deliveryId: dropped.delivery.id, maxPending: limits.maxPending }, 'alert delivery queue full: oldest delivery dropped');
      counts.failed++;
      void record(dropped.delivery.id, { status: 'failed', lastError: `QUEUE_FULL: more than ${limits.maxPending} deliveries waiting` });
    }
    queue.push({ delivery, dueAt });
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = null;
    if (running >= concurrency || queue.length === 0) return;
    const next = Math.min(...queue.map((i) => i.dueAt));
    timer = setTimeout(pump, Math.max(0, next - now()));
  }

  function pump(): void {
    timer = null;
    const t = now();
    while (running < concurrency) {
      const i = queue.findIndex((q) => q.dueAt <= t);
      if (i < 0) break;
      const [item] = queue.splice(i, 1);
      running++;
      void attempt(item!).finally(() => {
        running--;
        schedule();
      });
    }
    schedule();
  }

  async function attempt(item: Item): Promise<void> {
    const d = item.delivery;
    const attempts = d.attempts + 1;
    const at = new Date(now()).toISOString();
    let target: AlertTarget | undefined;
    try {
      target = (await store.listAlertTargets(d.tenant)).find((t) => t.id === d.targetId);
      if (!target) throw new DeliveryError('TARGET_GONE', `target ${d.targetId} was deleted`);
      await senders[target.type](target, { deliveryId: d.id, event: d.event, body: d.payload });
    } catch (err) {
      const lastError = errText(err);
      const final = attempts >= limits.maxAttempts || (err instanceof DeliveryError && err.code === 'TARGET_GONE');
      await record(d.id, { attempts, lastError, lastAttemptAt: at, ...(final ? { status: 'failed' } : {}) });
      if (final) {
        counts.failed++;
        log.warn({ deliveryId: d.id, alertId: d.alertId, targetId: d.targetId, attempts, lastError }, 'alert delivery failed for good');
        return;
      }
      if (!stopped) push({ ...d, attempts, lastError, lastAttemptAt: at }, now() + backoffDelay(attempts, limits.backoffMs, limits.backoffMaxMs));
      return;
    }
    counts.delivered++;
    await record(d.id, { status: 'delivered', attempts, lastAttemptAt: at, deliveredAt: new Date(now()).toISOString() });
  }

  return {
    async enqueue(tenant, alertId, event, body) {
      const targets = (await store.listAlertTargets(tenant)).filter((t) => t.enabled);
      for (const t of targets) {
        const d = await store.createDelivery({ tenant, alertId, targetId: t.id, event, payload: body });
        push(d, now());
      }
    },
    async resume() {
      const pending = await store.listDeliveries({ status: 'pending', limit: limits.maxPending });
      // Oldest first, as they were queued.
      for (const d of pending.items.reverse()) push(d, now());
    },
    get pending() {
      return queue.length + running;
    },
    counts,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
