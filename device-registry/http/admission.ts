/**
 * Admission of HTTP requests, a few per event-loop turn (issue 14: heavy HTTP requests must not
 * delay charger answers).
 *
 * Why per turn: in the all-in-one process the HTTP API shares its thread with the embedded
 * broker, which publishes what the gateway's thread hands it. Node's poll phase runs the read
 * callback of every ready socket before it comes back to anything else, and a request such as
 * `GET /devices?limit=1000` is a synchronous SQLite read plus a 300 KB serialization: with 1,000
 * such requests ready at once, one turn of the loop took seconds, the broker fell behind, the
 * gateway's backpressure (GATEWAY_MAX_PENDING_PUBLISHES) held every charger's answer, and the
 * chargers' round trip reached 26 s (docs/benchmarks.md). Here at most `perTurn` requests start
 * their work in one turn; the rest wait in arrival order and start on the following turns
 * (setImmediate: after the poll phase, so the broker's batches and sockets are served between
 * two groups of requests). A request admitted once is never held again: a command waiting for a
 * charger's answer or a long-lived feed holds nothing.
 *
 * Bound: at most `maxQueued` requests wait; past that a request is answered 503 OVERLOADED with
 * `Retry-After: 1` at once, which costs no storage access.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors.ts';

export interface AdmissionOptions {
  /** Requests that may start their work in one event-loop turn. */
  perTurn: number;
  /** Requests that may wait for a turn; past it 503. */
  maxQueued: number;
  /** Requests never held (health checks, the live feed): cheap or long-lived. */
  exempt?: (path: string) => boolean;
}

export interface AdmissionStats {
  queued: number;
  /** Requests that had to wait for a later turn, since the start. */
  deferred: number;
  /** Requests refused because the queue was full, since the start. */
  refused: number;
}

export interface Admission {
  /** Resolves when the request may start; throws OVERLOADED when the queue is full. */
  admit(): Promise<void> | undefined;
  stats(): AdmissionStats;
}

/** The scheduling alone, without fastify (unit-tested). */
export function createAdmission(o: Pick<AdmissionOptions, 'perTurn' | 'maxQueued'>): Admission {
  const queue: Array<() => void> = [];
  let startedThisTurn = 0;
  let turnScheduled = false;
  let deferred = 0;
  let refused = 0;

  const nextTurn = () => {
    turnScheduled = false;
    startedThisTurn = 0;
    while (queue.length && startedThisTurn < o.perTurn) {
      startedThisTurn++;
      queue.shift()!();
    }
    schedule();
  };
  // A turn ends at the next check phase: re-arm while requests started or wait, so that the
  // count is reset after every poll phase that admitted something.
  const schedule = () => {
    if (turnScheduled || (startedThisTurn === 0 && queue.length === 0)) return;
    turnScheduled = true;
    setImmediate(nextTurn);
  };

  return {
    admit() {
      if (queue.length === 0 && startedThisTurn < o.perTurn) {
        startedThisTurn++;
        schedule();
        return undefined;
      }
      if (queue.length >= o.maxQueued) {
        refused++;
        throw new AppError('OVERLOADED', `More than ${o.maxQueued} requests are waiting; retry later`);
      }
      deferred++;
      schedule();
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    stats: () => ({ queued: queue.length, deferred, refused }),
  };
}

/** As the first onRequest hook of `app` (before authentication, which reads the store). */
export function registerAdmission(app: FastifyInstance, o: AdmissionOptions): Admission {
  const admission = createAdmission(o);
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    if (o.exempt?.(req.url.split('?')[0]!)) return;
    try {
      await admission.admit();
    } catch (err) {
      reply.header('retry-after', '1');
      throw err;
    }
  });
  return admission;
}
