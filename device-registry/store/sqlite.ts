/**
 * The embedded registry: one SQLite file under DATA_DIR (better-sqlite3), the all-in-one default.
 *
 * better-sqlite3 is synchronous, so inside this process every method runs to completion before
 * the next starts: Promise.all of many updates cannot interleave. Read-modify-write methods
 * still run in BEGIN IMMEDIATE transactions so that a second process on the same file (a CLI,
 * a backup tool) cannot slip in between the read and the write; busy_timeout makes it wait.
 *
 * Acknowledged means durable (issue 13). Every write is one BEGIN IMMEDIATE transaction whose
 * COMMIT better-sqlite3 runs and checks, and rows of `RETURNING` are read with `.all()`, never
 * `.get()`. In autocommit mode SQLite hands out the first RETURNING row on the first
 * sqlite3_step and commits when the statement completes; a failed commit (SQLITE_FULL on a
 * full disk) is then reported by the last step or by sqlite3_reset, and better-sqlite3's
 * `.get()` (src/objects/statement.cpp, Statement::JS_get) resets after one row and ignores what
 * the reset returns. A write that never committed looked like a success: on a full tmpfs five
 * chargers got the same transactionId. synchronous = FULL makes each commit reach the disk
 * before it is acknowledged. Storage failures go through storage-guard.ts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { probeWrite } from '../../common/data-dir.ts';
import { newDeviceId } from '../ids.ts';
import { returning, sqliteExtras, type SqliteRead, type SqliteWrite } from './sqlite-extras.ts';
import { sqliteAlerts } from './sqlite-alerts.ts';
import { sqliteShadows } from './sqlite-shadows.ts';
import { sqliteProfileUpgrades } from './sqlite-profile-upgrades.ts';
import { sqliteCertificates } from './sqlite-certificates.ts';
import { sqliteDeviceModel } from './sqlite-device-model.ts';
import { pendingMigrations, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import { int32, meterWh, storableInt32, storableMeter } from './numbers.ts';
import { chargerTransactionId, ocppProtocol, storableChargerTransactionId } from './ocpp201-values.ts';
import { createStorageGuard, type StoreHealth } from './storage-guard.ts';
import type { OcppProtocol } from '../../ocpp/protocols.ts';
import { StoreError, type Device, type DevicePatch, type IdTag, type NewDevice, type Page, type Site, type SecurityProfile, type Transaction } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, normally `${DATA_DIR}/registry.db`; its directory is created if missing. */
  file: string;
  /** How long a write waits for another process's lock before failing with SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /** Device id generator; tests use it to force a collision. Default `newDeviceId`. */
  newId?: (() => string) | undefined;
  /** Where storage failures and recoveries are reported (common/health.ts), as check `registry`. */
  health?: StoreHealth | undefined;
  /** While the storage fails, how often a probe write checks whether it works again. Default 5000 ms. */
  probeIntervalMs?: number | undefined;
  /** Test seam: called with the open connection; the contract suite injects storage faults with it. */
  onConnection?: ((db: Database.Database) => void) | undefined;
}

interface DeviceRow {
  id: string;
  tenant: string;
  charge_point_id: string;
  label: string;
  enabled: number;
  password_hash: string | null;
  lenient: number | null;
  security_profile: number;
  pending_password_hash: string | null;
  ocpp_protocol: OcppProtocol | null;
  templates: string;
  attrs: string;
  site: string | null;
  created_at: string;
  updated_at: string;
}

interface TransactionRow {
  id: number;
  device_id: string;
  tenant: string;
  connector_id: number;
  id_tag: string;
  stop_id_tag: string | null;
  started_at: string;
  stopped_at: string | null;
  meter_start: number;
  meter_stop: number | null;
  stop_reason: string | null;
  reservation_id: number | null;
  status: Transaction['status'];
  charger_transaction_id: string | null;
  evse_id: number | null;
}

interface IdTagRow {
  tenant: string;
  id_tag: string;
  status: IdTag['status'];
  expiry_date: string | null;
  parent_id_tag: string | null;
}

/** How often a generated device id is redrawn after a collision (1 in 4 billion per device). */
const ID_ATTEMPTS = 5;

