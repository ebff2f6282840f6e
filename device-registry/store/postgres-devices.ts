/**
 * Devices on PostgreSQL (migration 1, with 4's security profile and 8's OCPP protocol). Every
 * write is one statement whose row lock serializes it against other processes: the attrs merge
 * is `attrs || $patch` inside the UPDATE, so concurrent updates of different keys all land.
 */
import { DEVICE_KEYS, jsonOrNull, paging, withGeneratedId } from './helpers.ts';
import { deviceWhere } from './inputs.ts';
import { ocppProtocol } from './ocpp201-values.ts';
import { duplicate, rows, type PgDeps } from './postgres-deps.ts';
import type { DeviceRow, PgColumns } from './rows.ts';
import type { Device, DevicePatch, Page } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

type Devices = Pick<RegistryStore, 'createDevice' | 'getDevice' | 'getDeviceByChargePointId' | 'listDevices' | 'updateDevice' | 'deleteDevice'>;
type Row = DeviceRow<PgColumns>;

export function postgresDevices(deps: PgDeps & { newId: () => string }): Devices {
  const { pool, write, read, one, page, newId } = deps;
  const { toDevice } = rows;
  return {
    async createDevice(input) {
      const protocol = ocppProtocol(input.ocppProtocol ?? null);
      const now = new Date().toISOString();
      const insert = async (id: string) => {
        const row = await write(() => one<Row>(
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
            jsonOrNull(input.site ?? null),
            now,
            input.securityProfile ?? 1,
            input.pendingPasswordHash ?? null,
            protocol,
          ],
        ));
        return toDevice(row!);
      };
      return withGeneratedId(input.id, newId, insert, (err) => duplicate(err, DEVICE_KEYS));
    },
    async getDevice(id) {
      const row = await read(() => one<Row>('SELECT * FROM devices WHERE id = $1', [id]));
      return row ? toDevice(row) : null;
    },
    async getDeviceByChargePointId(chargePointId) {
      const row = await read(() => one<Row>('SELECT * FROM devices WHERE charge_point_id = $1', [chargePointId]));
      return row ? toDevice(row) : null;
    },
    async listDevices(filter) {
      const { limit, offset } = paging(filter);
      const found = await page<Row>('devices', deviceWhere(filter, true), 'created_at, id', limit, offset);
      return { items: found.rows.map(toDevice), total: found.total } satisfies Page<Device>;
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
      if (patch.site !== undefined) sets.push(`site = ${p(jsonOrNull(patch.site))}::jsonb`);
      // updatedAt moves forward on every update, even two in the same millisecond (usable as an ETag).
      sets.push(`updated_at = GREATEST(${p(new Date().toISOString())}::timestamptz, updated_at + interval '1 millisecond')`);
      try {
        const row = await write(() => one<Row>(`UPDATE devices SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params));
        return row ? toDevice(row) : null;
      } catch (err) {
        throw duplicate(err, DEVICE_KEYS) ?? err;
      }
    },
    async deleteDevice(id) {
      // Transactions are kept: they are billing records, and carry deviceId and tenant themselves.
      // Its shadow goes with it, in the same statement (migration 7); its device model by the
      // foreign key's ON DELETE CASCADE, in the same transaction (migration 9).
      const r = await write(() => pool.query('WITH s AS (DELETE FROM device_shadows WHERE device_id = $1) DELETE FROM devices WHERE id = $1', [id]));
      return (r.rowCount ?? 0) > 0;
    },
  };
}
