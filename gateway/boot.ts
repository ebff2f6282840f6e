/**
 * What a boot does whatever the OCPP version (1.6 §4.2 BootNotification; 2.0.1 B01): the static
 * attributes the charger reports are written to the registry when they changed, the device is
 * read afresh (its `enabled` decides the answer), and the shadow shows the registration.
 */
import type { AttrValue } from '../contracts/registry.ts';
import type { HandlerContext } from './protocols/context.ts';

export interface BootReport {
  /** Registry attribute name -> value, undefined ones left out (vendor, model, firmwareVersion, ...). */
  attrs: Record<string, AttrValue | undefined>;
  vendor: string;
  model: string;
  firmware?: string | undefined;
  serialNumber?: string | undefined;
}

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export async function recordBoot(ctx: HandlerContext, report: BootReport): Promise<{ status: RegistrationStatus; currentTime: string; interval: number }> {
  const { session, store, config } = ctx;
  const now = new Date();
  const attrs: Record<string, AttrValue> = {};
  let changed = false;
  for (const [name, value] of Object.entries(report.attrs)) {
    if (value === undefined) continue;
    attrs[name] = value;
    if (session.device.attrs[name] !== value) changed = true;
  }
  // Reconnection storms re-send identical boots: write only what changed. Either way the device
  // is read afresh: an API change (enabled) reaches this thread by message and, with gateways in
  // processes of their own, not at all, so the copy held since the handshake may be stale. A boot
  // is rare next to meter values, and the hot path stays free of registry calls.
  const fresh = changed ? await store.updateDevice(session.device.id, { attrs }) : await store.getDevice(session.device.id);
  if (fresh) session.device = fresh;
  // A disabled device stays connected (so it can be re-enabled) but is not accepted (1.6 §4.2).
  const status: RegistrationStatus = session.device.enabled ? config.BOOT_REGISTRATION_STATUS : 'Rejected';
  session.update({ type: 'boot', at: now.toISOString(), registration: status, vendor: report.vendor, model: report.model, firmware: report.firmware, serialNumber: report.serialNumber });
  if (status !== 'Accepted') session.log.warn({ status }, 'boot not accepted');
  // interval: heartbeat interval when Accepted, retry wait otherwise (1.6 §6.4; 2.0.1 B01.FR.01, B02).
  return { status, currentTime: now.toISOString(), interval: config.HEARTBEAT_INTERVAL };
}
