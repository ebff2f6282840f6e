import { normalizeMeterValues, type NormalizeWarning } from '../meter-values/normalize.ts';
import { lookupIdTag } from './authorize.ts';
import { iso } from './time.ts';
import type { Handler } from './types.ts';

/**
 * OCPP 1.6 §4.10 / §6.50. The stop may arrive late (the charger was offline) and with another
 * idTag than the start (field notes): the session closes with the charger's own time and
 * meter reading. transactionData is telemetry like MeterValues (§7.45) and is published.
 */
export const stopTransaction: Handler<'StopTransaction'> = async (ctx, req) => {
  const { session, store } = ctx;
  const stoppedAt = iso(req.timestamp, new Date());
  const known = await store.getTransaction(req.transactionId);
  let connectorId = 0;
  if (!known || known.deviceId !== session.device.id) {
    session.event({
      type: 'transactionWarning',
      action: 'StopTransaction',
      messageId: ctx.messageId,
      code: known ? 'FOREIGN_TRANSACTION' : 'UNKNOWN_TRANSACTION',
      message: `transactionId ${req.transactionId} is not a transaction of this charger`,
      transactionId: req.transactionId,
    });
    session.log.warn({ transactionId: req.transactionId }, 'StopTransaction for unknown transaction');
  } else {
    connectorId = known.connectorId;
    if (known.status !== 'active') {
      // Closed already: a resent StopTransaction, or one that arrived after the gateway closed
      // the session (reconcile.ts). The ledger keeps the first stop.
      session.event({
        type: 'transactionWarning',
        action: 'StopTransaction',
        messageId: ctx.messageId,
        code: 'ALREADY_STOPPED',
        message: `transaction ${req.transactionId} was already stopped (${known.stopReason ?? 'no reason'}): its first stop is kept`,
        transactionId: req.transactionId,
        connectorId,
        meterStop: req.meterStop,
        stopReason: known.stopReason,
      });
    }
    await store.stopTransaction(req.transactionId, {
      meterStop: req.meterStop,
      stoppedAt,
      // §7.42 Reason: "Local" is the value to assume when the field is absent.
      stopReason: req.reason ?? 'Local',
      stopIdTag: req.idTag ?? null,
    });
  }
  session.registers.delete(req.transactionId);
  const attrsCtx = { connectorId, transactionId: req.transactionId };
  let warnings: NormalizeWarning[] | undefined;
  for (const sample of normalizeMeterValues(req.transactionData ?? [])) {
    session.attrs(sample, attrsCtx);
    // A loop, not push(...): a frame may carry 100,000s of samples (a spread of that many
    // arguments overflows the stack).
    if (sample.warnings.length) for (const w of sample.warnings) (warnings ??= []).push(w);
  }
  if (warnings) session.event({ type: 'telemetryWarning', action: 'StopTransaction', messageId: ctx.messageId, warnings });
  session.attrs({ timestamp: stoppedAt, context: 'Transaction.End', values: { energy: req.meterStop }, warnings: [] }, attrsCtx);
  // The shadow runs on the server's clock; the charger's time is the ledger's (stoppedAt).
  session.update({ type: 'transactionStopped', at: new Date().toISOString(), transactionId: req.transactionId });
  session.log.info({ transactionId: req.transactionId, energyWh: known ? req.meterStop - known.meterStart : null }, 'transaction stopped');
  return req.idTag ? { idTagInfo: await lookupIdTag(ctx, req.idTag) } : {};
};
