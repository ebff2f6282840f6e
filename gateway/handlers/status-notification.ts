import type { Handler } from './types.ts';
import { iso } from './time.ts';

// OCPP 1.6 §4.9: per-connector status; connectorId 0 is the charge point itself.
export const statusNotification: Handler<'StatusNotification'> = (ctx, req) => {
  ctx.session.update({
    type: 'status',
    at: iso(req.timestamp, new Date()),
    connectorId: req.connectorId,
    status: req.status,
    errorCode: req.errorCode,
    info: req.info,
    vendorErrorCode: req.vendorErrorCode,
  });
  if (req.errorCode !== 'NoError' || req.status === 'Faulted') {
    ctx.session.log.warn({ connectorId: req.connectorId, status: req.status, errorCode: req.errorCode }, 'connector fault');
  }
  return {};
};
