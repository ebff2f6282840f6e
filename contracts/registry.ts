/**
 * The registry's data as every role sees it: devices, transactions, ID tags, API tokens,
 * templates, stored shadows, the filters they are listed by, and the errors of the store that
 * keeps them (StoreError). The store's port itself is device-registry/store/types.ts
 * (RegistryStore); the gateway reads and writes through a narrower one of its own
 * (gateway/store-port.ts) that the same stores implement.
 */
import type { TokenRole } from '../common/http/auth.ts';
import type { OcppProtocol } from '../ocpp/protocols.ts';

export type SecurityProfile = 1 | 2 | 3;

/** OCPP 2.0.1 TransactionType.transactionId: a string of at most 36 characters (migration 8). */
export const CHARGER_TRANSACTION_ID_MAX = 36;

export type AttrValue = string | number | boolean | null;

export interface Site {
  name?: string | undefined;
  address?: string | undefined;
  lat?: number | undefined;
  lng?: number | undefined;
}

export interface Device {
  /** Registry id, safe in MQTT topics (lowercase hex). Not the chargePointId. */
  id: string;
  tenant: string;
  /** OCPP identity: the last path segment of the charger's WebSocket URL. Unique across tenants. */
  chargePointId: string;
  label: string;
  enabled: boolean;
  /** scrypt hash of the OCPP Basic-auth password (security profile 1), or null: no password set. */
  passwordHash: string | null;
  /**
   * A new password sent to the charger and not yet known to be in use (a rotation,
   * device-registry/routes/password-rotation.ts): accepted beside `passwordHash` until then.
   */
  pendingPasswordHash: string | null;
  /** Per-device override of OCPP_LENIENT; null follows the global setting. */
  lenient: boolean | null;
  /**
   * OCPP security profile the charger must connect with (1.6 security whitepaper §2): 1 = HTTP
   * Basic (when a password is set), 2 = TLS + Basic, 3 = TLS with a client certificate bound
   * to the identity. A connection below it is refused (docs/security.md).
   */
  securityProfile: SecurityProfile;
  /**
   * The subprotocol preferred for this charger when it offers several at the handshake (it gets
   * this one if it offers it, else its own first choice among those enabled); null: the
   * charger's own order of preference (docs/chargers.md, "Choosing the OCPP version").
   */
  ocppProtocol: OcppProtocol | null;
  templates: string[];
  /** Static attributes, filled from BootNotification (vendor, model, serial numbers, firmware, ...). */
  attrs: Record<string, AttrValue>;
  site: Site | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewDevice {
  /** Optional explicit id; generated when absent. */
  id?: string | undefined;
  tenant: string;
  chargePointId: string;
  label?: string | undefined;
  enabled?: boolean | undefined;
  passwordHash?: string | null | undefined;
  pendingPasswordHash?: string | null | undefined;
  lenient?: boolean | null | undefined;
  securityProfile?: SecurityProfile | undefined;
  /** Refused with StoreError 'INVALID' (field 'ocppProtocol') when not one of OCPP_PROTOCOLS. */
  ocppProtocol?: OcppProtocol | null | undefined;
  templates?: string[] | undefined;
  attrs?: Record<string, AttrValue> | undefined;
  site?: Site | null | undefined;
}

export type DevicePatch = Partial<Omit<NewDevice, 'id' | 'tenant'>>;

export type TransactionStatus = 'active' | 'completed';

export interface Transaction {
  /**
   * Our own id, allocated by the store, strictly increasing, never handed out twice: the OCPP
   * 1.6 transactionId, and the `transactionId` MQTT consumers see for every session (2.0.1 too).
   */
  id: number;
  deviceId: string;
  tenant: string;
  /**
   * OCPP 2.0.1: the id the charging station assigned itself (TransactionEvent
   * transactionInfo.transactionId, at most 36 characters), unique per device. null for OCPP 1.6
   * sessions, whose id is ours.
   */
  chargerTransactionId: string | null;
  /** OCPP 2.0.1: the EVSE the session runs on (`connectorId` is the connector on that EVSE); null for 1.6. */
  evseId: number | null;
  connectorId: number;
  idTag: string;
  /** The idTag given in StopTransaction; chargers may send a different one (field notes). */
  stopIdTag: string | null;
  startedAt: string;
  stoppedAt: string | null;
  meterStart: number;
  meterStop: number | null;
  /** meterStop - meterStart, in Wh, once stopped. */
  energyWh: number | null;
  stopReason: string | null;
  reservationId: number | null;
  status: TransactionStatus;
}

export interface NewTransaction {
  deviceId: string;
  tenant: string;
  connectorId: number;
  idTag: string;
  meterStart: number;
  startedAt: string;
  reservationId?: number | null | undefined;
  /** OCPP 2.0.1: the station's own transactionId; a non-empty string of at most 36 characters. */
  chargerTransactionId?: string | null | undefined;
  /** OCPP 2.0.1: the EVSE id (int32). */
  evseId?: number | null | undefined;
}

/** What a later OCPP 2.0.1 TransactionEvent (Updated) may fill in that Started did not carry. */
export interface TransactionStartPatch {
  meterStart?: number | undefined;
  idTag?: string | undefined;
  /**
   * The EVSE, for a session a 2.0.1 station started before the cable was in (authorization
   * first: TransactionEvent Started without `evse`): sets `evseId` and `connectorId` alike.
   */
  evseId?: number | undefined;
}

export interface TransactionStop {
  meterStop: number;
  stoppedAt: string;
  stopReason?: string | null | undefined;
  stopIdTag?: string | null | undefined;
}

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTag {
  tenant: string;
  idTag: string;
  status: IdTagStatus;
  expiryDate: string | null;
  parentIdTag: string | null;
}

/** An API token as stored: only the SHA-256 digest of the secret is kept. */
export interface ApiToken {
  id: string;
  tenant: string;
  role: TokenRole;
  label: string;
  /** Lowercase hex SHA-256 of the token secret. */
  digest: string;
  createdAt: string;
  /** After this instant the token no longer authenticates; null: never expires. */
  expiresAt: string | null;
  /** When it last authenticated a request or an MQTT login (kept to the minute); null: never. */
  lastUsedAt: string | null;
}

export interface NewApiToken {
  id?: string | undefined;
  tenant: string;
  role: TokenRole;
  label?: string | undefined;
  digest: string;
  expiresAt?: string | null | undefined;
}

/** Dojot-style template attribute. */
export interface TemplateAttr {
  label: string;
  type: 'dynamic' | 'static' | 'actuator' | 'meta';
  valueType: 'float' | 'integer' | 'string' | 'bool' | 'geo' | 'object';
  staticValue?: AttrValue | undefined;
}

export interface Template {
  id: string;
  tenant: string;
  label: string;
  attrs: TemplateAttr[];
  createdAt: string;
  updatedAt: string;
}

export interface NewTemplate {
  id?: string | undefined;
  tenant: string;
  label: string;
  attrs: TemplateAttr[];
}

export type TemplatePatch = Partial<Pick<Template, 'label' | 'attrs'>>;

export interface Page<T> {
  items: T[];
  total: number;
}

/**
 * A device's last known shadow as the gateway wrote it (gateway/shadow.ts): opaque JSON to the
 * registry, which only keeps it and orders the writes by the shadow's connection.
 */
export interface ShadowWrite {
  deviceId: string;
  shadow: Record<string, unknown>;
  /** The shadow's `connectedAt`: a write for an older connection than the stored one is ignored. */
  connectedAt: string | null;
}

/** A device with its stored shadow (null: none written yet), for republishing at start. */
export interface DeviceShadow {
  device: Device;
  shadow: Record<string, unknown> | null;
}

/** OCPP 2.0.1 AttributeEnumType: which attribute of a variable (absent in a report: Actual). */
export const ATTRIBUTE_TYPES = ['Actual', 'Target', 'MinSet', 'MaxSet'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];
/** OCPP 2.0.1 MutabilityEnumType (absent in a report: ReadWrite). */
export const MUTABILITIES = ['ReadOnly', 'WriteOnly', 'ReadWrite'] as const;
export type Mutability = (typeof MUTABILITIES)[number];
/** OCPP 2.0.1 DataEnumType, a variable's characteristics.dataType. */
export const VARIABLE_DATA_TYPES = ['string', 'decimal', 'integer', 'dateTime', 'boolean', 'OptionList', 'SequenceList', 'MemberList'] as const;
export type VariableDataType = (typeof VARIABLE_DATA_TYPES)[number];

/**
 * Bounds of saveDeviceVariables (migration 9), checked before anything is written: the OCPP
 * 2.0.1 sizes (ComponentType.name / instance, VariableType.name / instance string[50],
 * VariableAttributeType.value string[2500], VariableCharacteristicsType.unit string[16],
 * valuesList string[1000]), and at most `items` rows per call: a NotifyReport part of 1,250
 * reportData entries with all four attributes. A larger part is saved in several calls.
 */
export const DEVICE_VARIABLE_LIMITS = { items: 5000, name: 50, instance: 50, value: 2500, unit: 16, valuesList: 1000 } as const;

/**
 * OCPP 2.0.1 VariableCharacteristicsType: a variable's fixed, read-only parameters, as the
 * station reported them (customData is not kept).
 */
export interface VariableCharacteristics {
  dataType: VariableDataType;
  supportsMonitoring: boolean;
  unit?: string | undefined;
  minLimit?: number | undefined;
  maxLimit?: number | undefined;
  /** Comma-separated: the allowed values of an OptionList, MemberList or SequenceList. */
  valuesList?: string | undefined;
}

/**
 * Where a variable attribute sits in an OCPP 2.0.1 station's device model: its key (migration 9).
 * Absent parts are null: a station-wide component has no EVSE, most have no instance.
 * Component and variable names and instances are case-insensitive (OCPP 2.0.1 ComponentType,
 * VariableType: "Case Insensitive"; ASCII letters, on both backends): `EVSE` and `evse` are the
 * same component, kept as last reported.
 */
export interface DeviceVariableKey {
  component: string;
  componentInstance: string | null;
  /** The component's EVSE (`component.evse.id`); null: the component belongs to the station as a whole. */
  evseId: number | null;
  /** The connector on that EVSE (`component.evse.connectorId`); null: the EVSE as a whole. */
  connectorId: number | null;
  variable: string;
  variableInstance: string | null;
  attributeType: AttributeType;
}

/** One attribute of one variable of a station's device model, as last reported (NotifyReport). */
export interface DeviceVariable extends DeviceVariableKey {
  deviceId: string;
  /** null when the station reported none (allowed for a WriteOnly attribute). */
  value: string | null;
  mutability: Mutability;
  /** Kept across reboots and power loss. */
  persistent: boolean;
  /** Never changed by the station at runtime. */
  constant: boolean;
  /** The variable's characteristics (the same on each of its attributes); null: never reported. */
  characteristics: VariableCharacteristics | null;
  /** When the registry last stored this row. */
  updatedAt: string;
}

/**
 * One attribute to store: one VariableAttribute of a NotifyReport reportData entry, with the
 * entry's component, variable and characteristics (`variablesFromReport` in device-variables.ts
 * makes them). Absent or null parts are absent from the key; an empty instance is the same as
 * none. Absent values take OCPP 2.0.1's defaults: attributeType Actual, mutability ReadWrite,
 * persistent and constant false.
 */
export interface DeviceVariableInput {
  component: string;
  componentInstance?: string | null | undefined;
  evseId?: number | null | undefined;
  /** Only with an evseId (a connector is on an EVSE). */
  connectorId?: number | null | undefined;
  variable: string;
  variableInstance?: string | null | undefined;
  attributeType?: AttributeType | null | undefined;
  value?: string | null | undefined;
  mutability?: Mutability | null | undefined;
  persistent?: boolean | null | undefined;
  constant?: boolean | null | undefined;
  characteristics?: VariableCharacteristics | null | undefined;
}

export interface DeviceVariableFilter {
  /** This component only (case-insensitive), any instance and EVSE. */
  component?: string | undefined;
  /** This variable only (case-insensitive), any instance. */
  variable?: string | undefined;
  /** Components on this EVSE only (any connector); station-wide ones are left out. */
  evseId?: number | undefined;
  /** Only rows after this key in the list's order (keyset paging: a long export never skips or repeats one). */
  after?: DeviceVariableKey | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface DeviceFilter {
  tenant?: string | undefined;
  chargePointId?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface TransactionFilter {
  tenant?: string | undefined;
  deviceId?: string | undefined;
  /** Sessions that started at or after `from` (ISO 8601). */
  from?: string | undefined;
  /** Sessions that started before `to` (ISO 8601). */
  to?: string | undefined;
  status?: TransactionStatus | undefined;
  /** Only transactions with a greater id (keyset paging: a long export never skips or repeats one). */
  afterId?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/**
 * DUPLICATE, NOT_FOUND, CONFLICT, INVALID: the request itself cannot be stored (INVALID: a value
 * the field does not take, named in `field`, e.g. a chargerTransactionId over 36 characters or an
 * unknown ocppProtocol; nothing was written). UNAVAILABLE: the storage cannot take it now (full,
 * read-only, I/O error, database unreachable); nothing was stored, or for a PostgreSQL connection
 * lost during the commit, nothing acknowledged. Retrying later is right.
 */
export type StoreErrorCode = 'DUPLICATE' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'UNAVAILABLE';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly field?: string;
  constructor(code: StoreErrorCode, message: string, field?: string, options?: { cause?: unknown; problem?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = field;
    this.name = 'StoreError';
    this.problem = options?.problem;
  }

  /** For UNAVAILABLE: what the storage reported, as common/health.ts names it (`DISK_FULL`, `READ_ONLY`, `IO_ERROR`, `UNAVAILABLE`). */
  readonly problem: string | undefined;
}
