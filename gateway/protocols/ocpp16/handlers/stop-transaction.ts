import { normalizeMeterValues, type NormalizeWarning } from '../../../meter-values/normalize.ts';
import { lookupIdTag } from '../../../authorization.ts';
import { iso } from '../../../time.ts';
import type { Handler } from './types.ts';
import { resolveUnknownStop } from '../../../offline-sessions.ts';

/**
 * OCPP 1.6 §4.10 / §6.49. The stop may arrive late (the charger was offline) and with another
 * idTag than the start (field notes): the session closes with the charger's own time and
 * meter reading. transactionData is telemetry like MeterValues (§7.33 MeterValue) and is published.
 */
export const stopTransaction: Handler<'StopTransaction'> = async (ctx, req) => {
  const { session, store } = ctx;
  const stoppedAt = iso(req.timestamp, new Date());
  let known = await store.getTransaction(req.transactionId);
  let connectorId = 0;
  // The ledger's id of the session this stop closes (the charger's own when it is ours).
  let ledgerId = req.transactionId;
  const samples = normalizeMeterValues(req.transactionData ?? []);
  if (!known) {
    // Not ours (an offline-started session, an id lost in a reboot): offline-sessions.ts.
    const active = (await store.listTransactions({ deviceId: session.device.id, status: 'active', limit: 100 })).items;
    const r = resolveUnknownStop(active, stoppedAt, req.meterStop, samples);
    if (r.kind === 'reconciled') known = r.session;
    else if (r.kind === 'reconstructed') {
      known = await store.startTransaction({ deviceId: session.device.id, tenant: session.device.tenant, connectorId: 0, idTag: req.idTag ?? '', meterStart: r.meterStart, startedAt: r.startedAt });
    }
    session.event({
      type: 'transactionWarning',
      action: 'StopTransaction',
      messageId: ctx.messageId,
      code: r.kind === 'reconciled' ? 'RECONCILED' : r.kind === 'reconstructed' ? 'RECONSTRUCTED' : 'UNKNOWN_TRANSACTION',
      message:
        r.kind === 'reconciled'
          ? `transactionId ${req.transactionId} is unknown: closed this charger's only active session ${r.session.id} (started before the stop)`
          : r.kind === 'reconstructed'
            ? `transactionId ${req.transactionId} is unknown and no session was active: session ${known!.id} rebuilt from the stop (${r.fromSample ? 'start from its transactionData' : 'no start reading: energy unknown'})`
            : `transactionId ${req.transactionId} is unknown and several sessions are active (${r.candidates.join(', ')}): none closed`,
      transactionId: known?.id ?? req.transactionId,
      chargerTransactionId: req.transactionId,
    });
    session.log.warn({ transactionId: req.transactionId, resolved: r.kind, ledgerId: known?.id }, 'StopTransaction for an unknown transaction');
  }
  if (known && known.deviceId !== session.device.id) {
    session.event({
      type: 'transactionWarning',
      action: 'StopTransaction',
      messageId: ctx.messageId,
      code: 'FOREIGN_TRANSACTION',
      message: `transactionId ${req.transactionId} is not a transaction of this charger`,
      transactionId: req.transactionId,
    });
    session.log.warn({ transactionId: req.transactionId }, 'StopTransaction for another charger\'s transaction');
  } else if (known) {
    ledgerId = known.id;
    connectorId = known.connectorId;
    if (known.status !== 'active') {
      // Closed already: a resent StopTransaction, or one that arrived after the gateway closed
      // the session (reconcile.ts). The ledger keeps the first stop.
      session.event({
        type: 'transactionWarning',
        action: 'StopTransaction',
        messageId: ctx.messageId,
        code: 'ALREADY_STOPPED',
        message: `transaction ${known.id} was already stopped (${known.stopReason ?? 'no reason'}): its first stop is kept`,
        transactionId: known.id,
        connectorId,
        meterStop: req.meterStop,
        stopReason: known.stopReason,
      });
    }
    await store.stopTransaction(known.id, {
      meterStop: req.meterStop,
      stoppedAt,
      // §4.10 / §7.36 Reason: "Local" is the value to assume when the field is absent.
      stopReason: req.reason ?? 'Local',
      stopIdTag: req.idTag ?? null,
    });
  }
  session.registers.delete(req.transactionId);
  const attrsCtx = { connectorId, transactionId: ledgerId };
  let warnings: NormalizeWarning[] | undefined;
  for (const sample of samples) {
    session.attrs(sample, attrsCtx);
    // A loop, not push(...): a frame may carry 100,000s of samples (a spread of that many
    // arguments overflows the stack).
    if (sample.warnings.length) for (const w of sample.warnings) (warnings ??= []).push(w);
  }
  if (warnings) session.event({ type: 'telemetryWarning', action: 'StopTransaction', messageId: ctx.messageId, warnings });
  session.attrs({ timestamp: stoppedAt, context: 'Transaction.End', values: { energy: req.meterStop }, warnings: [] }, attrsCtx);
  // The shadow runs on the server's clock; the charger's time is the ledger's (stoppedAt).
  session.update({ type: 'transactionStopped', at: new Date().toISOString(), transactionId: ledgerId });
  session.log.info({ transactionId: req.transactionId, energyWh: known ? req.meterStop - known.meterStart : null }, 'transaction stopped');
  return req.idTag ? { idTagInfo: await lookupIdTag(ctx, req.idTag) } : {};
};
