/**
 * The registry's storage port. Two backends implement it: the embedded SQLite file under
 * DATA_DIR (the all-in-one default) and PostgreSQL (DATABASE_URL, shared by several gateways).
 * Both must pass the same contract suite in `contract.ts` (the aedes-persistence model).
 * What it stores and the errors it reports are the contracts' (contracts/registry.ts).
 *
 * Every method is async even on SQLite so that callers cannot come to rely on synchronous
 * storage; none of them is on the MeterValues hot path (the gateway reads devices through
 * its cache at connect time).
 *
 * A write resolves only once it has committed (durably: SQLite synchronous = FULL). When the
 * storage cannot take it (full, read-only, I/O error, database unreachable) it rejects with
 * StoreError('UNAVAILABLE') and nothing of it is stored (`contract-faults.ts`).
 */
import type {
  ApiToken,
  Device,
  DeviceFilter,
  DevicePatch,
  DeviceShadow,
  DeviceVariable,
  DeviceVariableFilter,
  DeviceVariableInput,
  IdTag,
  NewApiToken,
  NewDevice,
  NewTemplate,
  NewTransaction,
  Page,
  ShadowWrite,
  Template,
  TemplatePatch,
  Transaction,
  TransactionFilter,
  TransactionStartPatch,
  TransactionStop,
} from '../../contracts/registry.ts';
import type { AlertStore } from './alert-types.ts';
import type { ProfileUpgradeStore } from '../../contracts/security-profile-upgrade.ts';
import type { CertificateRegisterStore } from '../../contracts/certificates.ts';

export interface RegistryStore extends AlertStore, ProfileUpgradeStore, CertificateRegisterStore {
  /** Applies pending versioned schema migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Throws a StoreError with code 'DUPLICATE' when chargePointId (or id) already exists. */
  createDevice(input: NewDevice): Promise<Device>;
  getDevice(id: string): Promise<Device | null>;
  getDeviceByChargePointId(chargePointId: string): Promise<Device | null>;
  listDevices(filter: DeviceFilter): Promise<Page<Device>>;
  /** Atomic: either the whole patch is applied or nothing. `attrs` are merged key by key. */
  updateDevice(id: string, patch: DevicePatch): Promise<Device | null>;
  deleteDevice(id: string): Promise<boolean>;

  /**
   * Allocates the next transactionId atomically (OCPP 1.6 §6.46: the Central System assigns it).
   *
   * With `chargerTransactionId` (OCPP 2.0.1, where the station assigns its own id) it is
   * idempotent: when the device already has a session with that charger id, no second row is
   * created and the existing session is returned as stored (its other fields are not compared
   * or changed), whether it is active or completed. A 2.0.1 station resends TransactionEvent
   * Started after a lost answer, perhaps to another gateway process at the same time: this is
   * race-free, held by a unique index on (device_id, charger_transaction_id) with INSERT ... ON
   * CONFLICT DO NOTHING followed by a SELECT of the winner, so concurrent starts with the same
   * (deviceId, chargerTransactionId) all resolve to the one same row. The same charger id on two
   * devices is two sessions. Refused before anything is written: a chargerTransactionId that is
   * empty or longer than 36 characters (StoreError 'INVALID', field 'chargerTransactionId'), and
   * numbers a column cannot hold exactly (RangeError, numbers.ts).
   */
  startTransaction(input: NewTransaction): Promise<Transaction>;
  /**
   * The device's session with this OCPP 2.0.1 charger-assigned transactionId, or null (also for
   * an id no session could have: empty, longer than 36 characters).
   */
  findTransactionByChargerId(deviceId: string, chargerTransactionId: string): Promise<Transaction | null>;
  /**
   * Sets what an OCPP 2.0.1 TransactionEvent Started may lack and a later Updated event gives
   * (the meter reading at the start, the idToken); fields absent from the patch are kept. Only
   * an active transaction may be changed: a completed one (its energy is billed) is refused with
   * StoreError 'CONFLICT' (field 'status') and stays as it is; the check and the write are one
   * atomic statement, so a concurrent stop either comes first (CONFLICT) or sees the new start.
   * Returns null when the id is unknown. meterStart is checked like startTransaction's
   * (RangeError before anything is written).
   */
  updateTransactionStart(id: number, patch: TransactionStartPatch): Promise<Transaction | null>;
  /**
   * A charger that did not get the StartTransaction.conf resends the same request after a
   * reconnect; finding it by its start data makes StartTransaction idempotent.
   */
  findTransactionByStart(deviceId: string, connectorId: number, startedAt: string, meterStart: number): Promise<Transaction | null>;
  /** Returns null when the id is unknown. Stopping twice keeps the first stop. */
  stopTransaction(id: number, stop: TransactionStop): Promise<Transaction | null>;
  getTransaction(id: number): Promise<Transaction | null>;
  listTransactions(filter: TransactionFilter): Promise<Page<Transaction>>;

