/**
 * Backpressure from the broker to the chargers. Telemetry is answered only once it is kept
 * (gateway/telemetry-sink.ts); the other publishes of an exchange (events, shadows) are fire and
 * forget, and if the broker falls behind they pile up in memory (docs/benchmarks.md, "Overload
 * collapsed the broker"). Past `maxPending` unacknowledged publishes the gateway holds its
 * answers until the broker has taken everything queued. A charger SHOULD NOT send a CALL before
 * the previous one is answered (OCPP-J 1.6 §4.1.1 Synchronicity), so held answers slow every
 * charger to the rate the broker takes: nothing is dropped and memory stays bounded. A charger
 * whose call times out meanwhile retries its transaction messages (OCPP 1.6 §3.7).
 *
 * A slow or stopped MQTT subscriber does not count here: the embedded broker never waits for one
 * (broker/outbox.ts bounds what each subscriber may have pending and disconnects it past that),
 * so one tenant's platform cannot hold every charger's answers.
 */
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';

export interface Backpressure {
  /** Undefined when answers may go now; otherwise resolves when they may. */
  hold(): Promise<void> | undefined;
  readonly holding: boolean;
  /** How many times answers were held since the start (a counter for /metrics). */
  readonly holds: number;
}

export function createBackpressure(bus: Pick<Bus, 'pending' | 'flush'>, maxPending: number, log: Logger): Backpressure {
  let waiting: Promise<void> | undefined;
  let holds = 0;
  return {
    hold() {
      if (waiting || bus.pending <= maxPending) return waiting;
      holds++;
      const since = Date.now();
      log.warn({ pending: bus.pending, maxPending }, 'broker behind: holding answers to chargers until it catches up');
      waiting = bus.flush().then(() => {
        waiting = undefined;
        log.warn({ heldMs: Date.now() - since }, 'broker caught up: answering chargers again');
      });
      return waiting;
    },
    get holding() {
      return waiting !== undefined;
    },
    get holds() {
      return holds;
    },
  };
}
