import { recordBoot } from '../../../boot.ts';
import type { Handler } from './types.ts';

// OCPP 1.6 §4.2 / §6.3: the static attributes a charger reports about itself, under the
// registry's names (vendor/model as Dojot users name them, the rest as in OCPP).
export const bootNotification: Handler<'BootNotification'> = (ctx, req) =>
  recordBoot(ctx, {
    attrs: {
      vendor: req.chargePointVendor,
      model: req.chargePointModel,
      chargePointSerialNumber: req.chargePointSerialNumber,
      chargeBoxSerialNumber: req.chargeBoxSerialNumber,
      firmwareVersion: req.firmwareVersion,
      iccid: req.iccid,
      imsi: req.imsi,
      meterType: req.meterType,
      meterSerialNumber: req.meterSerialNumber,
    },
    vendor: req.chargePointVendor,
    model: req.chargePointModel,
    firmware: req.firmwareVersion,
    serialNumber: req.chargePointSerialNumber ?? req.chargeBoxSerialNumber,
  });
