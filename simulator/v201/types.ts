/**
 * The OCPP 2.0.1 / 2.1 payload shapes the simulated stations send and read, typed locally: the
 * generated 2.0.1 types will live in ocpp/ocpp201/types.ts, and the simulator must
 * compile without them. Only the fields the stations use; the schemas (ocpp-rpc's ocpp2_0_1.json
 * and ocpp2_1.json, the 2.1 ones a superset for these messages) are the reference, and
 * station.test.ts validates every message against them.
 */

export type Protocol201 = 'ocpp2.0.1' | 'ocpp2.1';

export type BootReason = 'ApplicationReset' | 'FirmwareUpdate' | 'LocalReset' | 'PowerUp' | 'RemoteReset' | 'ScheduledReset' | 'Triggered' | 'Unknown' | 'Watchdog';
export type ConnectorStatus = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type ReadingContext = 'Interruption.Begin' | 'Interruption.End' | 'Other' | 'Sample.Clock' | 'Sample.Periodic' | 'Transaction.Begin' | 'Transaction.End' | 'Trigger';
export type Location = 'Body' | 'Cable' | 'EV' | 'Inlet' | 'Outlet';
export type Phase = 'L1' | 'L2' | 'L3' | 'N' | 'L1-N' | 'L2-N' | 'L3-N' | 'L1-L2' | 'L2-L3' | 'L3-L1';
export type TriggerReason =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EVCommunicationLost'
  | 'MeterValuePeriodic'
  | 'RemoteStart'
  | 'RemoteStop'
  | 'ResetCommand'
  | 'StopAuthorized'
  | 'Trigger'
  | 'TxResumed';
export type StoppedReason = 'DeAuthorized' | 'EVDisconnected' | 'ImmediateReset' | 'Local' | 'Other' | 'Remote' | 'SOCLimitReached';
export type ChargingState = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';

export interface UnitOfMeasure {
  unit?: string;
  multiplier?: number;
}

export interface SampledValue {
  value: number;
  measurand?: string;
  context?: ReadingContext;
  phase?: Phase;
  location?: Location;
  unitOfMeasure?: UnitOfMeasure;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface IdToken {
  idToken: string;
  /** An enumeration in 2.0.1 (ISO14443, Central, ...), a string[20] in 2.1. */
  type: string;
}

export interface EvseRef {
  id: number;
  connectorId?: number;
}

export interface TransactionEventRequest {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: TriggerReason;
  seqNo: number;
  offline?: boolean;
  reservationId?: number;
  transactionInfo: {
    transactionId: string;
    chargingState?: ChargingState;
    timeSpentCharging?: number;
    stoppedReason?: StoppedReason;
    remoteStartId?: number;
  };
  evse?: EvseRef;
  idToken?: IdToken;
  meterValue?: MeterValue[];
}

export interface IdTokenInfo {
  status: string;
}

export interface BootNotificationResponse {
  currentTime: string;
  interval: number;
  status: 'Accepted' | 'Pending' | 'Rejected';
}

export interface ComponentRef {
  name: string;
  instance?: string;
  evse?: EvseRef;
}

export interface VariableRef {
  name: string;
  instance?: string;
}

export type AttributeType = 'Actual' | 'Target' | 'MinSet' | 'MaxSet';
export type Mutability = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
export type DataType = 'string' | 'decimal' | 'integer' | 'dateTime' | 'boolean' | 'OptionList' | 'SequenceList' | 'MemberList';

export interface GetVariableData {
  attributeType?: AttributeType;
  component: ComponentRef;
  variable: VariableRef;
}

export interface SetVariableData extends GetVariableData {
  attributeValue: string;
}

export interface StatusInfo {
  reasonCode: string;
  additionalInfo?: string;
}

export interface GetVariableResult {
  attributeStatus: 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType';
  attributeStatusInfo?: StatusInfo;
  attributeType?: AttributeType;
  attributeValue?: string;
  component: ComponentRef;
  variable: VariableRef;
}

export interface SetVariableResult {
  attributeStatus: 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType' | 'RebootRequired';
  attributeStatusInfo?: StatusInfo;
  attributeType?: AttributeType;
  component: ComponentRef;
  variable: VariableRef;
}

export interface ReportData {
  component: ComponentRef;
  variable: VariableRef;
  variableAttribute: Array<{ type?: AttributeType; value?: string; mutability?: Mutability; persistent?: boolean; constant?: boolean }>;
  variableCharacteristics?: { unit?: string; dataType: DataType; minLimit?: number; maxLimit?: number; valuesList?: string; supportsMonitoring: boolean };
}

export interface NotifyReportRequest {
  requestId: number;
  generatedAt: string;
  seqNo: number;
  tbc?: boolean;
  reportData?: ReportData[];
}

export interface ChargingSchedulePeriod {
  startPeriod: number;
  limit?: number;
  numberPhases?: number;
}

export interface ChargingProfile {
  id: number;
  stackLevel: number;
  chargingProfilePurpose: string;
  chargingProfileKind: string;
  transactionId?: string;
  chargingSchedule: Array<{ id: number; chargingRateUnit: 'W' | 'A'; chargingSchedulePeriod: ChargingSchedulePeriod[] }>;
}
