/**
 * The SQLite half of migration 9: an OCPP 2.0.1 station's device model (device_variables). Same
 * rules as sqlite.ts: a write is one BEGIN IMMEDIATE transaction through `write`, whose COMMIT
 * common/sqlite.ts runs and checks; the rows are plain `.run()` upserts (no RETURNING).
 *
 * One 1,000-row saveDeviceVariables call, measured on the shared 2-core test machine (load
 * average about 4, nine calls per run): median 17 ms for new rows, 22 ms replacing them (10-60
 * ms); 5,000 rows in five calls 70-200 ms. About 10 us of SQLite per row (the upsert and its
 * 8-column NOCASE key) plus one fsync at the commit (synchronous = FULL); the statement is
 * prepared once and run per row inside the one transaction, and synchronous holds the event
 * loop for that long, as every registry write does.
 */
import { keyColumns, variableRows } from './device-variables.ts';
import { paging } from './helpers.ts';
import { storableEvseId } from './numbers.ts';
import { rows, type SqliteDeps } from './sqlite-deps.ts';
import type { DeviceVariableRow, SqliteColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type DeviceModel = Pick<RegistryStore, 'saveDeviceVariables' | 'listDeviceVariables'>;

const KEY = 'component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type';

export function sqliteDeviceModel(deps: SqliteDeps): DeviceModel {
  const { sql, write, read, snapshot } = deps;
  return {
    async saveDeviceVariables(deviceId, items) {
      const batch = variableRows(items);
      if (batch.length === 0) return 0;
      const now = new Date().toISOString();
      const params = batch.map((r) => [
        deviceId,
        r.component,
        r.component_instance,
        r.evse_id,
        r.connector_id,
        r.variable,
        r.variable_instance,
        r.attribute_type,
        r.value,
        r.mutability,
        r.persistent ? 1 : 0,
        r.constant ? 1 : 0,
        r.characteristics === null ? null : JSON.stringify(r.characteristics),
        now,
      ]);
      return write(() => {
        // In the write's own transaction: deleteDevice cannot slip in between (writes are serialized).
        if (!sql('SELECT 1 FROM devices WHERE id = ?').get(deviceId)) return 0;
        // The conflict target is the primary key, whose NOCASE columns make `EVSE` and `evse` one
        // key; the names take the spelling of the latest report.
        const upsert = sql(
          `INSERT INTO device_variables (device_id, ${KEY}, value, mutability, persistent, constant, characteristics, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (device_id, ${KEY}) DO UPDATE SET
             component = excluded.component, component_instance = excluded.component_instance, variable = excluded.variable, variable_instance = excluded.variable_instance,
             value = excluded.value, mutability = excluded.mutability, persistent = excluded.persistent, constant = excluded.constant,
             characteristics = coalesce(excluded.characteristics, device_variables.characteristics), updated_at = excluded.updated_at`,
        );
        let n = 0;
        for (const p of params) n += upsert.run(...p).changes;
        return n;
      });
    },

    async listDeviceVariables(deviceId, filter) {
      const { limit, offset } = paging(filter);
      // An EVSE id no row can have (the sentinel -1 included) finds nothing.
      if (filter.evseId !== undefined && !storableEvseId(filter.evseId)) return { items: [], total: 0 };
      const where = ['device_id = ?'];
      const params: unknown[] = [deviceId];
      // Compared with the columns' NOCASE collation: case-insensitive, as the key is.
      if (filter.component !== undefined) where.push('component = ?'), params.push(filter.component);
      if (filter.variable !== undefined) where.push('variable = ?'), params.push(filter.variable);
      if (filter.evseId !== undefined) where.push('evse_id = ?'), params.push(filter.evseId);
      const counted = [...params];
      // A row value compared in the key's order and collations: the primary key's index serves it.
      const after = filter.after === undefined ? '' : ` AND (${KEY}) > (?, ?, ?, ?, ?, ?, ?)`;
      const keyset = filter.after === undefined ? [] : keyColumns(filter.after);
      const clause = where.join(' AND ');
      // Count and page in one read transaction, so total and items agree.
      return read(() => snapshot(() => {
        const { n } = sql(`SELECT count(*) AS n FROM device_variables WHERE ${clause}`).get(...counted) as { n: number };
        const found = sql(`SELECT * FROM device_variables WHERE ${clause}${after} ORDER BY ${KEY} LIMIT ? OFFSET ?`).all(...params, ...keyset, limit ?? -1, offset) as Array<DeviceVariableRow<SqliteColumns>>;
        return { items: found.map(rows.toVariable), total: n };
      }));
    },
  };
}

