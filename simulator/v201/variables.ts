/**
 * What a simulated 2.0.1 / 2.1 station has in its device model: the required core components
 * and variables a certification run checks for after GetBaseReport FullInventory (part 6
 * TC_B_12_CS, "Required Core components/variables") for the functional blocks the simulator
 * implements (local authorization list, reservations, smart charging), plus the reconnect
 * back-off of part 4 §5.3. Station facts in, Variable list out; live values (availability,
 * power, counts) are read through functions the station passes.
 */
import type { Profile } from '../profiles.ts';
import type { Variable } from './device-model.ts';
import type { ComponentRef } from './types.ts';

export interface StationFacts {
  identity: string;
  profile: Profile;
  evses: number;
  serialNumber: string;
  /** TxUpdatedInterval, s (the simulator's --interval; may be fractional). */
  intervalS: number;
  /** 1 with a Basic Auth password (security profile 1), else 0 (no security profile). */
  securityProfile: number;
}

export interface LiveValues {
  stationAvailability(): string;
  evseAvailability(evseId: number): string;
  connectorAvailability(evseId: number): string;
  evsePowerW(evseId: number): number;
  evseTemperatureC(evseId: number): number;
  localListEntries(): number;
  chargingProfiles(): number;
}

/** The measurands each profile samples (simulator/profiles.ts; the DC charger's temperature is AcDcConverter.Temperature). */
export const MEASURANDS: Readonly<Record<Profile['name'], string>> = {
  dc: 'Power.Active.Import,Current.Import,Voltage,SoC,Energy.Active.Import.Register,Power.Offered,Current.Offered',
  ac: 'Current.Import,Voltage,Power.Active.Import,Energy.Active.Import.Register',
};

const AVAILABILITY = 'Available,Occupied,Reserved,Unavailable,Faulted';
const TX_POINTS = 'ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed,EnergyTransfer,DataSigned';
const ENERGY = 'Energy.Active.Import.Register';

