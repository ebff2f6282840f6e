import type { AttrValue } from '../../device-registry/store/types.ts';
import type { Handler } from './types.ts';

// OCPP 1.6 §4.2 / §6.3: the static attributes a charger reports about itself.
const STATIC_KEYS = [
  'chargePointVendor',
  'chargePointModel',
  'chargePointSerialNumber',
  'chargeBoxSerialNumber',
  'firmwareVersion',
  'iccid',
  'imsi',
  'meterType',
  'meterSerialNumber',
] as const;

// Registry attribute names: vendor/model as Dojot users name them, the rest as in OCPP.
const ATTR_NAME: Record<(typeof STATIC_KEYS)[number], string> = {
  chargePointVendor: 'vendor',
  chargePointModel: 'model',
  chargePointSerialNumber: 'chargePointSerialNumber',
  chargeBoxSerialNumber: 'chargeBoxSerialNumber',
  firmwareVersion: 'firmwareVersion',
  iccid: 'iccid',
  imsi: 'imsi',
  meterType: 'meterType',
  meterSerialNumber: 'meterSerialNumber',
};

export const bootNotification: Handler<'BootNotification'> = async (ctx, req) => {
  const { session, store, config } = ctx;
  const now = new Date();
  const attrs: Record<string, AttrValue> = {};
  let changed = false;
  for (const key of STATIC_KEYS) {
    const value = req[key];
    if (value === undefined) continue;
    const name = ATTR_NAME[key];
    attrs[name] = value;
    if (session.device.attrs[name] !== value) changed = true;
  }
  // Reconnection storms re-send identical boots: write only what changed. Either way the device
  // is read afresh: an API change (enabled) reaches this thread by message and, with gateways in
  // processes of their own, not at all, so the copy held since the handshake may be stale. A boot
  // is rare next to MeterValues, and the hot path stays free of registry calls.
  const fresh = changed ? await store.updateDevice(session.device.id, { attrs }) : await store.getDevice(session.device.id);
  if (fresh) session.device = fresh;
  // A disabled device stays connected (so it can be re-enabled) but is not accepted (§4.2).
  const status = session.device.enabled ? config.BOOT_REGISTRATION_STATUS : 'Rejected';
  session.update({
    type: 'boot',
    at: now.toISOString(),
    registration: status,
    vendor: req.chargePointVendor,
    model: req.chargePointModel,
    firmware: req.firmwareVersion,
    serialNumber: req.chargePointSerialNumber ?? req.chargeBoxSerialNumber,
  });
  if (status !== 'Accepted') session.log.warn({ status }, 'boot not accepted');
  // interval: heartbeat interval when Accepted, retry wait otherwise (§6.4 BootNotification.conf).
  return { status, currentTime: now.toISOString(), interval: config.HEARTBEAT_INTERVAL };
};
