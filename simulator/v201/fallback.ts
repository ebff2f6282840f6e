/**
 * The answer a simulated station gives to the CSMS-initiated messages it does not act on
 * (display messages, certificates, monitoring, network profiles, tariffs, DER control, ...):
 * the "not here" answer of each response schema (Rejected, NotSupported, Unknown, NotFound,
 * NoTariff, ...), never a CALLERROR, so a CSMS sees a well-formed answer to everything it may
 * send. Pure; fallback.test.ts validates every one against the official response schemas.
 */
import type { Protocol201 } from './types.ts';

type Answer = (p: Record<string, any>) => Record<string, unknown>;

const status = (s: string): Answer => () => ({ status: s });

/** Both 2.0.1 and 2.1. */
const COMMON: Record<string, Answer> = {
  CertificateSigned: status('Rejected'),
  ClearDisplayMessage: status('Unknown'),
  // One result per monitor id asked for: none exist.
  ClearVariableMonitoring: (p) => ({ clearMonitoringResult: (p['id'] as number[]).map((id) => ({ id, status: 'NotFound' })) }),
  CostUpdated: () => ({}),
  CustomerInformation: status('Rejected'),
  DeleteCertificate: status('NotFound'),
  GetDisplayMessages: status('Unknown'),
  GetInstalledCertificateIds: status('NotFound'),
  GetMonitoringReport: status('EmptyResultSet'),
  InstallCertificate: status('Rejected'),
  // CSMS → Local Controller only.
  PublishFirmware: status('Rejected'),
  UnpublishFirmware: status('NoFirmware'),
  SetDisplayMessage: status('Rejected'),
  SetMonitoringBase: status('Rejected'),
  SetMonitoringLevel: status('Rejected'),
  SetNetworkProfile: status('Rejected'),
  // One result per monitor asked for, echoing it (the response requires type, severity, component, variable).
  SetVariableMonitoring: (p) => ({
    setMonitoringResult: (p['setMonitoringData'] as Array<Record<string, unknown>>).map((d) => ({ type: d['type'], severity: d['severity'], component: d['component'], variable: d['variable'], status: 'UnsupportedMonitorType' })),
  }),
};

/** 2.1 only (ocpp2_1.json): tariffs, DER control, battery swap, priority charging, ... */
const V21: Record<string, Answer> = {
  AFRRSignal: status('Rejected'),
  ChangeTransactionTariff: status('Rejected'),
  ClearDERControl: status('NotSupported'),
  ClearTariffs: (p) => ({ clearTariffsResult: ((p['tariffIds'] as string[] | undefined) ?? [undefined]).map((tariffId) => ({ ...(tariffId ? { tariffId } : {}), status: 'NoTariff' })) }),
  GetDERControl: status('NotSupported'),
  GetTariffs: status('NoTariff'),
  NotifyAllowedEnergyTransfer: status('Rejected'),
  NotifyWebPaymentStarted: () => ({}),
  RequestBatterySwap: status('Rejected'),
  SetDefaultTariff: status('Rejected'),
  SetDERControl: status('NotSupported'),
  UpdateDynamicSchedule: status('Rejected'),
  UsePriorityCharging: status('NoProfile'),
};

const TABLES: Record<Protocol201, Readonly<Record<string, Answer>>> = { 'ocpp2.0.1': COMMON, 'ocpp2.1': { ...COMMON, ...V21 } };

/** The fallback answer for `action` on `protocol`, or undefined when it has none (the action is unknown: NotImplemented). */
export function fallbackAnswer(protocol: Protocol201, action: string, params: Record<string, any>): Record<string, unknown> | undefined {
  const fn = Object.hasOwn(TABLES[protocol], action) ? TABLES[protocol][action] : undefined;
  return fn?.(params);
}

export function fallbackActions(protocol: Protocol201): string[] {
  return Object.keys(TABLES[protocol]);
}