export function stationVariables(f: StationFacts, live: LiveValues): Variable[] {
  const out: Variable[] = [];
  const add = (component: ComponentRef | string, name: string, v: Omit<Variable, 'component' | 'variable'>, instance?: string) =>
    out.push({ component: typeof component === 'string' ? { name: component } : component, variable: { name, ...(instance ? { instance } : {}) }, ...v });
  const ro = (dataType: Variable['dataType'], value: Variable['value'], more: Partial<Variable> = {}) => ({ mutability: 'ReadOnly' as const, dataType, value, ...more });
  const rw = (dataType: Variable['dataType'], value: string, more: Partial<Variable> = {}) => ({ mutability: 'ReadWrite' as const, dataType, value, ...more });
  const ac = f.profile.name === 'ac';
  const measurands = MEASURANDS[f.profile.name];
  const count = measurands.split(',').length;
  const seconds = Number.isInteger(f.intervalS) ? 'integer' : 'decimal';

  add('ChargingStation', 'AvailabilityState', ro('OptionList', live.stationAvailability, { valuesList: AVAILABILITY }));
  add('ChargingStation', 'Available', ro('boolean', 'true'));
  add('ChargingStation', 'Problem', ro('boolean', 'false'));
  add('ChargingStation', 'SupplyPhases', ro('integer', '3'));
  add('ChargingStation', 'VendorName', ro('string', f.profile.vendor));
  add('ChargingStation', 'Model', ro('string', f.profile.model));
  add('ChargingStation', 'SerialNumber', ro('string', f.serialNumber));
  for (let id = 1; id <= f.evses; id++) {
    const evse = { name: 'EVSE', evse: { id } };
    add(evse, 'AvailabilityState', ro('OptionList', () => live.evseAvailability(id), { valuesList: AVAILABILITY }));
    add(evse, 'Available', ro('boolean', 'true'));
    add(evse, 'Problem', ro('boolean', 'false'));
    add(evse, 'Power', ro('decimal', () => live.evsePowerW(id).toFixed(0), { unit: 'W', maxLimit: f.profile.maxPowerW }));
    add(evse, 'SupplyPhases', ro('integer', ac ? '3' : '0'));
    const connector = { name: 'Connector', evse: { id, connectorId: 1 } };
    add(connector, 'AvailabilityState', ro('OptionList', () => live.connectorAvailability(id), { valuesList: AVAILABILITY }));
    add(connector, 'Available', ro('boolean', 'true'));
    add(connector, 'Problem', ro('boolean', 'false'));
    add(connector, 'ConnectorType', ro('string', ac ? 'sType2' : 'cCCS2'));
    add(connector, 'SupplyPhases', ro('integer', ac ? '3' : '0'));
    // What the 1.6 DC charger sends as the Temperature measurand (location Body).
    if (!ac) add({ name: 'AcDcConverter', evse: { id } }, 'Temperature', ro('decimal', () => live.evseTemperatureC(id).toFixed(1), { unit: 'Celsius' }));
  }

  add('AlignedDataCtrlr', 'Interval', rw('integer', '0', { unit: 's', minLimit: 0 }));
  add('AlignedDataCtrlr', 'Measurands', rw('MemberList', ENERGY, { valuesList: measurands, maxLimit: count }));
  add('AlignedDataCtrlr', 'TxEndedInterval', rw('integer', '0', { unit: 's', minLimit: 0 }));
  add('AlignedDataCtrlr', 'TxEndedMeasurands', rw('MemberList', ENERGY, { valuesList: measurands, maxLimit: count }));
  add('SampledDataCtrlr', 'Enabled', rw('boolean', 'true'));
  add('SampledDataCtrlr', 'TxStartedMeasurands', rw('MemberList', ENERGY, { valuesList: measurands, maxLimit: count }));
  add('SampledDataCtrlr', 'TxUpdatedMeasurands', rw('MemberList', measurands, { valuesList: measurands, maxLimit: count }));
  add('SampledDataCtrlr', 'TxUpdatedInterval', rw(seconds, String(f.intervalS), { unit: 's', minLimit: 0 }));
  add('SampledDataCtrlr', 'TxEndedMeasurands', rw('MemberList', ENERGY, { valuesList: measurands, maxLimit: count }));
  add('SampledDataCtrlr', 'TxEndedInterval', rw('integer', '0', { unit: 's', minLimit: 0 }));

  add('AuthCtrlr', 'Enabled', rw('boolean', 'true'));
  add('AuthCtrlr', 'AuthorizeRemoteStart', rw('boolean', 'false'));
  add('AuthCtrlr', 'LocalAuthorizeOffline', rw('boolean', 'true'));
  add('AuthCtrlr', 'LocalPreAuthorize', rw('boolean', 'false'));
  add('AuthCacheCtrlr', 'Enabled', rw('boolean', 'true'));
  add('AuthCacheCtrlr', 'Available', ro('boolean', 'true'));
  add('LocalAuthListCtrlr', 'Enabled', rw('boolean', 'true'));
  add('LocalAuthListCtrlr', 'Available', ro('boolean', 'true'));
  add('LocalAuthListCtrlr', 'Entries', ro('integer', () => String(live.localListEntries()), { maxLimit: 10_000 }));
  add('LocalAuthListCtrlr', 'ItemsPerMessage', ro('integer', '100'));
  add('LocalAuthListCtrlr', 'BytesPerMessage', ro('integer', '65000'));
  add('ReservationCtrlr', 'Enabled', rw('boolean', 'true'));
  add('ReservationCtrlr', 'Available', ro('boolean', 'true'));
  add('ReservationCtrlr', 'NonEvseSpecific', ro('boolean', 'true'));
  add('SmartChargingCtrlr', 'Enabled', rw('boolean', 'true'));
  add('SmartChargingCtrlr', 'Available', ro('boolean', 'true'));
  add('SmartChargingCtrlr', 'Entries', ro('integer', () => String(live.chargingProfiles()), { maxLimit: 32 }), 'ChargingProfiles');
  add('SmartChargingCtrlr', 'LimitChangeSignificance', rw('decimal', '5', { unit: 'Percent', minLimit: 0, maxLimit: 100 }));
  add('SmartChargingCtrlr', 'PeriodsPerSchedule', ro('integer', '24'));
  add('SmartChargingCtrlr', 'ProfileStackLevel', ro('integer', '8'));
  add('SmartChargingCtrlr', 'RateUnit', ro('MemberList', 'A,W', { valuesList: 'A,W' }));

  add('ClockCtrlr', 'DateTime', ro('dateTime', () => new Date().toISOString()));
  add('ClockCtrlr', 'TimeSource', rw('SequenceList', 'Heartbeat', { valuesList: 'Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter' }));
  add('DeviceDataCtrlr', 'ItemsPerMessage', ro('integer', '20'), 'GetReport');
  add('DeviceDataCtrlr', 'ItemsPerMessage', ro('integer', '50'), 'GetVariables');
  add('DeviceDataCtrlr', 'ItemsPerMessage', ro('integer', '50'), 'SetVariables');
  add('DeviceDataCtrlr', 'BytesPerMessage', ro('integer', '65000'), 'GetReport');
  add('DeviceDataCtrlr', 'BytesPerMessage', ro('integer', '65000'), 'GetVariables');
  add('DeviceDataCtrlr', 'BytesPerMessage', ro('integer', '65000'), 'SetVariables');

  add('OCPPCommCtrlr', 'HeartbeatInterval', rw('integer', '300', { unit: 's', minLimit: 1 }));
  add('OCPPCommCtrlr', 'FileTransferProtocols', ro('MemberList', 'HTTPS', { valuesList: 'FTP,FTPS,HTTP,HTTPS,SFTP' }));
  add('OCPPCommCtrlr', 'MessageTimeout', ro('integer', '30', { unit: 's' }), 'Default');
  add('OCPPCommCtrlr', 'MessageAttemptInterval', rw('integer', '10', { unit: 's', minLimit: 0 }), 'TransactionEvent');
  add('OCPPCommCtrlr', 'MessageAttempts', rw('integer', '3', { minLimit: 0 }), 'TransactionEvent');
  add('OCPPCommCtrlr', 'NetworkConfigurationPriority', rw('SequenceList', '1', { valuesList: '1' }));
  add('OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', rw('integer', '3', { minLimit: 1 }));
  add('OCPPCommCtrlr', 'OfflineThreshold', rw('integer', '60', { unit: 's', minLimit: 0 }));
  add('OCPPCommCtrlr', 'ResetRetries', rw('integer', '2', { minLimit: 0 }));
  add('OCPPCommCtrlr', 'RetryBackOffRepeatTimes', rw('integer', '6', { minLimit: 0 }));
  add('OCPPCommCtrlr', 'RetryBackOffRandomRange', rw('integer', '2', { unit: 's', minLimit: 0 }));
  add('OCPPCommCtrlr', 'RetryBackOffWaitMinimum', rw('integer', '1', { unit: 's', minLimit: 0 }));
  // A fixed cable (DC) cannot be unlocked at the station: ReadOnly false (part 2 appendix 3.1.12).
  add('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', ac ? rw('boolean', 'true') : ro('boolean', 'false'));
  add('OCPPCommCtrlr', 'WebSocketPingInterval', rw('integer', '0', { unit: 's', minLimit: 0 }));

  add('SecurityCtrlr', 'SecurityProfile', ro('integer', String(f.securityProfile)));
  add('SecurityCtrlr', 'Identity', ro('string', f.identity));
  add('SecurityCtrlr', 'OrganizationName', rw('string', 'chargebridge simulator'));
  add('SecurityCtrlr', 'CertificateEntries', ro('integer', '0', { maxLimit: 10 }));
  add('SecurityCtrlr', 'BasicAuthPassword', { mutability: 'WriteOnly', dataType: 'string', value: '', minLimit: 16, maxLimit: 40 });

  add('TxCtrlr', 'EVConnectionTimeOut', rw('integer', '60', { unit: 's', minLimit: 0 }));
  add('TxCtrlr', 'StopTxOnEVSideDisconnect', ro('boolean', 'true'));
  add('TxCtrlr', 'StopTxOnInvalidId', rw('boolean', 'true'));
  // The simulated driver plugs in and badges at once: either event starts the transaction.
  add('TxCtrlr', 'TxStartPoint', ro('MemberList', 'EVConnected,Authorized', { valuesList: TX_POINTS }));
  add('TxCtrlr', 'TxStopPoint', ro('MemberList', 'EVConnected,Authorized', { valuesList: TX_POINTS }));
  return out;
}
