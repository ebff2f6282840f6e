/**
 * The PostgreSQL half of migration 7: device shadows (issue 16). One statement per write, its
 * own committed transaction (postgres.ts), whatever the number of shadows in it.
 */
import { latestShadows } from '../../contracts/shadow-writes.ts';
import { rows, type PgDeps } from './postgres-deps.ts';
import type { DeviceShadowRow, PgColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Shadows = Pick<RegistryStore, 'saveShadows' | 'getShadow' | 'listShadows'>;

export function postgresShadows(deps: PgDeps): Shadows {
  const { pool, write, read } = deps;
  return {
    async saveShadows(items) {
      if (items.length === 0) return 0;
      const batch = latestShadows(items).map((i) => ({ device_id: i.deviceId, shadow: i.shadow, connected_at: i.connectedAt === null ? null : new Date(Date.parse(i.connectedAt)).toISOString() }));
      // The row lock of the upsert orders concurrent writers (several gateways); the WHERE of
      // DO UPDATE compares against the row as locked, not as read earlier.
      const r = await write(() =>
        pool.query(
          `INSERT INTO device_shadows (device_id, shadow, connected_at, updated_at)
           SELECT i.device_id, i.shadow, i.connected_at, now()
           FROM jsonb_to_recordset($1::jsonb) AS i(device_id text, shadow jsonb, connected_at timestamptz)
           WHERE EXISTS (SELECT 1 FROM devices d WHERE d.id = i.device_id)
           ON CONFLICT (device_id) DO UPDATE SET shadow = EXCLUDED.shadow, connected_at = EXCLUDED.connected_at, updated_at = EXCLUDED.updated_at
           WHERE device_shadows.connected_at IS NULL OR EXCLUDED.connected_at >= device_shadows.connected_at`,
          [JSON.stringify(batch)],
        ),
      );
      return r.rowCount ?? 0;
    },
    async getShadow(deviceId) {
      const r = await read(() => pool.query<{ shadow: unknown }>('SELECT shadow FROM device_shadows WHERE device_id = $1', [deviceId]));
      return rows.toShadow(r.rows[0]?.shadow ?? null);
    },
    async listShadows(page) {
      if (!(Number.isInteger(page.limit) && page.limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${page.limit}`);
      const r = await read(() =>
        pool.query<DeviceShadowRow<PgColumns>>(
          'SELECT d.*, s.shadow AS stored_shadow FROM devices d LEFT JOIN device_shadows s ON s.device_id = d.id WHERE d.id > $1 ORDER BY d.id LIMIT $2',
          [page.afterDeviceId ?? '', page.limit],
        ),
      );
      return r.rows.map(rows.toDeviceShadow);
    },
  };
}
