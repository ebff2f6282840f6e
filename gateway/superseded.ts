/**
 * Closing the sessions a new start on the same connector supersedes (reconcile.ts decides), for
 * the start handlers of every version (1.6 StartTransaction, 2.x TransactionEvent Started).
 */
import type { HandlerContext } from './protocols/context.ts';
import { superseded, supersededStop } from './reconcile.ts';

/**
 * A new session on a connector that still has an active one: the older one's StopTransaction
 * is not coming (reconcile.ts), so it is closed here with the last known register reading.
 */
export async function closeSuperseded(ctx: HandlerContext, connectorId: number, next: { startedAt: string; meterStart: number }): Promise<void> {
  const { session, store } = ctx;
  const active = await store.listTransactions({ deviceId: session.device.id, status: 'active' });
  for (const old of superseded(active.items, connectorId)) {
    // Sessions of this charger started since (itself included): their energy may be in the register.
    const since = await store.listTransactions({ deviceId: session.device.id, from: old.startedAt, limit: 0 });
    const stop = supersededStop(old, next, session.registers.get(old.id), since.total > 1);
    const closed = await store.stopTransaction(old.id, stop);
    session.registers.delete(old.id);
    session.update({ type: 'transactionStopped', at: new Date().toISOString(), transactionId: old.id });
    session.event({
      type: 'transactionWarning',
      action: 'StartTransaction',
      messageId: ctx.messageId,
      code: 'SUPERSEDED',
      message: `transaction ${old.id} on connector ${connectorId} was still active: closed by the new StartTransaction`,
      transactionId: old.id,
      connectorId,
      meterStop: closed?.meterStop ?? stop.meterStop,
      energyWh: closed?.energyWh ?? stop.meterStop - old.meterStart,
      stopReason: stop.stopReason ?? null,
    });
    session.log.warn({ transactionId: old.id, connectorId }, 'active transaction superseded by a new StartTransaction: closed');
  }
}
