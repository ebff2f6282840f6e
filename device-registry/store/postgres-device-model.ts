/**
 * The PostgreSQL half of migration 9: an OCPP 2.0.1 station's device model (device_variables).
 * A write is one statement, its own committed transaction (postgres.ts), whatever the number of
 * rows: the rows go as one jsonb parameter, expanded by jsonb_to_recordset.
 *
 * One 1,000-row saveDeviceVariables call, measured on the shared 2-core test machine against a
 * local PostgreSQL 15 (load average about 4, nine calls per run): median 35-40 ms for new rows,
 * 45 ms replacing them (25-110 ms), a quarter of it the foreign key's check per row (EXPLAIN
 * ANALYZE: 8-16 ms for 1,000); 5,000 rows in five calls 200-350 ms. One round trip per call, so
 * a remote server adds one network latency, not a thousand.
 */
import { keyColumns, variableRows } from './device-variables.ts';
import { paging } from './helpers.ts';
import { storableEvseId } from './numbers.ts';
import { rows, type PgDeps } from './postgres-deps.ts';
import type { DeviceVariableRow, PgColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type DeviceModel = Pick<RegistryStore, 'saveDeviceVariables' | 'listDeviceVariables'>;
type Row = DeviceVariableRow<PgColumns>;

/** The key as the unique index device_variables_key holds it (names folded by lower() under "C"). */
const KEY = 'lower(component), lower(component_instance), evse_id, connector_id, lower(variable), lower(variable_instance), attribute_type';

export function postgresDeviceModel(deps: PgDeps): DeviceModel {
  const { pool, write, read } = deps;
  return {
    async saveDeviceVariables(deviceId, items) {
      const batch = variableRows(items);
      if (batch.length === 0) return 0;
      const r = await write(async () => {
        try {
          // Rows are inserted (and so locked) in key order: two reports of the same keys at once
          // (two gateways) wait for each other but never deadlock. ON CONFLICT waits for a
          // concurrent insert of the same key and then updates it: last commit wins, no error.
          // The foreign key (migration 9) locks the device row against a concurrent delete.
          return await pool.query(
            `INSERT INTO device_variables (device_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type, value, mutability, persistent, constant, characteristics, updated_at)
             SELECT $1, i.component, i.component_instance, i.evse_id, i.connector_id, i.variable, i.variable_instance, i.attribute_type, i.value, i.mutability, i.persistent, i.constant, i.characteristics, now()
             FROM jsonb_to_recordset($2::jsonb) AS i(component text, component_instance text, evse_id integer, connector_id integer, variable text, variable_instance text, attribute_type text, value text, mutability text, persistent boolean, constant boolean, characteristics jsonb)
             WHERE EXISTS (SELECT 1 FROM devices d WHERE d.id = $1)
             ORDER BY lower(i.component COLLATE "C"), lower(i.component_instance COLLATE "C"), i.evse_id, i.connector_id, lower(i.variable COLLATE "C"), lower(i.variable_instance COLLATE "C"), i.attribute_type COLLATE "C"
             ON CONFLICT (device_id, ${KEY}) DO UPDATE SET
               component = EXCLUDED.component, component_instance = EXCLUDED.component_instance, variable = EXCLUDED.variable, variable_instance = EXCLUDED.variable_instance,
               value = EXCLUDED.value, mutability = EXCLUDED.mutability, persistent = EXCLUDED.persistent, constant = EXCLUDED.constant,
               characteristics = coalesce(EXCLUDED.characteristics, device_variables.characteristics), updated_at = EXCLUDED.updated_at`,
            [deviceId, JSON.stringify(batch)],
          );
        } catch (err) {
          // The device was deleted between the EXISTS and the foreign key's check: nothing was written.
          const e = err as { code?: unknown; constraint?: unknown };
          if (e?.code === '23503' && e.constraint === 'device_variables_device_id_fkey') return null;
          throw err;
        }
      });
      return r?.rowCount ?? 0;
    },

    async listDeviceVariables(deviceId, filter) {
      const { limit, offset } = paging(filter);
      // An EVSE id no row can have (the sentinel -1 included) finds nothing.
      if (filter.evseId !== undefined && !storableEvseId(filter.evseId)) return { items: [], total: 0 };
      const params: unknown[] = [deviceId];
      const p = (v: unknown) => (params.push(v), `$${params.length}`);
      const where = ['device_id = $1'];
      if (filter.component !== undefined) where.push(`lower(component) = lower(${p(filter.component)}::text COLLATE "C")`);
      if (filter.variable !== undefined) where.push(`lower(variable) = lower(${p(filter.variable)}::text COLLATE "C")`);
      if (filter.evseId !== undefined) where.push(`evse_id = ${p(filter.evseId)}`);
      const clause = where.join(' AND ');
      const counted = [...params];
      let after = '';
      if (filter.after !== undefined) {
        const [c, ci, e, cn, v, vi, a] = keyColumns(filter.after).map(p);
        const t = (x: string | undefined) => `lower(${x}::text COLLATE "C")`;
        after = ` AND (${KEY}) > (${t(c)}, ${t(ci)}, ${e}::integer, ${cn}::integer, ${t(v)}, ${t(vi)}, ${a}::text COLLATE "C")`;
      }
      // One statement: the count (without `after`, limit, offset) is of the same snapshot as the page.
      const r = await read(() =>
        pool.query<Row & { total$: string }>(
          `SELECT *, (SELECT count(*) FROM device_variables WHERE ${clause}) AS "total$" FROM device_variables
           WHERE ${clause}${after} ORDER BY ${KEY} LIMIT ${p(limit)} OFFSET ${p(offset)}`,
          params,
        ),
      );
      const first = r.rows[0];
      if (first) return { items: r.rows.map(rows.toVariable), total: Number(first.total$) };
      const c = await read(() => pool.query<{ n: string }>(`SELECT count(*) AS n FROM device_variables WHERE ${clause}`, counted));
      return { items: [], total: Number(c.rows[0]!.n) };
    },
  };
}

