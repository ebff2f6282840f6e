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
import type { Statement } from '../../common/sqlite.ts';
import { keyColumns, keyFromColumns, variableRows, type VariableRow } from './device-variables.ts';
import type { SqliteRead, SqliteWrite } from './sqlite-extras.ts';
import type { RegistryStore } from './types.ts';
import type { DeviceVariable, VariableCharacteristics } from '../../contracts/registry.ts';

type DeviceModel = Pick<RegistryStore, 'saveDeviceVariables' | 'listDeviceVariables'>;

interface Row extends Omit<VariableRow, 'persistent' | 'constant' | 'characteristics'> {
  device_id: string;
  persistent: number;
  constant: number;
  characteristics: string | null;
  updated_at: string;
}

const KEY = 'component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type';

function toVariable(r: Row): DeviceVariable {
  return {
    deviceId: r.device_id,
    ...keyFromColumns(r),
    value: r.value,
    mutability: r.mutability,
    persistent: r.persistent === 1,
    constant: r.constant === 1,
    characteristics: r.characteristics === null ? null : (JSON.parse(r.characteristics) as VariableCharacteristics),
    updatedAt: r.updated_at,
  };
}

export function sqliteDeviceModel(deps: { sql: (text: string) => Statement; write: SqliteWrite; read: SqliteRead; snapshot: <T>(fn: () => T) => T }): DeviceModel {
  const { sql, write, read, snapshot } = deps;
  return {
    async saveDeviceVariables(deviceId, items) {
      const rows = variableRows(items);
      if (rows.length === 0) return 0;
      const now = new Date().toISOString();
      const params = rows.map((r) => [
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
      if (filter.evseId !== undefined && !isEvseId(filter.evseId)) return { items: [], total: 0 };
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
        const rows = sql(`SELECT * FROM device_variables WHERE ${clause}${after} ORDER BY ${KEY} LIMIT ? OFFSET ?`).all(...params, ...keyset, limit ?? -1, offset) as Row[];
        return { items: rows.map(toVariable), total: n };
      }));
    },
  };
}

const isEvseId = (v: number) => Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1;

function paging(filter: { limit?: number | undefined; offset?: number | undefined }): { limit: number | null; offset: number } {
  const { limit, offset = 0 } = filter;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${limit}`);
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`offset must be a non-negative integer: ${offset}`);
  return { limit: limit ?? null, offset };
}
