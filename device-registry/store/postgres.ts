/**
 * The shared registry on PostgreSQL (DATABASE_URL), for several gateway processes at once.
 *
 * Concurrency comes from other processes as well as from this one, so every write is a single
 * statement whose row lock serializes it (the attrs merge is `attrs || $patch` inside the
 * UPDATE, so concurrent updates of different keys all land), and migrate() runs in one
 * transaction behind an advisory lock. The schema lives in whatever schema the connection's
 * search_path names first (tests use `?options=-c search_path=...`).
 *
 * Acknowledged means durable (issue 13): a single statement outside BEGIN is its own
 * transaction, committed by the server before it answers the statement (with the default
 * synchronous_commit = on, after the WAL flush), and an error at commit (a deferred constraint,
 * disk full) is that statement's error; node-postgres settles the query only on ReadyForQuery,
 * so an awaited pool.query() that resolved has committed. migrate() awaits its COMMIT and
 * checks that it was one. Storage failures go through storage-guard.ts.
 */
import pg from 'pg';
import type { Problem } from '../../common/health.ts';
import type { Logger } from '../../common/logger.ts';
import { newDeviceId } from '../ids.ts';
import { postgresExtras } from './postgres-extras.ts';
import { postgresProfileUpgrades } from './postgres-profile-upgrades.ts';
import { postgresCertificates } from './postgres-certificates.ts';
import { postgresAlerts } from './postgres-alerts.ts';
import { postgresShadows } from './postgres-shadows.ts';
import { postgresDeviceModel } from './postgres-device-model.ts';
import { pendingMigrations, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import { int32, meterWh, storableInt32, storableMeter } from './numbers.ts';
import { chargerTransactionId, ocppProtocol, storableChargerTransactionId } from './ocpp201-values.ts';
import { createStorageGuard, type StoreHealth } from './storage-guard.ts';
import type { OcppProtocol } from '../../ocpp/protocols.ts';
import { StoreError, type Device, type DevicePatch, type IdTag, type Page, type SecurityProfile, type Site, type Transaction } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

export interface PostgresStoreOptions {
  /** A libpq-style connection URL, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Pool size. Default 10. */
  max?: number | undefined;
  /** Where an idle connection's failure is reported (the pool replaces the connection). */
  log?: Pick<Logger, 'warn'> | undefined;
  /** Device id generator; tests use it to force a collision. Default `newDeviceId`. */
  newId?: (() => string) | undefined;
  /** Where storage failures and recoveries are reported (common/health.ts), as check `registry`. */
  health?: StoreHealth | undefined;
  /** While the storage fails, how often a probe write checks whether it works again. Default 5000 ms. */
  probeIntervalMs?: number | undefined;
}

/** Runs one write (one statement, or a transaction whose COMMIT is awaited) through the storage guard. */
export type PgWrite = <T>(fn: () => Promise<T>) => Promise<T>;
/** Runs a read through the storage guard. */
export type PgRead = <T>(fn: () => Promise<T>) => Promise<T>;

interface DeviceRow {
  id: string;
  tenant: string;
  charge_point_id: string;
  label: string;
  enabled: boolean;
  password_hash: string | null;
  lenient: boolean | null;
  security_profile: number;
  pending_password_hash: string | null;
  ocpp_protocol: OcppProtocol | null;
  templates: string[];
  attrs: Device['attrs'];
  site: Site | null;
  created_at: Date;
  updated_at: Date;
}

interface TransactionRow {
  id: number;
  device_id: string;
  tenant: string;
  connector_id: number;
  id_tag: string;
  stop_id_tag: string | null;
  started_at: Date;
  stopped_at: Date | null;
  /** bigint: node-postgres returns int8 as a string. */
  meter_start: string;
  meter_stop: string | null;
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
  expiry_date: Date | null;
  parent_id_tag: string | null;
}

/** pg_advisory_xact_lock key that serializes migrate() across processes ("chargebr" in ASCII). */
const MIGRATION_LOCK = '7163082351321637490';
const ID_ATTEMPTS = 5;
const INT32_MAX = 2 ** 31 - 1;

export function createPostgresStore(opts: PostgresStoreOptions): RegistryStore {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10 });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle PostgreSQL connection failed'));
  const newId = opts.newId ?? newDeviceId;
  const guard = createStorageGuard({
    health: opts.health,
    component: 'registry',
    where: `registry (PostgreSQL ${serverName(opts.url)})`,
    classify: (err) => pgProblem(err, serverName(opts.url)),
    probeIntervalMs: opts.probeIntervalMs ?? 5000,
    // A committed no-op update: fails while the database is read-only, full or unreachable.
    async probe() {
      await pool.query('UPDATE schema_migrations SET applied_at = applied_at WHERE version = 1');
    },
  });
  const write: PgWrite = (fn) => guard.write(fn);
  const read: PgRead = (fn) => guard.read(fn);

  async function one<R extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<R | null> {
    const r = await pool.query<R>(text, params);
    return r.rows[0] ?? null;
  }

  const byChargerId = (deviceId: string, chargerId: string) =>
    one<TransactionRow>('SELECT * FROM transactions WHERE device_id = $1 AND charger_transaction_id = $2', [deviceId, chargerId]);

  async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      // COMMIT of a transaction that failed earlier answers ROLLBACK, without an error.
      const done = await client.query('COMMIT');
      if (done.command !== 'COMMIT') throw new Error(`transaction not committed: the server answered ${done.command}`);
      client.release();
      return result;
    } catch (err) {
      // A client whose ROLLBACK fails is in an unknown state: destroy it rather than reuse it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackErr: Error) => client.release(rollbackErr),
      );
      throw err;
    }
  }

  /** One round trip: the window count is taken before LIMIT; an empty page needs a count of its own. */
  async function page<R extends pg.QueryResultRow>(from: string, where: Where, order: string, limit: number | null, offset: number): Promise<{ rows: R[]; total: number }> {
    const clause = where.sql.length ? `WHERE ${where.sql.join(' AND ')}` : '';
    const n = where.params.length;
    const r = await pool.query<R & { total$: string }>(
      `SELECT *, count(*) OVER () AS "total$" FROM ${from} ${clause} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, limit, offset],
    );
    const first = r.rows[0];
    if (first) return { rows: r.rows, total: Number(first.total$) };
    const c = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${from} ${clause}`, where.params);
    return { rows: [], total: Number(c.rows[0]!.n) };
  }

  let closing: Promise<void> | undefined;

  return {
    ...postgresExtras({ pool, write, read }),
    ...postgresAlerts({ pool, write, read }),
    ...postgresShadows<DeviceRow>({ pool, write, read, toDevice }),
    ...postgresProfileUpgrades({ pool, write, read }),
    ...postgresCertificates({ pool, write, read }),
    ...postgresDeviceModel({ pool, write, read }),
    async migrate() {
      await transaction(async (c) => {
        // Several processes may start at once: one migrates, the others wait and find it done.
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
        await c.query(SCHEMA_MIGRATIONS_DDL.postgres);
        const applied = (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version);
        for (const m of pendingMigrations(applied)) {
          await c.query(m.postgres);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
        }
      });
    },
    async close() {
      guard.close();
      closing ??= pool.end();
      await closing;
    },

    async createDevice(input) {
      const protocol = ocppProtocol(input.ocppProtocol ?? null);
      const now = new Date().toISOString();
      for (let attempt = 1; ; attempt++) {
        const id = input.id ?? newId();
        try {
          const row = await write(() => one<DeviceRow>(
            `INSERT INTO devices (id, tenant, charge_point_id, label, enabled, password_hash, lenient, templates, attrs, site, created_at, updated_at, security_profile, pending_password_hash, ocpp_protocol)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $11, $12, $13, $14) RETURNING *`,
            [
              id,
              input.tenant,
              input.chargePointId,
              input.label ?? input.chargePointId,
              input.enabled ?? true,
              input.passwordHash ?? null,
              input.lenient ?? null,
              JSON.stringify(input.templates ?? []),
              JSON.stringify(input.attrs ?? {}),
              json(input.site ?? null),
              now,
              input.securityProfile ?? 1,
              input.pendingPasswordHash ?? null,
              protocol,
            ],
          ));
          return toDevice(row!);
        } catch (err) {
          const dup = duplicate(err);
          if (dup?.field === 'id' && input.id === undefined && attempt < ID_ATTEMPTS) continue;
          throw dup ?? err;
        }
      }
    },
    async getDevice(id) {
      const row = await read(() => one<DeviceRow>('SELECT * FROM devices WHERE id = $1', [id]));
      return row ? toDevice(row) : null;
    },
    async getDeviceByChargePointId(chargePointId) {
      const row = await read(() => one<DeviceRow>('SELECT * FROM devices WHERE charge_point_id = $1', [chargePointId]));
      return row ? toDevice(row) : null;
    },
    async listDevices(filter) {
      const where = new Where();
      if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
      if (filter.chargePointId !== undefined) where.add('charge_point_id = ?', filter.chargePointId);
      const { limit, offset } = paging(filter);
      const { rows, total } = await read(() => page<DeviceRow>('devices', where, 'created_at, id', limit, offset));
      return { items: rows.map(toDevice), total } satisfies Page<Device>;
    },
    async updateDevice(id, patch: DevicePatch) {
      const params: unknown[] = [id];
      const p = (v: unknown) => (params.push(v), `$${params.length}`);
      const sets: string[] = [];
      if (patch.chargePointId !== undefined) sets.push(`charge_point_id = ${p(patch.chargePointId)}`);
      if (patch.label !== undefined) sets.push(`label = ${p(patch.label)}`);
      if (patch.enabled !== undefined) sets.push(`enabled = ${p(patch.enabled)}`);
      if (patch.passwordHash !== undefined) sets.push(`password_hash = ${p(patch.passwordHash)}`);
      if (patch.lenient !== undefined) sets.push(`lenient = ${p(patch.lenient)}`);
      if (patch.securityProfile !== undefined) sets.push(`security_profile = ${p(patch.securityProfile)}`);
      if (patch.pendingPasswordHash !== undefined) sets.push(`pending_password_hash = ${p(patch.pendingPasswordHash)}`);
      if (patch.ocppProtocol !== undefined) sets.push(`ocpp_protocol = ${p(ocppProtocol(patch.ocppProtocol))}`);
      if (patch.templates !== undefined) sets.push(`templates = ${p(JSON.stringify(patch.templates))}::jsonb`);
      // Merged against the row as locked by this UPDATE, not as read earlier: no lost update.
      if (patch.attrs !== undefined) sets.push(`attrs = attrs || ${p(JSON.stringify(patch.attrs))}::jsonb`);
      if (patch.site !== undefined) sets.push(`site = ${p(json(patch.site))}::jsonb`);
      // updatedAt moves forward on every update, even two in the same millisecond (usable as an ETag).
      sets.push(`updated_at = GREATEST(${p(new Date().toISOString())}::timestamptz, updated_at + interval '1 millisecond')`);
      try {
        const row = await write(() => one<DeviceRow>(`UPDATE devices SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params));
        return row ? toDevice(row) : null;
      } catch (err) {
        throw duplicate(err) ?? err;
      }
    },
    async deleteDevice(id) {
      // Transactions are kept: they are billing records, and carry deviceId and tenant themselves.
      // Its shadow goes with it, in the same statement (migration 7); its device model by the
      // foreign key's ON DELETE CASCADE, in the same transaction (migration 9).
      const r = await write(() => pool.query('WITH s AS (DELETE FROM device_shadows WHERE device_id = $1) DELETE FROM devices WHERE id = $1', [id]));
      return (r.rowCount ?? 0) > 0;
    },

    async startTransaction(input) {
      // Checked before the write: a value the column cannot hold is refused with a clear error.
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
      // The identity sequence may skip a value a failed insert drew, but never hands one out twice.
      // A charger id the device already has (a resent 2.0.1 Started, perhaps at the same moment
      // through another gateway): ON CONFLICT DO NOTHING waits for a concurrent insert of the same
      // key to commit (or roll back: then this one inserts), and the winner is read by a second
      // statement, whose fresh snapshot sees it (in one statement it would be invisible). Rows
      // are never deleted, so the SELECT finds it; the loop only guards against the impossible.
      for (let attempt = 1; ; attempt++) {
        const row = await write(() =>
          one<TransactionRow>(
            `INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, reservation_id, charger_transaction_id, evse_id, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active')
             ON CONFLICT (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL DO NOTHING
             RETURNING *`,
            params,
          ),
        );
        if (row) return toTransaction(row);
        const existing = chargerId === null ? null : await read(() => byChargerId(input.deviceId, chargerId));
        if (existing) return toTransaction(existing);
        if (attempt >= 3) throw new StoreError('CONFLICT', `transaction ${JSON.stringify(chargerId)} of device ${input.deviceId} neither inserted nor found`, 'chargerTransactionId');
      }
    },
    async findTransactionByChargerId(deviceId, chargerId) {
      if (!storableChargerTransactionId(chargerId)) return null;
      const row = await read(() => byChargerId(deviceId, chargerId));
      return row ? toTransaction(row) : null;
    },
    async updateTransactionStart(id, patch) {
      if (!isTransactionId(id)) return null;
      const meterStart = patch.meterStart === undefined ? null : meterWh(patch.meterStart, 'meterStart');
      const evseId = patch.evseId === undefined ? null : int32(patch.evseId, 'evseId');
      // One statement, under the row lock: a stop that commits first leaves nothing to update
      // (status completed), one that comes after sees the new start.
      const updated = await write(() =>
        one<TransactionRow>(
          `UPDATE transactions SET meter_start = coalesce($2::bigint, meter_start), id_tag = coalesce($3::text, id_tag), evse_id = coalesce($4::integer, evse_id), connector_id = coalesce($4::integer, connector_id) WHERE id = $1 AND status = 'active' RETURNING *`,
          [id, meterStart, patch.idTag ?? null, evseId],
        ),
      );
      if (updated) return toTransaction(updated);
      const row = await read(() => one<TransactionRow>('SELECT * FROM transactions WHERE id = $1', [id]));
      if (!row) return null;
      throw new StoreError('CONFLICT', `transaction ${id} is completed: its start can no longer be changed`, 'status');
    },
    async findTransactionByStart(deviceId, connectorId, startedAt, meterStart) {
      if (!storableInt32(connectorId) || !storableMeter(meterStart)) return null;
      const at = utc(startedAt, 'startedAt');
      const row = await read(() =>
        one<TransactionRow>('SELECT * FROM transactions WHERE device_id = $1 AND connector_id = $2 AND started_at = $3 AND meter_start = $4 ORDER BY id LIMIT 1', [
          deviceId,
          connectorId,
          at,
          meterStart,
        ]),
      );
      return row ? toTransaction(row) : null;
    },
    async stopTransaction(id, stop) {
      if (!isTransactionId(id)) return null;
      // First stop wins. Two statements on purpose: the SELECT takes a fresh snapshot, so after
      // losing a race to another stop it reads the winner's values, not the row as it was.
      const params = [id, meterWh(stop.meterStop, 'meterStop'), utc(stop.stoppedAt, 'stoppedAt'), stop.stopReason ?? null, stop.stopIdTag ?? null];
      await write(() =>
        pool.query(
          `UPDATE transactions SET meter_stop = $2, stopped_at = $3, stop_reason = $4, stop_id_tag = $5, status = 'completed'
           WHERE id = $1 AND status = 'active'`,
          params,
        ),
      );
      const row = await read(() => one<TransactionRow>('SELECT * FROM transactions WHERE id = $1', [id]));
      return row ? toTransaction(row) : null;
    },
    async getTransaction(id) {
      if (!isTransactionId(id)) return null;
      const row = await read(() => one<TransactionRow>('SELECT * FROM transactions WHERE id = $1', [id]));
      return row ? toTransaction(row) : null;
    },
    async listTransactions(filter) {
      const where = new Where();
      if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
      if (filter.deviceId !== undefined) where.add('device_id = ?', filter.deviceId);
      if (filter.from !== undefined) where.add('started_at >= ?', utc(filter.from, 'from'));
      if (filter.to !== undefined) where.add('started_at < ?', utc(filter.to, 'to'));
      if (filter.status !== undefined) where.add('status = ?', filter.status);
      if (filter.afterId !== undefined) where.add('id > ?', filter.afterId);
      const { limit, offset } = paging(filter);
      const { rows, total } = await read(() => page<TransactionRow>('transactions', where, 'id', limit, offset));
      return { items: rows.map(toTransaction), total } satisfies Page<Transaction>;
    },

    async getIdTag(tenant, idTag) {
      // lower(): OCPP 1.6 §7.28, an IdToken is case-insensitive (matches the id_tags_key index).
      const row = await read(() => one<IdTagRow>('SELECT * FROM id_tags WHERE tenant = $1 AND lower(id_tag) = lower($2)', [tenant, idTag]));
      return row ? toIdTag(row) : null;
    },
    async upsertIdTag(tag) {
      const params = [tag.tenant, tag.idTag, tag.status, tag.expiryDate === null ? null : utc(tag.expiryDate, 'expiryDate'), tag.parentIdTag];
      const row = await write(() =>
        one<IdTagRow>(
          `INSERT INTO id_tags (tenant, id_tag, status, expiry_date, parent_id_tag) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant, (lower(id_tag))) DO UPDATE SET
             id_tag = EXCLUDED.id_tag, status = EXCLUDED.status, expiry_date = EXCLUDED.expiry_date, parent_id_tag = EXCLUDED.parent_id_tag
           RETURNING *`,
          params,
        ),
      );
      return toIdTag(row!);
    },
  };
}

/** Conditions written with `?`, numbered `$n` as they are added. */
class Where {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];
  add(condition: string, value: unknown): void {
    this.params.push(value);
    this.sql.push(condition.replace('?', `$${this.params.length}`));
  }
}

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    tenant: r.tenant,
    chargePointId: r.charge_point_id,
    label: r.label,
    enabled: r.enabled,
    passwordHash: r.password_hash,
    lenient: r.lenient,
    securityProfile: r.security_profile as SecurityProfile,
    ocppProtocol: r.ocpp_protocol,
    pendingPasswordHash: r.pending_password_hash,
    templates: r.templates,
    attrs: r.attrs,
    site: r.site,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toTransaction(r: TransactionRow): Transaction {
  const meterStart = Number(r.meter_start);
  const meterStop = r.meter_stop === null ? null : Number(r.meter_stop);
  return {
    id: r.id,
    deviceId: r.device_id,
    tenant: r.tenant,
    chargerTransactionId: r.charger_transaction_id,
    evseId: r.evse_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    stopIdTag: r.stop_id_tag,
    startedAt: r.started_at.toISOString(),
    stoppedAt: r.stopped_at?.toISOString() ?? null,
    meterStart,
    meterStop,
    energyWh: r.status === 'completed' && meterStop !== null ? meterStop - meterStart : null,
    stopReason: r.stop_reason,
    reservationId: r.reservation_id,
    status: r.status,
  };
}

function toIdTag(r: IdTagRow): IdTag {
  return { tenant: r.tenant, idTag: r.id_tag, status: r.status, expiryDate: r.expiry_date?.toISOString() ?? null, parentIdTag: r.parent_id_tag };
}

const json = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/** A transactionId the int4 column can hold; any other is unknown (rather than a query error). */
const isTransactionId = (id: number) => Number.isInteger(id) && id >= 1 && id <= INT32_MAX;

/** Any parseable date-time as `toISOString()` writes it, so both backends keep millisecond precision. */
function utc(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function paging(filter: { limit?: number | undefined; offset?: number | undefined }): { limit: number | null; offset: number } {
  const { limit, offset = 0 } = filter;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${limit}`);
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`offset must be a non-negative integer: ${offset}`);
  return { limit: limit ?? null, offset };
}

/** host:port/database of a connection URL, without the credentials, for the operator's message. */
function serverName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * What a PostgreSQL failure means for the operator. The server's disk is full (SQLSTATE 53100
 * disk_full) or the database is read-only (25006 read_only_sql_transaction: a standby, or
 * default_transaction_read_only); or the database cannot be reached: the connection failed or
 * was lost (node-postgres' own errors carry no code), or the server refuses connections (class
 * 08 connection_exception, 57P01-57P03 shutdown / cannot_connect_now, 53300
 * too_many_connections). Anything else is left to common/health.ts storageProblem.
 */
function pgProblem(err: unknown, server: string): Problem | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = String(e?.code ?? '');
  const message = String(e?.message ?? '');
  const where = `registry (PostgreSQL ${server})`;
  if (code === '53100') return { code: 'DISK_FULL', message: `${where}: the database server's disk is full (53100); free space there, the process recovers by itself` };
  if (code === '25006') return { code: 'READ_ONLY', message: `${where}: the database is read-only (25006: a standby, or default_transaction_read_only); point DATABASE_URL at the primary, the process recovers by itself` };
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(code);
  const refused = code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
  const lost = !code && /Connection terminated|timeout exceeded when trying to connect/.test(message);
  if (!network && !refused && !lost) return null;
  return {
    code: 'UNAVAILABLE',
    message: `${where}: the database cannot be reached (${code || message}); check DATABASE_URL and the server, the process recovers by itself`,
  };
}

/** 23505 unique_violation, told apart by the constraint names migration 1 spells out. */
function duplicate(err: unknown): StoreError | null {
  const e = err as { code?: unknown; constraint?: unknown };
  if (e?.code !== '23505') return null;
  if (e.constraint === 'devices_charge_point_id_key') return new StoreError('DUPLICATE', 'a device with this chargePointId already exists', 'chargePointId');
  if (e.constraint === 'devices_pkey') return new StoreError('DUPLICATE', 'a device with this id already exists', 'id');
  return null;
}
