import type { Handler } from './types.ts';

// OCPP 1.6 §4.9: per-connector status; connectorId 0 is the charge point itself.
export const statusNotification: Handler<'StatusNotification'> = (ctx, req) => {
  const { session } = ctx;
  // §4.9 / §7.7: Available means no session on the connector. One the charger has not stopped
  // is flagged, not closed: its StopTransaction, with the true meter reading, may still be
  // queued behind this notification (§3.7); a next StartTransaction closes it (reconcile.ts).
  const open = req.status === 'Available' ? session.shadow.connectors[String(req.connectorId)]?.transactionId : null;
  if (open !== null && open !== undefined) {
    session.event({
      type: 'transactionWarning',
      action: 'StatusNotification',
      messageId: ctx.messageId,
      code: 'AVAILABLE_WITH_SESSION',
      message: `connector ${req.connectorId} reported Available while transaction ${open} is still open; it closes with its StopTransaction or the connector's next StartTransaction`,
      transactionId: open,
      connectorId: req.connectorId,
    });
    session.log.warn({ connectorId: req.connectorId, transactionId: open }, 'connector Available with an open transaction');
  }
  session.update({
    type: 'status',
    // The server's clock (issue 16): a queued notification's own time is in the past.
    at: new Date().toISOString(),
    connectorId: req.connectorId,
    status: req.status,
    errorCode: req.errorCode,
    info: req.info,
    vendorErrorCode: req.vendorErrorCode,
  });
  if (req.errorCode !== 'NoError' || req.status === 'Faulted') {
    session.log.warn({ connectorId: req.connectorId, status: req.status, errorCode: req.errorCode }, 'connector fault');
  }
  return {};
};
