import { legacyStatus } from '../status.ts';
import type { Handler201 } from './types.ts';

/**
 * 2.0.1 G01 (status notification) / G03-G04 (availability): the status of one connector of one
 * EVSE. The shadow's connector is the EVSE (docs/mqtt.md): `status` in 1.6 terms, the
 * 2.0.1 ConnectorStatus beside it. EVSE 0 does not exist in StatusNotification (evseId is the
 * EVSE of the connector), so connector "0" of the shadow stays the 1.6 charge point itself.
 */
export const statusNotification: Handler201<'StatusNotification'> = (ctx, req) => {
  const { session } = ctx;
  const prev = session.shadow.connectors[String(req.evseId)];
  const open = prev?.transactionId !== null && prev?.transactionId !== undefined;
  const status = legacyStatus(req.connectorStatus, prev?.chargingState, open);
  if (req.connectorStatus === 'Available' && open) {
    session.event({
      type: 'transactionWarning',
      action: 'StatusNotification',
      messageId: ctx.messageId,
      code: 'AVAILABLE_WITH_SESSION',
      message: `EVSE ${req.evseId} reported Available while transaction ${prev!.transactionId} is still open; it closes with its TransactionEvent Ended`,
      transactionId: prev!.transactionId!,
      connectorId: req.evseId,
    });
  }
  session.update({
    type: 'status',
    // The server's clock (issue 16): a queued notification's own time is in the past.
    at: new Date().toISOString(),
    connectorId: req.evseId,
    status,
    errorCode: req.connectorStatus === 'Faulted' ? (prev?.errorCode && prev.errorCode !== 'NoError' ? prev.errorCode : 'OtherError') : 'NoError',
    v2: { evseId: req.evseId, evseConnectorId: req.connectorId, connectorStatus: req.connectorStatus },
  });
  if (req.connectorStatus === 'Faulted') session.log.warn({ evseId: req.evseId, connectorId: req.connectorId }, 'connector fault');
  return {};
};
