/**
 * The SQLite half of migration 7: device shadows (issue 16). Same rules as sqlite.ts: writes in
 * one checked transaction through `write` (sqlite-deps.ts).
 */
import { latestShadows } from '../../contracts/shadow-writes.ts';
import { rows, type SqliteDeps } from './sqlite-deps.ts';
import type { DeviceShadowRow, SqliteColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Shadows = Pick<RegistryStore, 'saveShadows' | 'getShadow' | 'listShadows'>;

export function sqliteShadows(deps: SqliteDeps): Shadows {
  const { sql, write, read } = deps;
  const iso = (v: string | null) => (v === null ? null : new Date(Date.parse(v)).toISOString());
  return {
    async saveShadows(items) {
      if (items.length === 0) return 0;
      const batch = latestShadows(items).map((i) => [i.deviceId, JSON.stringify(i.shadow), iso(i.connectedAt)] as const);
      const now = new Date().toISOString();
      return write(() => {
        // Normalized ISO strings compare as text in time order (migrations.ts conventions): the
        // write of an older connection than the stored one changes nothing.
        const upsert = sql(
          `INSERT INTO device_shadows (device_id, shadow, connected_at, updated_at)
           SELECT @id, @shadow, @connectedAt, @now WHERE EXISTS (SELECT 1 FROM devices WHERE id = @id)
           ON CONFLICT (device_id) DO UPDATE SET shadow = excluded.shadow, connected_at = excluded.connected_at, updated_at = excluded.updated_at
           WHERE device_shadows.connected_at IS NULL OR excluded.connected_at >= device_shadows.connected_at`,
        );
        let n = 0;
        for (const [id, shadow, connectedAt] of batch) n += upsert.run({ id, shadow, connectedAt, now }).changes;
        return n;
      });
    },
    async getShadow(deviceId) {
      const row = await read(() => sql('SELECT shadow FROM device_shadows WHERE device_id = ?').get(deviceId) as { shadow: string } | undefined);
      return row ? rows.toShadow(row.shadow) : null;
    },
    async listShadows(page) {
      if (!(Number.isInteger(page.limit) && page.limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${page.limit}`);
      const found = await read(
        () =>
          sql('SELECT d.*, s.shadow AS stored_shadow FROM devices d LEFT JOIN device_shadows s ON s.device_id = d.id WHERE d.id > ? ORDER BY d.id LIMIT ?').all(page.afterDeviceId ?? '', page.limit) as Array<DeviceShadowRow<SqliteColumns>>,
      );
      return found.map(rows.toDeviceShadow);
    },
  };
}
