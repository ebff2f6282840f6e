import type { Handler } from './types.ts';

// OCPP 1.6 §4.5: the progress of an UpdateFirmware, kept in the shadow.
export const firmwareStatusNotification: Handler<'FirmwareStatusNotification'> = (ctx, req) => {
  ctx.session.update({ type: 'firmwareStatus', at: new Date().toISOString(), status: req.status });
  return {};
};
