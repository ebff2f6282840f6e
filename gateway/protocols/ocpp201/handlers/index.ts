import { authorize } from './authorize.ts';
import { bootNotification } from './boot-notification.ts';
import { meterValues } from './meter-values.ts';
import * as n from './notifications.ts';
import { statusNotification } from './status-notification.ts';
import { transactionEvent } from './transaction-event.ts';
import type { HandlerTable201 } from './types.ts';

/** Every charging-station-initiated OCPP 2.0.1 action. */
export const handlers201 = {
  Authorize: authorize,
  BootNotification: bootNotification,
  ClearedChargingLimit: n.clearedChargingLimit,
  DataTransfer: n.dataTransfer,
  FirmwareStatusNotification: n.firmwareStatusNotification,
  Get15118EVCertificate: n.get15118EVCertificate,
  GetCertificateStatus: n.getCertificateStatus,
  Heartbeat: n.heartbeat,
  LogStatusNotification: n.logStatusNotification,
  MeterValues: meterValues,
  NotifyChargingLimit: n.notifyChargingLimit,
  NotifyCustomerInformation: n.notifyCustomerInformation,
  NotifyDisplayMessages: n.notifyDisplayMessages,
  NotifyEVChargingNeeds: n.notifyEVChargingNeeds,
  NotifyEVChargingSchedule: n.notifyEVChargingSchedule,
  NotifyEvent: n.notifyEvent,
  NotifyMonitoringReport: n.notifyMonitoringReport,
  NotifyReport: n.notifyReport,
  PublishFirmwareStatusNotification: n.publishFirmwareStatusNotification,
  ReportChargingProfiles: n.reportChargingProfiles,
  ReservationStatusUpdate: n.reservationStatusUpdate,
  SecurityEventNotification: n.securityEventNotification,
  SignCertificate: n.signCertificate,
  StatusNotification: statusNotification,
  TransactionEvent: transactionEvent,
} satisfies HandlerTable201;
