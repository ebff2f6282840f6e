/**
 * What the gateway asks of the registry's store, and nothing more: its own port. The registry's
 * backends (device-registry/store/, RegistryStore) implement it as they are, by their shape;
 * bin/ hands one in. Every method keeps RegistryStore's meaning (its doc comments there), of
 * which the gateway relies on: a write resolves once committed, StoreError('DUPLICATE') for a
 * device created twice (contracts/registry.ts), startTransaction idempotent by the charger's own
 * transaction id, stopping twice keeping the first stop, shadow writes ordered by their connection.
 *
 * None of it is on the MeterValues hot path: the device travels with the connection; handshakes,
 * boots and transactions call it (counted by method on the gateway's thread, worker.ts).
 */
import type {
  Device,
  DeviceShadow,
  DevicePatch,
  DeviceVariableInput,
  IdTag,
  NewDevice,
  NewTransaction,
  Page,
  ShadowWrite,
  Transaction,
  TransactionFilter,
  TransactionStartPatch,
  TransactionStop,
} from '../contracts/registry.ts';
import type { ProfileUpgradeStore } from '../contracts/security-profile-upgrade.ts';
import type { CertificateRegisterStore } from '../contracts/certificates.ts';

export interface GatewayStore
  extends Pick<ProfileUpgradeStore, 'getSecurityProfileUpgrade' | 'finishSecurityProfileUpgrade'>,
    Pick<CertificateRegisterStore, 'recordCertificate' | 'setCertificateAnswer' | 'findCertificateByFingerprint'> {
  /** Auto-provisioning (AUTO_PROVISION); StoreError 'DUPLICATE' when another gateway created it first. */
  createDevice(input: NewDevice): Promise<Device>;
  getDevice(id: string): Promise<Device | null>;
  getDeviceByChargePointId(chargePointId: string): Promise<Device | null>;
  /** BootNotification's attributes, a promoted pending password. */
  updateDevice(id: string, patch: DevicePatch): Promise<Device | null>;

  startTransaction(input: NewTransaction): Promise<Transaction>;
  findTransactionByChargerId(deviceId: string, chargerTransactionId: string): Promise<Transaction | null>;
  updateTransactionStart(id: number, patch: TransactionStartPatch): Promise<Transaction | null>;
  findTransactionByStart(deviceId: string, connectorId: number, startedAt: string, meterStart: number): Promise<Transaction | null>;
  stopTransaction(id: number, stop: TransactionStop): Promise<Transaction | null>;
  getTransaction(id: number): Promise<Transaction | null>;
  listTransactions(filter: TransactionFilter): Promise<Page<Transaction>>;

  saveShadows(items: readonly ShadowWrite[]): Promise<number>;
  getShadow(deviceId: string): Promise<Record<string, unknown> | null>;
  listShadows(page: { afterDeviceId?: string | undefined; limit: number }): Promise<DeviceShadow[]>;

  /** A NotifyReport part of a 2.0.1 station's device model (contracts/device-variables.ts). */
  saveDeviceVariables(deviceId: string, items: readonly DeviceVariableInput[]): Promise<number>;

  getIdTag(tenant: string, idTag: string): Promise<IdTag | null>;
}

/**
 * GatewayStore's methods by name, for a store served across a thread (bin/store.ts): every
 * method of the port, checked by the compiler both ways.
 */
export const GATEWAY_STORE_METHODS = [
  'getSecurityProfileUpgrade',
  'finishSecurityProfileUpgrade',
  'recordCertificate',
  'setCertificateAnswer',
  'findCertificateByFingerprint',
  'createDevice',
  'getDevice',
  'getDeviceByChargePointId',
  'updateDevice',
  'startTransaction',
  'findTransactionByChargerId',
  'updateTransactionStart',
  'findTransactionByStart',
  'stopTransaction',
  'getTransaction',
  'listTransactions',
  'saveShadows',
  'getShadow',
  'listShadows',
  'saveDeviceVariables',
  'getIdTag',
] as const satisfies ReadonlyArray<keyof GatewayStore>;

// Fails to compile when the port gains a method the list lacks.
const everyMethod: [Exclude<keyof GatewayStore, (typeof GATEWAY_STORE_METHODS)[number]>] extends [never] ? true : never = true;
void everyMethod;
