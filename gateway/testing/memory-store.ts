/**
 * Test support: the gateway's store port (store-port.ts) in memory, with the meanings the
 * gateway relies on (RegistryStore's): DUPLICATE for a device or chargePointId created twice,
 * startTransaction idempotent by the charger's own transaction id, a second stop keeping the
 * first, shadows kept per device. A real fake, not a mock: handlers read back what they wrote.
 * Every call is counted by method (`calls`) for tests that care which ones were made.
 */
import { StoreError, type Device, type DeviceShadow, type DeviceVariableInput, type DevicePatch, type IdTag, type NewDevice, type NewTransaction, type Page, type ShadowWrite, type Transaction, type TransactionFilter, type TransactionStartPatch, type TransactionStop } from '../../contracts/registry.ts';
import type { GatewayStore } from '../store-port.ts';
import type { IssuedCertificate, NewIssuedCertificate } from '../../contracts/certificates.ts';
import type { SecurityProfileUpgrade, UpgradeOutcome, UpgradeStatus } from '../../contracts/security-profile-upgrade.ts';
import { aDevice } from './builders.ts';

export class MemoryStore implements GatewayStore {
  readonly devices = new Map<string, Device>();
  readonly transactions = new Map<number, Transaction>();
  readonly shadows = new Map<string, Record<string, unknown>>();
  readonly variables = new Map<string, DeviceVariableInput[]>();
  readonly idTags = new Map<string, IdTag>();
  readonly calls: string[] = [];
  /** The latest security profile upgrade per device (tests put one here to be finished). */
  readonly upgrades = new Map<string, SecurityProfileUpgrade>();
  /** Issued certificates by serial number. */
  readonly certificates = new Map<string, IssuedCertificate>();
  private nextTx = 1;

  constructor(init: { devices?: Device[]; idTags?: IdTag[] } = {}) {
    for (const d of init.devices ?? []) this.devices.set(d.id, d);
    for (const t of init.idTags ?? []) this.idTags.set(`${t.tenant}/${t.idTag}`, t);
  }

  private call(name: string): void {
    this.calls.push(name);
  }

  async createDevice(input: NewDevice): Promise<Device> {
    this.call('createDevice');
    const d = aDevice({ ...input, id: input.id ?? `dev-${this.devices.size + 1}` } as Partial<Device>);
    if (this.devices.has(d.id) || [...this.devices.values()].some((x) => x.chargePointId === d.chargePointId)) throw new StoreError('DUPLICATE', 'device exists');
    this.devices.set(d.id, d);
    return d;
  }
  async getDevice(id: string): Promise<Device | null> {
    this.call('getDevice');
    return this.devices.get(id) ?? null;
  }
  async getDeviceByChargePointId(chargePointId: string): Promise<Device | null> {
    this.call('getDeviceByChargePointId');
    return [...this.devices.values()].find((d) => d.chargePointId === chargePointId) ?? null;
  }
  async updateDevice(id: string, patch: DevicePatch): Promise<Device | null> {
    this.call('updateDevice');
    const d = this.devices.get(id);
    if (!d) return null;
    const next: Device = { ...d, ...(patch as Partial<Device>), attrs: { ...d.attrs, ...(patch.attrs ?? {}) }, updatedAt: new Date().toISOString() };
    this.devices.set(id, next);
    return next;
  }

