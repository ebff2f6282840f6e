/**
 * A StopTransaction whose transactionId the ledger does not know (issue 16). OCPP 1.6 §3.7: a
 * charger queues transaction-related messages while offline and sends them later; one that
 * started a session offline, or rebooted and lost the id we gave it, may stop it with an id of
 * its own (often -1). Billing needs the session all the same. Pure: data in, a decision out.
 *
 * - Exactly one active session of this charger that started before the stop: that is the one
 *   (RECONCILED), closed with this stop's reading and time.
 * - None: the session is rebuilt from the stop (RECONSTRUCTED): its start from the
 *   transactionData sample with context Transaction.Begin (1.6 §7.35 ReadingContext), or else
 *   the earliest sample; without any, it started and ended at the stop (no energy known).
 * - Several: nothing is guessed (UNKNOWN_TRANSACTION, as before), the candidates are named.
 */
import type { NormalizedSample } from './meter-values/normalize.ts';
import type { Transaction } from '../contracts/registry.ts';

export type UnknownStop =
  | { kind: 'reconciled'; session: Transaction }
  | { kind: 'reconstructed'; startedAt: string; meterStart: number; fromSample: boolean }
  | { kind: 'ambiguous'; candidates: number[] };

export function resolveUnknownStop(active: readonly Transaction[], stoppedAt: string, meterStop: number, samples: readonly NormalizedSample[]): UnknownStop {
  const stop = Date.parse(stoppedAt);
  const before = active.filter((t) => Date.parse(t.startedAt) <= stop);
  if (before.length === 1) return { kind: 'reconciled', session: before[0]! };
  if (before.length > 1) return { kind: 'ambiguous', candidates: before.map((t) => t.id) };
  const withEnergy = samples.filter((s) => typeof s.values['energy'] === 'number' && Date.parse(s.timestamp) <= stop);
  const begin = withEnergy.find((s) => s.context === 'Transaction.Begin') ?? [...withEnergy].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))[0];
  if (begin && (begin.values['energy'] as number) <= meterStop) {
    return { kind: 'reconstructed', startedAt: begin.timestamp, meterStart: Math.round(begin.values['energy'] as number), fromSample: true };
  }
  return { kind: 'reconstructed', startedAt: stoppedAt, meterStart: meterStop, fromSample: false };
}
