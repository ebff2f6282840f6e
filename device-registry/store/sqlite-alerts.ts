/**
 * The SQLite half of migration 6: alerts, alert rules, targets and deliveries. Same rules as
 * sqlite-deps.ts: writes through `write` (one checked transaction each), RETURNING rows
 * through `returning()`.
 */
import { randomBytes } from 'node:crypto';
import { sqliteCode } from '../../common/sqlite.ts';
import type { AlertStore } from './alert-types.ts';
import { alertWhere, deliveryWhere } from './inputs.ts';
import { returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { AlertRow, DeliveryRow, RuleRow, SqliteColumns, TargetRow } from './rows.ts';
import { StoreError } from '../../contracts/registry.ts';

type C = SqliteColumns;
const { toAlert, toRule, toTarget, toDelivery } = rows;

/** A time as SQLite keeps them: ISO 8601 UTC with milliseconds, so text order is time order. */
const iso = (s: string | null) => (s === null ? null : new Date(s).toISOString());

export function sqliteAlerts(deps: SqliteDeps): AlertStore {
  const { sql, write, read, page } = deps;
  return {
    async saveAlert(a) {
      const row = await write(() => {
        try {
          return returning<AlertRow<C>>(
            sql(`INSERT INTO alerts (id, tenant, device_id, charge_point_id, connector_id, rule, severity, message, details, since, until)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET message = excluded.message, details = excluded.details, until = excluded.until
                 RETURNING *`),
            a.id, a.tenant, a.deviceId, a.chargePointId, a.connectorId, a.rule, a.severity, a.message, JSON.stringify(a.details), iso(a.since), iso(a.until),
          );
        } catch (err) {
          if (sqliteCode(err) === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('DUPLICATE', 'an alert of this rule is already active for this device and connector', 'rule');
          throw err;
        }
      });
      return toAlert(row!);
    },
    async getAlert(tenant, id) {
      const row = await read(() => sql('SELECT * FROM alerts WHERE tenant = ? AND id = ?').get(tenant, id) as AlertRow<C> | undefined);
      return row ? toAlert(row) : null;
    },
    async listAlerts(f) {
      const found = await page<AlertRow<C>>('alerts', alertWhere(f, false), 'since DESC, id', f.limit ?? null, f.offset ?? 0);
      return { items: found.rows.map(toAlert), total: found.total };
    },
    async acknowledgeAlert(tenant, id, by, at) {
      const row = await write(() =>
        returning<AlertRow<C>>(
          sql('UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?) WHERE tenant = ? AND id = ? RETURNING *'),
          iso(at), by, tenant, id,
        ),
      );
      return row ? toAlert(row) : null;
    },

    async listAlertRules(tenant) {
      const found = await read(() => (tenant === undefined ? sql('SELECT * FROM alert_rules ORDER BY tenant, kind').all() : sql('SELECT * FROM alert_rules WHERE tenant = ? ORDER BY kind').all(tenant)) as RuleRow<C>[]);
      return found.map(toRule);
    },
    async putAlertRule(tenant, rule) {
      const row = await write(() =>
        returning<RuleRow<C>>(
          sql(`INSERT INTO alert_rules (tenant, kind, enabled, severity, params, updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (tenant, kind) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity, params = excluded.params, updated_at = excluded.updated_at
               RETURNING *`),
          tenant, rule.kind, rule.enabled ? 1 : 0, rule.severity, JSON.stringify(rule.params), new Date().toISOString(),
        ),
      );
      return toRule(row!).rule;
    },
    async deleteAlertRule(tenant, kind) {
      return write(() => sql('DELETE FROM alert_rules WHERE tenant = ? AND kind = ?').run(tenant, kind).changes > 0);
    },

    async createAlertTarget(t) {
      const id = t.id ?? randomBytes(6).toString('hex');
      const row = await write(() => {
        try {
          return returning<TargetRow<C>>(
            sql('INSERT INTO alert_targets (id, tenant, type, label, enabled, url, secret, email_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *'),
            id, t.tenant, t.type, t.label ?? '', (t.enabled ?? true) ? 1 : 0, t.type === 'webhook' ? t.url : null, t.type === 'webhook' ? t.secret : null, t.type === 'email' ? JSON.stringify(t.to) : null, new Date().toISOString(),
          );
        } catch (err) {
          if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('DUPLICATE', 'this id exists', 'id');
          throw err;
        }
      });
      return toTarget(row!);
    },
    async listAlertTargets(tenant) {
      return (await read(() => sql('SELECT * FROM alert_targets WHERE tenant = ? ORDER BY created_at, id').all(tenant) as TargetRow<C>[])).map(toTarget);
    },
    async deleteAlertTarget(tenant, id) {
      return write(() => sql('DELETE FROM alert_targets WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },

    async createDelivery(d) {
      const row = await write(() =>
        returning<DeliveryRow<C>>(
          sql(`INSERT INTO alert_deliveries (id, tenant, alert_id, target_id, event, status, attempts, created_at, payload) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING *`),
          d.id ?? randomBytes(8).toString('hex'), d.tenant, d.alertId, d.targetId, d.event, new Date().toISOString(), d.payload,
        ),
      );
      return toDelivery(row!);
    },
    async updateDelivery(id, p) {
      const row = await write(() =>
        returning<DeliveryRow<C>>(
          sql(`UPDATE alert_deliveries SET status = COALESCE(?, status), attempts = COALESCE(?, attempts), last_error = COALESCE(?, last_error),
               last_attempt_at = COALESCE(?, last_attempt_at), delivered_at = COALESCE(?, delivered_at) WHERE id = ? RETURNING *`),
          p.status ?? null, p.attempts ?? null, p.lastError ?? null, p.lastAttemptAt ? iso(p.lastAttemptAt) : null, p.deliveredAt ? iso(p.deliveredAt) : null, id,
        ),
      );
      return row ? toDelivery(row) : null;
    },
    async pruneAlerts(before) {
      const t = iso(before);
      return write(() => ({
        alerts: sql('DELETE FROM alerts WHERE until IS NOT NULL AND until < ?').run(t).changes,
        deliveries: sql("DELETE FROM alert_deliveries WHERE status <> 'pending' AND created_at < ?").run(t).changes,
      }));
    },
    async listDeliveries(f) {
      const found = await page<DeliveryRow<C>>('alert_deliveries', deliveryWhere(f, false), 'created_at DESC, id', f.limit ?? null, f.offset ?? 0);
      return { items: found.rows.map(toDelivery), total: found.total };
    },
  };
}

