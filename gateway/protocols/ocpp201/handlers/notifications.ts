/**
 * The 2.0.1 messages a station sends that the gateway acknowledges and passes on: the exchange
 * itself reaches platforms on the `events` topic (dispatch.ts publishes every request and
 * answer), and what belongs to the device model goes into the shadow.
 */
import { variablesFromReport } from '../../../../contracts/device-variables.ts';
import { DEVICE_VARIABLE_LIMITS } from '../../../../contracts/registry.ts';
import { legacyStatus } from '../status.ts';
import type { Handler201 } from './types.ts';

// G02 / B01: the heartbeat's currentTime; lastSeen in the retained shadow.
export const heartbeat: Handler201<'Heartbeat'> = (ctx) => {
  const now = new Date().toISOString();
  ctx.session.update({ type: 'seen', at: now });
  return { currentTime: now };
};

// L01 (firmware update): its progress in the shadow, as 1.6 FirmwareStatusNotification.
export const firmwareStatusNotification: Handler201<'FirmwareStatusNotification'> = (ctx, req) => {
  ctx.session.update({ type: 'firmwareStatus', at: new Date().toISOString(), status: req.status });
  return {};
};

// N01 (log upload): its progress where 1.6 keeps DiagnosticsStatusNotification.
export const logStatusNotification: Handler201<'LogStatusNotification'> = (ctx, req) => {
  ctx.session.update({ type: 'diagnosticsStatus', at: new Date().toISOString(), status: req.status });
  return {};
};

// A04 (security events): logged for the operator; the alerts role sees the exchange event.
export const securityEventNotification: Handler201<'SecurityEventNotification'> = (ctx, req) => {
  ctx.session.log.warn({ securityEvent: req.type, techInfo: req.techInfo }, 'security event');
  return {};
};

/**
 * N07 (alerting / NotifyEvent): a change of a connector's AvailabilityState is its status (G01
 * allows a station to report availability by NotifyEvent instead of StatusNotification, and
 * TC_B_01_CSMS accepts either), the rest goes out as the exchange event.
 */
export const notifyEvent: Handler201<'NotifyEvent'> = (ctx, req) => {
  const { session } = ctx;
  for (const e of req.eventData) {
    const evse = e.component.evse;
    if (e.variable.name !== 'AvailabilityState' || !evse || (e.component.name !== 'Connector' && e.component.name !== 'EVSE')) continue;
    const connectorStatus = e.actualValue;
    if (!['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'].includes(connectorStatus)) continue;
    const prev = session.shadow.connectors[String(evse.id)];
    const open = prev?.transactionId !== null && prev?.transactionId !== undefined;
    session.update({
      type: 'status',
      at: new Date().toISOString(),
      connectorId: evse.id,
      status: legacyStatus(connectorStatus, prev?.chargingState, open),
      errorCode: connectorStatus === 'Faulted' ? 'OtherError' : 'NoError',
      info: e.techInfo,
      vendorErrorCode: e.techCode,
      v2: { evseId: evse.id, evseConnectorId: evse.connectorId ?? prev?.evseConnectorId ?? 1, connectorStatus },
    });
  }
  return {};
};

/**
 * B07-B08 (get base report / custom report): each part of the report is stored as it arrives
 * (GET /devices/{id}/variables, docs/ocpp-2.0.1-device-model.md) and reaches platforms as the
 * exchange event. A NotifyReport is rare (after GetBaseReport or GetReport), so its write may
 * wait on the registry; a part larger than the store takes in one call goes in slices.
 */
export const notifyReport: Handler201<'NotifyReport'> = async (ctx, req) => {
  const items = variablesFromReport(req.reportData ?? []);
  for (let i = 0; i < items.length; i += DEVICE_VARIABLE_LIMITS.items) {
    await ctx.store.saveDeviceVariables(ctx.session.device.id, items.slice(i, i + DEVICE_VARIABLE_LIMITS.items));
  }
  if (items.length) ctx.session.log.debug({ requestId: req.requestId, seqNo: req.seqNo, tbc: req.tbc ?? false, attributes: items.length }, 'device model report stored');
  return {};
};

/**
 * P01-P02: "If the recipient has no implementation for the specific vendorId it SHALL return a
 * status 'UnknownVendorId'" (as 1.6 §4.3); vendor data is consumed from the events topic.
 */
export const dataTransfer: Handler201<'DataTransfer'> = () => ({ status: 'UnknownVendorId' });

/**
 * A02/A03: a CSR is signed by the configured CA, forwarded to the platform, or Rejected
 * (gateway/certificates/service.ts, OCPP_CSR_MODE). An ISO 15118 contract certificate request
 * and an OCSP status request are Failed (M02, M06), as the schemas allow; docs/ocpp-2.0.1.md says so.
 */
export const signCertificate: Handler201<'SignCertificate'> = (ctx, req) => (ctx.certificates ? ctx.certificates.signCertificate(ctx.session, ctx.messageId, req) : { status: 'Rejected' });
export const get15118EVCertificate: Handler201<'Get15118EVCertificate'> = () => ({ status: 'Failed', exiResponse: '' });
export const getCertificateStatus: Handler201<'GetCertificateStatus'> = () => ({ status: 'Failed' });

// K15-K17 (ISO 15118 charging needs and the EV's schedule): accepted; the gateway computes no
// schedule itself (the platform does, with SetChargingProfile).
export const notifyEVChargingNeeds: Handler201<'NotifyEVChargingNeeds'> = () => ({ status: 'Accepted' });
export const notifyEVChargingSchedule: Handler201<'NotifyEVChargingSchedule'> = () => ({ status: 'Accepted' });

// Acknowledged: their content is the exchange event.
export const clearedChargingLimit: Handler201<'ClearedChargingLimit'> = () => ({});
export const notifyChargingLimit: Handler201<'NotifyChargingLimit'> = () => ({});
export const notifyCustomerInformation: Handler201<'NotifyCustomerInformation'> = () => ({});
export const notifyDisplayMessages: Handler201<'NotifyDisplayMessages'> = () => ({});
export const notifyMonitoringReport: Handler201<'NotifyMonitoringReport'> = () => ({});
export const publishFirmwareStatusNotification: Handler201<'PublishFirmwareStatusNotification'> = () => ({});
export const reportChargingProfiles: Handler201<'ReportChargingProfiles'> = () => ({});
export const reservationStatusUpdate: Handler201<'ReservationStatusUpdate'> = () => ({});
