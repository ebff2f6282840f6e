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
import type { Transaction, TransactionStop } from '../contracts/registry.ts';

/** §7.36 Reason: the closest defined value for "closed by the Central System's reconciliation". */
export const SUPERSEDED_STOP_REASON = 'Other';

/** The active sessions of `connectorId` that a new start (`startedId` when known) supersedes. */
export function superseded(active: readonly Transaction[], connectorId: number, startedId?: number): Transaction[] {
  return active.filter((t) => t.status === 'active' && t.connectorId === connectorId && t.id !== startedId);
}

/**
 * How a superseded session is closed: at the new session's start (it ended by then at the
 * latest, never before its own start), with the last register reading known for it. Two
 * readings are candidates: the last one the gateway saw in its MeterValues, and the new
 * session's meterStart, which is a later reading of the same register when the charger counts
 * a lifetime register (field notes: "meterStart may be the lifetime register or start at 0 for
 * each session"; no energy flows between two sessions of one connector). The new meterStart is
 * a candidate only when no other session of the charger started in between (`othersSince`
 * false): otherwise the register may have counted their energy too (an old session left open,
 * or one meter shared by connectors), and billing it twice is worse than billing too little.
 * The highest candidate not below the session's own meterStart wins (a register starting at 0
 * per session gives a new meterStart below it, and is not taken); with none, meterStart
 * (energy 0, never negative).
 */
export function supersededStop(t: Transaction, next: { startedAt: string; meterStart: number }, lastReadingWh: number | undefined, othersSince: boolean): TransactionStop {
  let meterStop = t.meterStart;
  if (lastReadingWh !== undefined && lastReadingWh > meterStop) meterStop = lastReadingWh;
  if (!othersSince && next.meterStart > meterStop) meterStop = next.meterStart;
  const stoppedAt = Date.parse(next.startedAt) >= Date.parse(t.startedAt) ? next.startedAt : t.startedAt;
  return { meterStop, stoppedAt, stopReason: SUPERSEDED_STOP_REASON, stopIdTag: null };
}
