/**
 * The PostgreSQL half of migration 6: alerts, alert rules, targets and deliveries. Every write
 * is one statement (its own committed transaction), through `write`.
 */
import { randomBytes } from 'node:crypto';
import type { AlertStore } from './alert-types.ts';
import { alertWhere, deliveryWhere } from './inputs.ts';
import { rows, type PgDeps } from './postgres-deps.ts';
import type { AlertRow, DeliveryRow, PgColumns, RuleRow, TargetRow } from './rows.ts';
import { StoreError } from '../../contracts/registry.ts';

type C = PgColumns;
const { toAlert, toRule, toTarget, toDelivery } = rows;

export function postgresAlerts(deps: PgDeps): AlertStore {
  const { pool, write, read, all, changed, page } = deps;
  return {
    async saveAlert(a) {
      try {
        const [r] = await write(() =>
          all<AlertRow<C>>(
            `INSERT INTO alerts (id, tenant, device_id, charge_point_id, connector_id, rule, severity, message, details, since, until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)
             ON CONFLICT (id) DO UPDATE SET message = excluded.message, details = excluded.details, until = excluded.until
             RETURNING *`,
            [a.id, a.tenant, a.deviceId, a.chargePointId, a.connectorId, a.rule, a.severity, a.message, JSON.stringify(a.details), a.since, a.until],
          ),
        );
        return toAlert(r!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new StoreError('DUPLICATE', 'an alert of this rule is already active for this device and connector', 'rule');
        throw err;
      }
    },
    async getAlert(tenant, id) {
      const [r] = await read(() => all<AlertRow<C>>('SELECT * FROM alerts WHERE tenant = $1 AND id = $2', [tenant, id]));
      return r ? toAlert(r) : null;
    },
    async listAlerts(f) {
      const found = await page<AlertRow<C>>('alerts', alertWhere(f, true), 'since DESC, id', f.limit ?? null, f.offset ?? 0);
      return { items: found.rows.map(toAlert), total: found.total };
    },
    async acknowledgeAlert(tenant, id, by, at) {
      const [r] = await write(() =>
        all<AlertRow<C>>('UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, $3), acknowledged_by = COALESCE(acknowledged_by, $4) WHERE tenant = $1 AND id = $2 RETURNING *', [tenant, id, at, by]),
      );
      return r ? toAlert(r) : null;
    },

    async listAlertRules(tenant) {
      const r = await read(() => (tenant === undefined ? all<RuleRow<C>>('SELECT * FROM alert_rules ORDER BY tenant, kind', []) : all<RuleRow<C>>('SELECT * FROM alert_rules WHERE tenant = $1 ORDER BY kind', [tenant])));
      return r.map(toRule);
    },
    async putAlertRule(tenant, rule) {
      const [r] = await write(() =>
        all<RuleRow<C>>(
          `INSERT INTO alert_rules (tenant, kind, enabled, severity, params) VALUES ($1, $2, $3, $4, $5::jsonb)
           ON CONFLICT (tenant, kind) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity, params = excluded.params, updated_at = now()
           RETURNING *`,
          [tenant, rule.kind, rule.enabled, rule.severity, JSON.stringify(rule.params)],
        ),
      );
      return toRule(r!).rule;
    },
    async deleteAlertRule(tenant, kind) {
      return changed('DELETE FROM alert_rules WHERE tenant = $1 AND kind = $2', [tenant, kind]);
    },

    async createAlertTarget(t) {
      try {
        const [r] = await write(() =>
          all<TargetRow<C>>('INSERT INTO alert_targets (id, tenant, type, label, enabled, url, secret, email_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING *', [
            t.id ?? randomBytes(6).toString('hex'), t.tenant, t.type, t.label ?? '', t.enabled ?? true,
            t.type === 'webhook' ? t.url : null, t.type === 'webhook' ? t.secret : null, t.type === 'email' ? JSON.stringify(t.to) : null,
          ]),
        );
        return toTarget(r!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new StoreError('DUPLICATE', 'this id exists', 'id');
        throw err;
      }
    },
    async listAlertTargets(tenant) {
      return (await read(() => all<TargetRow<C>>('SELECT * FROM alert_targets WHERE tenant = $1 ORDER BY created_at, id', [tenant]))).map(toTarget);
    },
    async deleteAlertTarget(tenant, id) {
      return changed('DELETE FROM alert_targets WHERE tenant = $1 AND id = $2', [tenant, id]);
    },

    async createDelivery(d) {
      const [r] = await write(() =>
        all<DeliveryRow<C>>(`INSERT INTO alert_deliveries (id, tenant, alert_id, target_id, event, status, attempts, payload) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) RETURNING *`, [
          d.id ?? randomBytes(8).toString('hex'), d.tenant, d.alertId, d.targetId, d.event, d.payload,
        ]),
      );
      return toDelivery(r!);
    },
    async updateDelivery(id, p) {
      const [r] = await write(() =>
        all<DeliveryRow<C>>(
          `UPDATE alert_deliveries SET status = COALESCE($2, status), attempts = COALESCE($3, attempts), last_error = COALESCE($4, last_error),
           last_attempt_at = COALESCE($5, last_attempt_at), delivered_at = COALESCE($6, delivered_at) WHERE id = $1 RETURNING *`,
          [id, p.status ?? null, p.attempts ?? null, p.lastError ?? null, p.lastAttemptAt ?? null, p.deliveredAt ?? null],
        ),
      );
      return r ? toDelivery(r) : null;
    },
    async pruneAlerts(before) {
      const a = await write(() => pool.query('DELETE FROM alerts WHERE until IS NOT NULL AND until < $1', [before]));
      const d = await write(() => pool.query("DELETE FROM alert_deliveries WHERE status <> 'pending' AND created_at < $1", [before]));
      return { alerts: a.rowCount ?? 0, deliveries: d.rowCount ?? 0 };
    },
    async listDeliveries(f) {
      const found = await page<DeliveryRow<C>>('alert_deliveries', deliveryWhere(f, true), 'created_at DESC, id', f.limit ?? null, f.offset ?? 0);
      return { items: found.rows.map(toDelivery), total: found.total };
    },
  };
}
