/**
 * Every message a CSMS can send a 2.0.1 / 2.1 station gets an answer: the station's own
 * (commands.ts, exercised against a strict CSMS in station.test.ts) or the "not here" answer of
 * fallback.ts, which must pass the official response schema. Validated here with ocpp-rpc's
 * validators, without sockets.
 */
import { describe, expect, it } from 'vitest';
import { newStats } from '../charger.ts';
import { commandTable } from './commands.ts';
import { fallbackActions, fallbackAnswer } from './fallback.ts';
import { SimStation } from './station.ts';
import { strictValidator201, strictValidator21 } from './test-csms.ts';
import type { Protocol201 } from './types.ts';

/** OCPP 2.0.1 part 2: the messages sent by the CSMS to a Charging Station. */
const CSMS_TO_STATION_201 = [
  'CancelReservation', 'CertificateSigned', 'ChangeAvailability', 'ClearCache', 'ClearChargingProfile', 'ClearDisplayMessage', 'ClearVariableMonitoring', 'CostUpdated',
  'CustomerInformation', 'DataTransfer', 'DeleteCertificate', 'GetBaseReport', 'GetChargingProfiles', 'GetCompositeSchedule', 'GetDisplayMessages', 'GetInstalledCertificateIds',
  'GetLocalListVersion', 'GetLog', 'GetMonitoringReport', 'GetReport', 'GetTransactionStatus', 'GetVariables', 'InstallCertificate', 'PublishFirmware', 'RequestStartTransaction',
  'RequestStopTransaction', 'ReserveNow', 'Reset', 'SendLocalList', 'SetChargingProfile', 'SetDisplayMessage', 'SetMonitoringBase', 'SetMonitoringLevel', 'SetNetworkProfile',
  'SetVariableMonitoring', 'SetVariables', 'TriggerMessage', 'UnlockConnector', 'UnpublishFirmware', 'UpdateFirmware',
];
/** What 2.1 adds (ocpp2_1.json). */
const CSMS_TO_STATION_21 = [
  ...CSMS_TO_STATION_201, 'AdjustPeriodicEventStream', 'AFRRSignal', 'ChangeTransactionTariff', 'ClearDERControl', 'ClearTariffs', 'GetDERControl', 'GetPeriodicEventStream',
  'GetTariffs', 'NotifyAllowedEnergyTransfer', 'NotifyWebPaymentStarted', 'RequestBatterySwap', 'SetDefaultTariff', 'SetDERControl', 'UpdateDynamicSchedule', 'UsePriorityCharging',
];

/** The requests the answers depend on. */
const REQUESTS: Record<string, Record<string, unknown>> = {
  ClearVariableMonitoring: { id: [3, 4] },
  SetVariableMonitoring: { setMonitoringData: [{ value: 10, type: 'UpperThreshold', severity: 3, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] },
  ClearTariffs: { tariffIds: ['T1', 'T2'] },
};

describe.each([
  ['ocpp2.0.1', CSMS_TO_STATION_201, strictValidator201],
  ['ocpp2.1', CSMS_TO_STATION_21, strictValidator21],
] as const)('%s', (protocol: Protocol201, actions, validator) => {
  const station = new SimStation({ url: 'ws://127.0.0.1:1', identity: 'X', profile: 'dc', protocol, intervalS: 10, stats: newStats() });
  const handled = Object.keys(commandTable(station));
  const schemas = validator();

  it('answers every CSMS-initiated message, by a handler or a fallback', () => {
    expect(actions.filter((a) => !handled.includes(a) && !fallbackActions(protocol).includes(a))).toEqual([]);
    expect(handled.filter((a) => fallbackActions(protocol).includes(a))).toEqual([]);
  });

  it.each(fallbackActions(protocol))('%s: the fallback answer passes the response schema', (action) => {
    const answer = fallbackAnswer(protocol, action, REQUESTS[action] ?? {});
    expect(() => schemas.validate(`urn:${action}.conf`, answer)).not.toThrow();
  });

  it('has no fallback for what is not an OCPP message (NotImplemented)', () => {
    expect(fallbackAnswer(protocol, 'NoSuchAction', {})).toBeUndefined();
    expect(fallbackAnswer(protocol, 'toString', {})).toBeUndefined();
  });
});
