import { lookupIdTag } from '../../../authorization.ts';
import { closeSuperseded } from '../../../superseded.ts';
import { iso } from '../../../time.ts';
import type { Handler } from './types.ts';

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
