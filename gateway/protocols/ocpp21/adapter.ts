/**
 * OCPP 2.1 behind the seam (../adapter.ts): its schemas, the 2.0.1 handlers for the messages
 * both versions have (2.1's schemas are a superset for them), and 2.1's own station messages.
 * 2.1-only messages without a handler here get NotImplemented (docs/ocpp-2.0.1.md "2.1").
 */
import type { HandlerContext } from '../context.ts';
import { tableLookup, type ProtocolAdapter } from '../adapter.ts';
import { handlers201 } from '../ocpp201/handlers/index.ts';
import { closePeriodicEventStream, notifyPeriodicEventStream, openPeriodicEventStream } from './handlers/periodic-event-stream.ts';
import { OCPP_VERSIONS } from '../../../ocpp/versions.ts';

const ack = () => ({});

export const handlers21 = {
  ...handlers201,
  OpenPeriodicEventStream: openPeriodicEventStream,
  ClosePeriodicEventStream: closePeriodicEventStream,
  NotifyPeriodicEventStream: notifyPeriodicEventStream,
  // Their content reaches platforms as the exchange event; the responses have no required field.
  BatterySwap: ack,
  NotifyDERAlarm: ack,
  NotifyDERStartStop: ack,
  NotifyPriorityCharging: ack,
  NotifySettlement: ack,
  ReportDERControl: ack,
  // No dynamic schedules or VAT checks are kept here: the station is told so.
  PullDynamicScheduleUpdate: () => ({ status: 'Rejected' }),
  VatNumberValidation: (_ctx: HandlerContext, req: { vatNumber: string }) => ({ vatNumber: req.vatNumber, status: 'Rejected' }),
};

export const ocpp21: ProtocolAdapter = {
  ...OCPP_VERSIONS['ocpp2.1'],
  handler: tableLookup(handlers21),
  telemetryActions: new Set(['MeterValues', 'TransactionEvent', 'NotifyPeriodicEventStream']),
};
