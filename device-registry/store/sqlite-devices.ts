/**
 * Devices on SQLite (migration 1, with 4's security profile and 8's OCPP protocol). An update
 * reads the row and writes it back in the one BEGIN IMMEDIATE transaction of `write`, so no
 * other process on the file can slip in between (sqlite.ts).
 */
import { DEVICE_KEYS, jsonOrNull, paging, withGeneratedId } from './helpers.ts';
import { deviceWhere } from './inputs.ts';
import { ocppProtocol } from './ocpp201-values.ts';
import { duplicate, flag, returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { DeviceRow, SqliteColumns } from './rows.ts';
import type { Device, DevicePatch, NewDevice, Page } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

type Devices = Pick<RegistryStore, 'createDevice' | 'getDevice' | 'getDeviceByChargePointId' | 'listDevices' | 'updateDevice' | 'deleteDevice'>;
type Row = DeviceRow<SqliteColumns>;

export function sqliteDevices(deps: SqliteDeps & { newId: () => string }): Devices {
  const { sql, write, read, page, newId } = deps;
  const { toDevice } = rows;
  const deviceRow = (id: string) => sql('SELECT * FROM devices WHERE id = ?').get(id) as Row | undefined;

  const update = (id: string, patch: DevicePatch): Device | null => {
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
    const updated = returning<Row>(
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
      jsonOrNull(next.site),
      next.updatedAt,
      id,
    );
    return toDevice(updated!);
  };

  return {
    async createDevice(input: NewDevice) {
      const protocol = ocppProtocol(input.ocppProtocol ?? null);
      const now = new Date().toISOString();
      const insert = async (id: string) => {
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
          jsonOrNull(input.site ?? null),
          now,
          now,
          protocol,
        ];
        const row = await write(() =>
          returning<Row>(
            sql(
              `INSERT INTO devices (id, tenant, charge_point_id, label, enabled, password_hash, lenient, security_profile, pending_password_hash, templates, attrs, site, created_at, updated_at, ocpp_protocol)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
            ),
            ...params,
          ),
        );
        return toDevice(row!);
      };
      return withGeneratedId(input.id, newId, insert, (err) => duplicate(err, DEVICE_KEYS));
    },
    async getDevice(id) {
      const row = await read(() => deviceRow(id));
      return row ? toDevice(row) : null;
    },
    async getDeviceByChargePointId(chargePointId) {
      const row = await read(() => sql('SELECT * FROM devices WHERE charge_point_id = ?').get(chargePointId) as Row | undefined);
      return row ? toDevice(row) : null;
    },
    async listDevices(filter) {
      const { limit, offset } = paging(filter);
      const found = await page<Row>('devices', deviceWhere(filter, false), 'created_at, id', limit, offset);
      return { items: found.rows.map(toDevice), total: found.total } satisfies Page<Device>;
    },
    async updateDevice(id, patch) {
      if (patch.ocppProtocol !== undefined) ocppProtocol(patch.ocppProtocol);
      return write(() => {
        try {
          return update(id, patch);
        } catch (err) {
          throw duplicate(err, DEVICE_KEYS) ?? err;
        }
      });
    },
    async deleteDevice(id) {
      // Transactions are kept: they are billing records, and carry deviceId and tenant themselves.
      // Its shadow (migration 7), device model (9), profile upgrade (10) and issued certificates (11)
      // go with it, in the same transaction.
      return write(() => {
        sql('DELETE FROM device_shadows WHERE device_id = ?').run(id);
        sql('DELETE FROM device_variables WHERE device_id = ?').run(id);
        sql('DELETE FROM security_profile_upgrades WHERE device_id = ?').run(id);
        sql('DELETE FROM issued_certificates WHERE device_id = ?').run(id);
        return sql('DELETE FROM devices WHERE id = ?').run(id).changes > 0;
      });
    },
  };
}

/** updatedAt moves forward on every update, even two in the same millisecond (usable as an ETag). */
function bumped(previous: string): string {
  return new Date(Math.max(Date.now(), Date.parse(previous) + 1)).toISOString();
}