  /**
   * Upserts the shadows, all in one commit. Ignored, without an error: a device that does not
   * exist (deleted meanwhile), and a write whose connectedAt is older than the stored one's.
   * Resolves with the number of shadows written.
   */
  saveShadows(items: readonly ShadowWrite[]): Promise<number>;
  getShadow(deviceId: string): Promise<Record<string, unknown> | null>;
  /** Devices in id order after `afterDeviceId`, with their shadows (keyset paging over the fleet). */
  listShadows(page: { afterDeviceId?: string | undefined; limit: number }): Promise<DeviceShadow[]>;

  /**
   * Stores attributes of an OCPP 2.0.1 station's device model, as a NotifyReport part reports
   * them (migration 9): one row per key (DeviceVariableKey), inserted or replaced as a whole
   * (value, mutability, persistent, constant) — except the characteristics, which an input
   * without them leaves as stored (they are the variable's fixed parameters). All in one
   * transaction, checked to have committed; within the call the last input of a key wins, and
   * between concurrent calls (two gateways) the one that commits last, without an error: the
   * upsert is race-free on the key's unique index, and rows are locked in key order, so two
   * reports never deadlock. Rows are never removed but with their device (deleteDevice).
   *
   * Refused before anything is written, with StoreError 'INVALID' naming the field (the message
   * says which item): more than DEVICE_VARIABLE_LIMITS.items inputs (field 'items'); an empty
   * component or variable name; a name or instance, value, unit or valuesList longer than the
   * OCPP 2.0.1 size (characters: code points), or holding NUL or an unpaired surrogate; an evseId
   * or connectorId that is not an int32 >= 0, a connectorId without an evseId; an attributeType,
   * mutability or characteristics.dataType outside its OCPP enumeration, a persistent, constant
   * or supportsMonitoring that is not a boolean, a minLimit or maxLimit that is not finite.
   *
   * Resolves with the number of rows written: 0, writing nothing, for a device that does not
   * exist (deleted meanwhile), as saveShadows does. Cost, measured on the shared 2-core test
   * machine (load average about 4): one 1,000-row call, median 17 ms on SQLite (22 ms replacing
   * existing rows; 10-60 ms), 35-40 ms on a local PostgreSQL 15 (45 ms replacing; 25-110 ms);
   * a 5,000-row report in five parts, 70-200 ms and 200-350 ms (docs/ocpp-2.0.1-device-model.md).
   */
  saveDeviceVariables(deviceId: string, items: readonly DeviceVariableInput[]): Promise<number>;
  /**
   * The device's stored variable attributes, ordered by component, component instance, EVSE,
   * connector, variable, variable instance and attribute type (names case-insensitively, ASCII;
   * absent instances and the station-wide EVSE first; attribute types alphabetically), with the
   * total matching `filter` (ignoring limit, offset and after). An unknown device has none.
   */
  listDeviceVariables(deviceId: string, filter: DeviceVariableFilter): Promise<Page<DeviceVariable>>;

  getIdTag(tenant: string, idTag: string): Promise<IdTag | null>;
  upsertIdTag(tag: IdTag): Promise<IdTag>;
  listIdTags(tenant: string, page?: { limit?: number | undefined; offset?: number | undefined }): Promise<Page<IdTag>>;
  deleteIdTag(tenant: string, idTag: string): Promise<boolean>;

  /** Throws StoreError 'DUPLICATE' (field 'digest' or 'id') on a clash. */
  createToken(token: NewApiToken): Promise<ApiToken>;
  findTokenByDigest(digest: string): Promise<ApiToken | null>;
  listTokens(tenant: string): Promise<ApiToken[]>;
  deleteToken(tenant: string, id: string): Promise<boolean>;
  /** Records that the token was used at `at` (ISO 8601); a token deleted meanwhile is no error. */
  touchToken(id: string, at: string): Promise<void>;

  /** Templates are per tenant; label unique per tenant (StoreError 'DUPLICATE', field 'label'). */
  createTemplate(t: NewTemplate): Promise<Template>;
  getTemplate(tenant: string, id: string): Promise<Template | null>;
  listTemplates(tenant: string, page?: { limit?: number | undefined; offset?: number | undefined }): Promise<Page<Template>>;
  updateTemplate(tenant: string, id: string, patch: TemplatePatch): Promise<Template | null>;
  deleteTemplate(tenant: string, id: string): Promise<boolean>;
}
