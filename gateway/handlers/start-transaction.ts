import { superseded, supersededStop } from '../reconcile.ts';
import { lookupIdTag } from './authorize.ts';
import { iso } from './time.ts';
import type { Handler, HandlerContext } from './types.ts';

/**
 * OCPP 1.6 §4.8 / §6.46. The Central System assigns the transactionId even when the idTag is
 * not accepted (the charger then stops the transaction itself, reason DeAuthorized), so a
 * session record always exists for what the charger reports afterwards.
 */
export const startTransaction: Handler<'StartTransaction'> = async (ctx, req) => {
  const { session, store } = ctx;
  const device = session.device;
  const startedAt = iso(req.timestamp, new Date());
  const idTagInfo = await lookupIdTag(ctx, req.idTag);
  // A charger that lost the .conf resends the same request after reconnecting: same id.
  let tx = await store.findTransactionByStart(device.id, req.connectorId, startedAt, req.meterStart);
  if (!tx) {
    await closeSuperseded(ctx, req.connectorId, { startedAt, meterStart: req.meterStart });
    tx = await store.startTransaction({
      deviceId: device.id,
      tenant: device.tenant,
      connectorId: req.connectorId,
      idTag: req.idTag,
      meterStart: req.meterStart,
      startedAt,
      reservationId: req.reservationId ?? null,
    });
  }
  if (!session.registers.has(tx.id)) session.registers.set(tx.id, req.meterStart);
  // The shadow runs on the server's clock; the charger's time is the ledger's (startedAt).
  session.update({ type: 'transactionStarted', at: new Date().toISOString(), connectorId: req.connectorId, transactionId: tx.id, idTag: req.idTag });
  // meterStart is a register reading like any other: publish it so history sees the start.
  session.attrs(
    { timestamp: startedAt, context: 'Transaction.Begin', values: { energy: req.meterStart }, warnings: [] },
    { connectorId: req.connectorId, transactionId: tx.id },
  );
  session.log.info({ transactionId: tx.id, connectorId: req.connectorId, status: idTagInfo.status }, 'transaction started');
  return { transactionId: tx.id, idTagInfo };
};

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