export function createSqliteStore(opts: SqliteStoreOptions): RegistryStore {
  mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
  const db = new Database(opts.file, { timeout: opts.busyTimeoutMs ?? 5000 });
  db.pragma('journal_mode = WAL');
  // FULL, not NORMAL: in WAL mode NORMAL skips the WAL fsync at commit, so a power cut may lose
  // the last acknowledged StartTransaction/StopTransaction (SQLite docs, PRAGMA synchronous: "A
  // transaction committed in WAL mode with synchronous=NORMAL might roll back following a power
  // loss or system crash"). The cost, one fsync per write, is in docs/api.md (Storage).
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  opts.onConnection?.(db);
  const newId = opts.newId ?? newDeviceId;

  // Statements are prepared on first use (the tables exist only after migrate()) and kept.
  const statements = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let s = statements.get(text);
    if (!s) statements.set(text, (s = db.prepare(text)));
    return s;
  };

  const deviceRow = (id: string) => sql('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
  const transactionRow = (id: number) => sql('SELECT * FROM transactions WHERE id = ?').get(id) as TransactionRow | undefined;
  const byChargerId = (deviceId: string, chargerId: string) =>
    sql('SELECT * FROM transactions WHERE device_id = ? AND charger_transaction_id = ?').get(deviceId, chargerId) as TransactionRow | undefined;

  const inTransaction = db.transaction((fn: () => unknown) => fn());
  const guard = createStorageGuard({
    health: opts.health,
    component: 'registry',
    where: `registry (${opts.file})`,
    probeIntervalMs: opts.probeIntervalMs ?? 5000,
    // The directory takes a file that reaches the disk, and the database itself takes a
    // commit (a no-op update: SQLITE_READONLY_DBMOVED and the like pass a file probe).
    async probe() {
      probeWrite(path.dirname(path.resolve(opts.file)));
      inTransaction.immediate(() => sql('UPDATE schema_migrations SET applied_at = applied_at WHERE version = 1').run());
    },
  });
  const write: SqliteWrite = (fn) => guard.write(() => inTransaction.immediate(fn) as ReturnType<typeof fn>);
  const read: SqliteRead = (fn) => guard.read(fn);

  const migrate = db.transaction(() => {
    db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    const applied = (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version);
    for (const m of pendingMigrations(applied)) {
      db.exec(m.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    }
  });

  const insertDevice = async (input: NewDevice): Promise<Device> => {
    const protocol = ocppProtocol(input.ocppProtocol ?? null);
    const now = new Date().toISOString();
    for (let attempt = 1; ; attempt++) {
      const id = input.id ?? newId();
      const params = [
        id,
        input.tenant,
        input.chargePointId,
        input.label ?? input.chargePointId,
        flag(input.enabled ?? true),
        input.passwordHash ?? null,
        flag(input.lenient ?? null),
        input.securityProfile ?? 1,
        input.pendingPasswordHash ?? null,
        JSON.stringify(input.templates ?? []),
        JSON.stringify(input.attrs ?? {}),
        json(input.site ?? null),
        now,
        now,
        protocol,
      ];
      try {
        const row = await write(() =>
          returning<DeviceRow>(
            sql(
              `INSERT INTO devices (id, tenant, charge_point_id, label, enabled, password_hash, lenient, security_profile, pending_password_hash, templates, attrs, site, created_at, updated_at, ocpp_protocol)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
            ),
            ...params,
          ),
        );
        return toDevice(row!);
      } catch (err) {
        const dup = duplicate(err);
        if (dup?.field === 'id' && input.id === undefined && attempt < ID_ATTEMPTS) continue;
        throw dup ?? err;
      }
    }
  };

  const updateDevice = (id: string, patch: DevicePatch): Device | null => {
    const row = deviceRow(id);
    if (!row) return null;
    const cur = toDevice(row);
    const next: Device = {
      ...cur,
      chargePointId: patch.chargePointId ?? cur.chargePointId,
      label: patch.label ?? cur.label,
      enabled: patch.enabled ?? cur.enabled,
      passwordHash: patch.passwordHash === undefined ? cur.passwordHash : patch.passwordHash,
      lenient: patch.lenient === undefined ? cur.lenient : patch.lenient,
      securityProfile: patch.securityProfile ?? cur.securityProfile,
      pendingPasswordHash: patch.pendingPasswordHash === undefined ? cur.pendingPasswordHash : patch.pendingPasswordHash,
      ocppProtocol: patch.ocppProtocol === undefined ? cur.ocppProtocol : patch.ocppProtocol,
      templates: patch.templates ?? cur.templates,
      // Key by key: a key given as null is stored as null, keys not given are kept.
      attrs: patch.attrs ? { ...cur.attrs, ...patch.attrs } : cur.attrs,
      site: patch.site === undefined ? cur.site : patch.site,
      updatedAt: bumped(cur.updatedAt),
    };
    const updated = returning<DeviceRow>(
      sql(
        `UPDATE devices SET charge_point_id = ?, label = ?, enabled = ?, password_hash = ?, lenient = ?, security_profile = ?, pending_password_hash = ?, ocpp_protocol = ?, templates = ?, attrs = ?, site = ?, updated_at = ?
         WHERE id = ? RETURNING *`,
      ),
      next.chargePointId,
      next.label,
      flag(next.enabled),
      next.passwordHash,
      flag(next.lenient),
      next.securityProfile,
      next.pendingPasswordHash,
      next.ocppProtocol,
      JSON.stringify(next.templates),
      JSON.stringify(next.attrs),
      json(next.site),
      next.updatedAt,
      id,
    );
    return toDevice(updated!);
  };

  // First stop wins: a second StopTransaction (a resend after a reconnect) changes nothing.
  const stopTransaction = (id: number, stoppedAt: string, meterStop: number, stopReason: string | null, stopIdTag: string | null) => {
    sql(
      `UPDATE transactions SET meter_stop = ?, stopped_at = ?, stop_reason = ?, stop_id_tag = ?, status = 'completed'
       WHERE id = ? AND status = 'active'`,
    ).run(meterStop, stoppedAt, stopReason, stopIdTag, id);
    return transactionRow(id);
  };

  /** Count and page in one read transaction, so total and items agree. */
  const readPage = db.transaction((from: string, where: Where, order: string, limit: number | null, offset: number) => {
    const clause = where.sql.length ? `WHERE ${where.sql.join(' AND ')}` : '';
    const { n } = sql(`SELECT count(*) AS n FROM ${from} ${clause}`).get(...where.params) as { n: number };
    const rows = sql(`SELECT * FROM ${from} ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...where.params, limit ?? -1, offset);
    return { rows, total: n };
  });
  const page = <R>(from: string, where: Where, order: string, limit: number | null, offset: number) =>
    read(() => readPage(from, where, order, limit, offset) as { rows: R[]; total: number });

  let closed = false;

  return {
    ...sqliteExtras({ sql, write, read }),
    ...sqliteAlerts({ sql, write, read }),
    ...sqliteShadows<DeviceRow>({ sql, write, read, toDevice }),
    ...sqliteProfileUpgrades({ sql, write, read }),
    ...sqliteCertificates({ sql, write, read }),
    ...sqliteDeviceModel({ sql, write, read, snapshot: (fn) => inTransaction(fn) as ReturnType<typeof fn> }),
    async migrate() {
      migrate.immediate();
    },
    async close() {
      if (closed) return;
      closed = true;
      guard.close();
      statements.clear();
      db.close();
    },

    async createDevice(input) {
      return insertDevice(input);
    },
    async getDevice(id) {
      const row = await read(() => deviceRow(id));
      return row ? toDevice(row) : null;
    },
    async getDeviceByChargePointId(chargePointId) {
      const row = await read(() => sql('SELECT * FROM devices WHERE charge_point_id = ?').get(chargePointId) as DeviceRow | undefined);
      return row ? toDevice(row) : null;
    },
    async listDevices(filter) {
      const where = new Where();
      if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
      if (filter.chargePointId !== undefined) where.add('charge_point_id = ?', filter.chargePointId);
      const { limit, offset } = paging(filter);
      const { rows, total } = await page<DeviceRow>('devices', where, 'created_at, id', limit, offset);
      return { items: rows.map(toDevice), total } satisfies Page<Device>;
    },
    async updateDevice(id, patch) {
      if (patch.ocppProtocol !== undefined) ocppProtocol(patch.ocppProtocol);
      return write(() => {
        try {
          return updateDevice(id, patch);
        } catch (err) {
          throw duplicate(err) ?? err;
        }
      });
    },
    async deleteDevice(id) {
      // Transactions are kept: they are billing records, and carry deviceId and tenant themselves.
      // Its shadow (migration 7), device model (migration 9), profile upgrade (10) and issued certificates (11) go with it, in the same transaction.
      return write(() => {
        sql('DELETE FROM device_shadows WHERE device_id = ?').run(id);
        sql('DELETE FROM device_variables WHERE device_id = ?').run(id);
        sql('DELETE FROM security_profile_upgrades WHERE device_id = ?').run(id);
        sql('DELETE FROM issued_certificates WHERE device_id = ?').run(id);
        return sql('DELETE FROM devices WHERE id = ?').run(id).changes > 0;
      });
    },

    async startTransaction(input) {
      // Checked before the write: a value the column cannot hold exactly is refused, not rounded.
      const chargerId = input.chargerTransactionId == null ? null : chargerTransactionId(input.chargerTransactionId);
      const params = [
        input.deviceId,
        input.tenant,
        int32(input.connectorId, 'connectorId'),
        input.idTag,
        utc(input.startedAt, 'startedAt'),
        meterWh(input.meterStart, 'meterStart'),
        input.reservationId == null ? null : int32(input.reservationId, 'reservationId'),
        chargerId,
        input.evseId == null ? null : int32(input.evseId, 'evseId'),
      ];
      // The id is handed out only once the row has committed (AUTOINCREMENT, migration 1: the
      // sqlite_sequence update commits or rolls back with the row, so an id is never reused).
      // A charger id already stored for the device (a resent 2.0.1 Started, from this process
      // or another one on the file) inserts nothing and reads the stored session, in the same
      // BEGIN IMMEDIATE transaction: the partial unique index of migration 8 decides (the
      // conflict target names its WHERE, as SQLite requires for a partial index).
      const row = await write(() => {
        const inserted = returning<TransactionRow>(
          sql(
            `INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, reservation_id, charger_transaction_id, evse_id, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')
             ON CONFLICT (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL DO NOTHING
             RETURNING *`,
          ),
          ...params,
        );
        return inserted ?? (chargerId === null ? undefined : byChargerId(input.deviceId, chargerId));
      });
      return toTransaction(row!);
    },
    async findTransactionByChargerId(deviceId, chargerId) {
      if (!storableChargerTransactionId(chargerId)) return null;
      const row = await read(() => byChargerId(deviceId, chargerId));
      return row ? toTransaction(row) : null;
    },
    async updateTransactionStart(id, patch) {
      if (!isTransactionId(id)) return null;
      const meterStart = patch.meterStart === undefined ? null : meterWh(patch.meterStart, 'meterStart');
      const idTag = patch.idTag ?? null;
      const evseId = patch.evseId === undefined ? null : int32(patch.evseId, 'evseId');
      // One statement: only an active row is changed (a stop committed first leaves it completed).
      const result = await write(() => {
        const updated = returning<TransactionRow>(
          sql(`UPDATE transactions SET meter_start = coalesce(?, meter_start), id_tag = coalesce(?, id_tag), evse_id = coalesce(?, evse_id), connector_id = coalesce(?, connector_id) WHERE id = ? AND status = 'active' RETURNING *`),
          meterStart,
          idTag,
          evseId,
          evseId,
          id,
        );
        return updated ?? transactionRow(id) ?? null;
      });
      if (!result) return null;
      if (result.status !== 'active') throw new StoreError('CONFLICT', `transaction ${id} is completed: its start can no longer be changed`, 'status');
      return toTransaction(result);
    },
    async findTransactionByStart(deviceId, connectorId, startedAt, meterStart) {
      if (!storableInt32(connectorId) || !storableMeter(meterStart)) return null;
      const at = utc(startedAt, 'startedAt');
      const row = await read(
        () =>
          sql('SELECT * FROM transactions WHERE device_id = ? AND connector_id = ? AND started_at = ? AND meter_start = ? ORDER BY id LIMIT 1').get(
            deviceId,
            connectorId,
            at,
            meterStart,
          ) as TransactionRow | undefined,
      );
      return row ? toTransaction(row) : null;
    },
    async stopTransaction(id, stop) {
      if (!isTransactionId(id)) return null;
      const args = [id, utc(stop.stoppedAt, 'stoppedAt'), meterWh(stop.meterStop, 'meterStop'), stop.stopReason ?? null, stop.stopIdTag ?? null] as const;
      const row = await write(() => stopTransaction(...args));
      return row ? toTransaction(row) : null;
    },
    async getTransaction(id) {
      if (!isTransactionId(id)) return null;
      const row = await read(() => transactionRow(id));
      return row ? toTransaction(row) : null;
    },
    async listTransactions(filter) {
      const where = new Where();
      if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
      if (filter.deviceId !== undefined) where.add('device_id = ?', filter.deviceId);
      // Normalized ISO strings compare as text in time order.
      if (filter.from !== undefined) where.add('started_at >= ?', utc(filter.from, 'from'));
      if (filter.to !== undefined) where.add('started_at < ?', utc(filter.to, 'to'));
      if (filter.status !== undefined) where.add('status = ?', filter.status);
      if (filter.afterId !== undefined) where.add('id > ?', filter.afterId);
      const { limit, offset } = paging(filter);
      const { rows, total } = await page<TransactionRow>('transactions', where, 'id', limit, offset);
      return { items: rows.map(toTransaction), total } satisfies Page<Transaction>;
    },

    async getIdTag(tenant, idTag) {
      const row = await read(() => sql('SELECT * FROM id_tags WHERE tenant = ? AND id_tag = ?').get(tenant, idTag) as IdTagRow | undefined);
      return row ? toIdTag(row) : null;
    },
    async upsertIdTag(tag) {
      const expiry = tag.expiryDate === null ? null : utc(tag.expiryDate, 'expiryDate');
      const row = await write(() =>
        returning<IdTagRow>(
          sql(
            `INSERT INTO id_tags (tenant, id_tag, status, expiry_date, parent_id_tag) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (tenant, id_tag) DO UPDATE SET
               id_tag = excluded.id_tag, status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag
             RETURNING *`,
          ),
          tag.tenant,
          tag.idTag,
          tag.status,
          expiry,
          tag.parentIdTag,
        ),
      );
      return toIdTag(row!);
    },
  };
}

class Where {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];
  add(condition: string, value: unknown): void {
    this.sql.push(condition);
    this.params.push(value);
  }
}

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    tenant: r.tenant,
    chargePointId: r.charge_point_id,
    label: r.label,
    enabled: r.enabled === 1,
    passwordHash: r.password_hash,
    lenient: r.lenient === null ? null : r.lenient === 1,
    securityProfile: r.security_profile as SecurityProfile,
    ocppProtocol: r.ocpp_protocol,
    pendingPasswordHash: r.pending_password_hash,
    templates: JSON.parse(r.templates) as string[],
    attrs: JSON.parse(r.attrs) as Device['attrs'],
    site: r.site === null ? null : (JSON.parse(r.site) as Site),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toTransaction(r: TransactionRow): Transaction {
  const completed = r.status === 'completed' && r.meter_stop !== null;
  return {
    id: r.id,
    deviceId: r.device_id,
    tenant: r.tenant,
    chargerTransactionId: r.charger_transaction_id,
    evseId: r.evse_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    stopIdTag: r.stop_id_tag,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
    meterStart: r.meter_start,
    meterStop: r.meter_stop,
    energyWh: completed ? r.meter_stop! - r.meter_start : null,
    stopReason: r.stop_reason,
    reservationId: r.reservation_id,
    status: r.status,
  };
}

function toIdTag(r: IdTagRow): IdTag {
  return { tenant: r.tenant, idTag: r.id_tag, status: r.status, expiryDate: r.expiry_date, parentIdTag: r.parent_id_tag };
}

/** A transactionId as OCPP's int32 can carry; any other is unknown (as on PostgreSQL's int4). */
const isTransactionId = (id: number) => Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1;

const flag = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);
const json = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/** Any parseable date-time as `toISOString()` writes it: UTC, milliseconds, `Z`. */
function utc(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** updatedAt moves forward on every update, even two in the same millisecond (usable as an ETag). */
function bumped(previous: string): string {
  return new Date(Math.max(Date.now(), Date.parse(previous) + 1)).toISOString();
}

function paging(filter: { limit?: number | undefined; offset?: number | undefined }): { limit: number | null; offset: number } {
  const { limit, offset = 0 } = filter;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${limit}`);
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`offset must be a non-negative integer: ${offset}`);
  return { limit: limit ?? null, offset };
}

/** SQLite names the column in the message: `UNIQUE constraint failed: devices.charge_point_id`. */
function duplicate(err: unknown): StoreError | null {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
  const message = String(e.message);
  if (message.includes('devices.charge_point_id')) return new StoreError('DUPLICATE', 'a device with this chargePointId already exists', 'chargePointId');
  if (message.includes('devices.id')) return new StoreError('DUPLICATE', 'a device with this id already exists', 'id');
  return null;
}
