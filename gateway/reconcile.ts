/**
 * Session reconciliation (issue 16): what to do with a session the charger never closed. Pure:
 * the handlers read the ledger and the shadow, call these, and write what they return.
 *
 * OCPP 1.6 §3.7 says a charger delivers transaction-related messages in order, queued while it
 * is offline; so when a StartTransaction arrives on a connector whose previous session is still
 * active, that session's StopTransaction is not coming (the charger lost it, rebooted, or never
 * sent it): the older session is closed there. A connector reported Available with a session
 * still open is only flagged: its StopTransaction may still be queued behind the
 * StatusNotification, and it carries the true meter reading (the ledger keeps the first stop).
 */
import type { Transaction, TransactionStop } from '../device-registry/store/types.ts';

/** §7.42 Reason: the closest defined value for "closed by the Central System's reconciliation". */
export const SUPERSEDED_STOP_REASON = 'Other';

/** The active sessions of `connectorId` that a new start (`startedId` when known) supersedes. */
export function superseded(active: readonly Transaction[], connectorId: number, startedId?: number): Transaction[] {
  return active.filter((t) => t.status === 'active' && t.connectorId === connectorId && t.id !== startedId);
}

/**
 * How a superseded session is closed: at the new session's start (it ended by then at the
 * latest, never before its own start), with the last register reading known for it, or its
 * meterStart when none is known or the known one is below it (energy 0, never negative).
 */
export function supersededStop(t: Transaction, newStartedAt: string, lastReadingWh: number | undefined): TransactionStop {
  const meterStop = lastReadingWh !== undefined && lastReadingWh >= t.meterStart ? lastReadingWh : t.meterStart;
  const stoppedAt = Date.parse(newStartedAt) >= Date.parse(t.startedAt) ? newStartedAt : t.startedAt;
  return { meterStop, stoppedAt, stopReason: SUPERSEDED_STOP_REASON, stopIdTag: null };
}
