import { recordBoot } from '../../../boot.ts';
import type { Handler201 } from './types.ts';

/**
 * 2.0.1 B01 (cold boot) / B02 (Pending) / B03 (Rejected): the same registry attributes and
 * shadow as a 1.6 boot (gateway/boot.ts), taken from chargingStation and its modem.
 */
export const bootNotification: Handler201<'BootNotification'> = async (ctx, req) => {
  const cs = req.chargingStation;
  const r = await recordBoot(ctx, {
    attrs: {
      vendor: cs.vendorName,
      model: cs.model,
      chargePointSerialNumber: cs.serialNumber,
      firmwareVersion: cs.firmwareVersion,
      iccid: cs.modem?.iccid,
      imsi: cs.modem?.imsi,
    },
    vendor: cs.vendorName,
    model: cs.model,
    firmware: cs.firmwareVersion,
    serialNumber: cs.serialNumber,
  });
  return r;
};