  async startTransaction(input: NewTransaction): Promise<Transaction> {
    this.call('startTransaction');
    if (input.chargerTransactionId != null) {
      const same = [...this.transactions.values()].find((t) => t.deviceId === input.deviceId && t.chargerTransactionId === input.chargerTransactionId);
      if (same) return same;
    }
    const t: Transaction = {
      id: this.nextTx++,
      deviceId: input.deviceId,
      tenant: input.tenant,
      chargerTransactionId: input.chargerTransactionId ?? null,
      evseId: input.evseId ?? null,
      connectorId: input.connectorId,
      idTag: input.idTag,
      stopIdTag: null,
      startedAt: input.startedAt,
      stoppedAt: null,
      meterStart: input.meterStart,
      meterStop: null,
      energyWh: null,
      stopReason: null,
      reservationId: input.reservationId ?? null,
      status: 'active',
    };
    this.transactions.set(t.id, t);
    return t;
  }
  async findTransactionByChargerId(deviceId: string, chargerTransactionId: string): Promise<Transaction | null> {
    this.call('findTransactionByChargerId');
    return [...this.transactions.values()].find((t) => t.deviceId === deviceId && t.chargerTransactionId === chargerTransactionId) ?? null;
  }
  async updateTransactionStart(id: number, patch: TransactionStartPatch): Promise<Transaction | null> {
    this.call('updateTransactionStart');
    const t = this.transactions.get(id);
    if (!t) return null;
    const next = { ...t, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Transaction;
    this.transactions.set(id, next);
    return next;
  }
  async findTransactionByStart(deviceId: string, connectorId: number, startedAt: string, meterStart: number): Promise<Transaction | null> {
    this.call('findTransactionByStart');
    return [...this.transactions.values()].find((t) => t.deviceId === deviceId && t.connectorId === connectorId && t.startedAt === startedAt && t.meterStart === meterStart) ?? null;
  }
  async stopTransaction(id: number, stop: TransactionStop): Promise<Transaction | null> {
    this.call('stopTransaction');
    const t = this.transactions.get(id);
    if (!t) return null;
    // A second stop keeps the first.
    if (t.status !== 'active') return t;
    const next: Transaction = { ...t, status: 'completed', meterStop: stop.meterStop, stoppedAt: stop.stoppedAt, stopReason: stop.stopReason ?? null, stopIdTag: stop.stopIdTag ?? null, energyWh: stop.meterStop - t.meterStart };
    this.transactions.set(id, next);
    return next;
  }
  async getTransaction(id: number): Promise<Transaction | null> {
    this.call('getTransaction');
    return this.transactions.get(id) ?? null;
  }
  async listTransactions(filter: TransactionFilter): Promise<Page<Transaction>> {
    this.call('listTransactions');
    const all = [...this.transactions.values()].filter((t) => (!filter.deviceId || t.deviceId === filter.deviceId) && (!filter.tenant || t.tenant === filter.tenant) && (!filter.status || t.status === filter.status));
    return { items: all.slice(filter.offset ?? 0, (filter.offset ?? 0) + (filter.limit ?? 100)), total: all.length };
  }

  async saveShadows(items: readonly ShadowWrite[]): Promise<number> {
    this.call('saveShadows');
    for (const w of items) this.shadows.set(w.deviceId, w.shadow);
    return items.length;
  }
  async getShadow(deviceId: string): Promise<Record<string, unknown> | null> {
    this.call('getShadow');
    return this.shadows.get(deviceId) ?? null;
  }
  async listShadows(page: { afterDeviceId?: string | undefined; limit: number }): Promise<DeviceShadow[]> {
    this.call('listShadows');
    return [...this.devices.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .filter((d) => !page.afterDeviceId || d.id > page.afterDeviceId)
      .slice(0, page.limit)
      .map((device) => ({ device, shadow: this.shadows.get(device.id) ?? null }));
  }

  async saveDeviceVariables(deviceId: string, items: readonly DeviceVariableInput[]): Promise<number> {
    this.call('saveDeviceVariables');
    this.variables.set(deviceId, [...(this.variables.get(deviceId) ?? []), ...items]);
    return items.length;
  }

  async getIdTag(tenant: string, idTag: string): Promise<IdTag | null> {
    this.call('getIdTag');
    return this.idTags.get(`${tenant}/${idTag}`) ?? null;
  }

  async getSecurityProfileUpgrade(deviceId: string): Promise<SecurityProfileUpgrade | null> {
    this.call('getSecurityProfileUpgrade');
    return this.upgrades.get(deviceId) ?? null;
  }
  async finishSecurityProfileUpgrade(deviceId: string, id: string, from: readonly UpgradeStatus[], outcome: UpgradeOutcome): Promise<SecurityProfileUpgrade | null> {
    this.call('finishSecurityProfileUpgrade');
    const u = this.upgrades.get(deviceId);
    if (!u || u.id !== id || !from.includes(u.status)) return null;
    const next = { ...u, status: outcome.status, chargerStatus: outcome.chargerStatus ?? u.chargerStatus, reason: outcome.reason ?? u.reason, updatedAt: new Date().toISOString() };
    this.upgrades.set(deviceId, next);
    return next;
  }
  async recordCertificate(input: NewIssuedCertificate): Promise<IssuedCertificate | null> {
    this.call('recordCertificate');
    if (!this.devices.has(input.deviceId)) return null;
    const now = new Date().toISOString();
    const c: IssuedCertificate = { ...input, status: 'issued', issuedAt: now, updatedAt: now, revokedAt: null, revocationReason: null };
    this.certificates.set(c.serialNumber, c);
    return c;
  }
  async setCertificateAnswer(serialNumber: string, installed: boolean): Promise<IssuedCertificate | null> {
    this.call('setCertificateAnswer');
    const c = this.certificates.get(serialNumber);
    if (!c || c.status !== 'issued') return null;
    const next: IssuedCertificate = { ...c, status: installed ? 'installed' : 'rejected', updatedAt: new Date().toISOString() };
    this.certificates.set(serialNumber, next);
    return next;
  }
  async findCertificateByFingerprint(fingerprint256: string): Promise<IssuedCertificate | null> {
    this.call('findCertificateByFingerprint');
    return [...this.certificates.values()].find((c) => c.fingerprint256 === fingerprint256) ?? null;
  }
}
