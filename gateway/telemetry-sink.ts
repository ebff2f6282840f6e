/**
 * Where telemetry goes and when it counts as kept: "acknowledged means durable" (issue 13). A
 * charger's MeterValues (and the readings of Start/StopTransaction) are answered only once the
 * sink says their attrs are safe:
 *
 * - journal: the all-in-one process (embedded broker, history in the same process). attrs are
 *   appended to the telemetry journal under DATA_DIR (common/journal/), group-committed with one
 *   fdatasync for all chargers every few ms, and published to MQTT at once; the history role
 *   reads them from the journal. kill -9 or a power cut after the answer loses nothing.
 * - broker: roles in separate processes against an external broker. The answer waits for the
 *   broker's PUBACK of each attrs publish (QoS 1): from then on the message is the broker's to
 *   keep (its own persistence settings decide how durable that is: see docs/reliability.md).
 *
 * A sink that cannot take telemetry now (full disk, journal full) says so in `refusal`, and the
 * gateway answers the charger with a CALLERROR it retries later, before doing any work.
 */
import type { Problem } from '../common/health.ts';
import type { Journal, JournalTicket } from '../common/journal/journal.ts';
import type { Bus } from '../broker/bus.ts';

export type Ticket = object;

export interface TelemetrySink {
  /** Null while telemetry can be taken; otherwise why not. */
  readonly refusal: Problem | null;
  /** Publishes one attrs message and returns a ticket for `settled`. May throw when refusing. */
  publish(topic: string, payload: string): Ticket;
  /** Undefined when the ticket's message is already safe; else resolves when it is, rejects if it cannot be. */
  settled(ticket: Ticket): Promise<void> | undefined;
}

const QOS1 = { qos: 1 } as const;

export function journalSink(journal: Journal, bus: Pick<Bus, 'publish'>): TelemetrySink {
  return {
    get refusal() {
      return journal.unavailable;
    },
    publish(topic, payload) {
      // Journal first: if it refuses, nothing was published for a frame the charger will resend.
      const t = journal.append(topic, payload);
      bus.publish(topic, payload, QOS1);
      return t;
    },
    settled: (t) => journal.wait(t as JournalTicket),
  };
}

/** A settled promise is kept as the ticket; `settled` returns it while it is pending. */
export function brokerAckSink(bus: Pick<Bus, 'publishAsync'>): TelemetrySink {
  return {
    refusal: null,
    publish(topic, payload) {
      const p = bus.publishAsync(topic, payload, QOS1);
      // The charger's CALLERROR reports a failure; never an unhandled rejection.
      p.catch(() => undefined);
      return p;
    },
    settled: (t) => t as Promise<void>,
  };
}
