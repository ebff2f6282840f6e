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
