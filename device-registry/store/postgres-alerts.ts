/**
 * The PostgreSQL half of migration 6: alerts, alert rules, targets and deliveries. Every write
 * is one statement (its own committed transaction), through `write`.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Rule, RuleKind } from '../../contracts/alert-rules.ts';
import type { AlertStore } from './alert-types.ts';
import type { Alert, AlertDelivery, AlertTarget } from '../../contracts/alerts.ts';
import type { PgRead, PgWrite } from './postgres.ts';
import { toTarget } from './sqlite-alerts.ts';
import { StoreError } from '../../contracts/registry.ts';

interface AlertRow { id: string; tenant: string; device_id: string; charge_point_id: string; connector_id: number | null; rule: string; severity: string; message: string; details: Record<string, unknown>; since: Date; until: Date | null; acknowledged_at: Date | null; acknowledged_by: string | null }
interface RuleRow { tenant: string; kind: string; enabled: boolean; severity: string; params: Rule['params'] }
interface TargetRow { id: string; tenant: string; type: 'webhook' | 'email'; label: string; enabled: boolean; url: string | null; secret: string | null; email_to: string[] | null; created_at: Date }
interface DeliveryRow { id: string; tenant: string; alert_id: string; target_id: string; event: string; status: AlertDelivery['status']; attempts: number; last_error: string | null; last_attempt_at: Date | null; delivered_at: Date | null; created_at: Date; payload: string }

const d2s = (d: Date | null) => d?.toISOString() ?? null;
const toAlert = (r: AlertRow): Alert => ({
  id: r.id, tenant: r.tenant, deviceId: r.device_id, chargePointId: r.charge_point_id, connectorId: r.connector_id, rule: r.rule as RuleKind, severity: r.severity as Alert['severity'],
  message: r.message, details: r.details, since: r.since.toISOString(), until: d2s(r.until), acknowledgedAt: d2s(r.acknowledged_at), acknowledgedBy: r.acknowledged_by,
});
const toRule = (r: RuleRow): { tenant: string; rule: Rule } => ({ tenant: r.tenant, rule: { kind: r.kind as RuleKind, enabled: r.enabled, severity: r.severity as Rule['severity'], params: r.params } });
const fromTargetRow = (r: TargetRow): AlertTarget => toTarget({ id: r.id, tenant: r.tenant, type: r.type, label: r.label, enabled: r.enabled, url: r.url, secret: r.secret, to: r.email_to, createdAt: r.created_at.toISOString() });
const toDelivery = (r: DeliveryRow): AlertDelivery => ({
  id: r.id, tenant: r.tenant, alertId: r.alert_id, targetId: r.target_id, event: r.event, status: r.status, attempts: r.attempts, lastError: r.last_error,
  lastAttemptAt: d2s(r.last_attempt_at), deliveredAt: d2s(r.delivered_at), createdAt: r.created_at.toISOString(), payload: r.payload,
});

export function postgresAlerts(deps: { pool: pg.Pool; write: PgWrite; read: PgRead }): AlertStore {
  const { pool, write, read } = deps;
  const rows = async <R>(text: string, params: unknown[]) => (await pool.query(text, params)).rows as R[];
  const changed = async (text: string, params: unknown[]) => ((await write(() => pool.query(text, params))).rowCount ?? 0) > 0;
  const filtered = (conds: Array<[string, unknown] | string>) => {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const c of conds) {
      if (typeof c === 'string') where.push(c);
      else where.push(c[0].replace('?', `$${params.push(c[1])}`));
    }
    return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
  };
  async function page<R>(table: string, order: string, w: { clause: string; params: unknown[] }, limit?: number, offset?: number) {
    const n = (await read(() => rows<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table} ${w.clause}`, w.params)))[0]!.n;
    const k = w.params.length;
    const items = await read(() => rows<R>(`SELECT * FROM ${table} ${w.clause} ORDER BY ${order} LIMIT $${k + 1} OFFSET $${k + 2}`, [...w.params, limit ?? null, offset ?? 0]));
    return { items, total: n };
  }
  return {
    async saveAlert(a) {
      try {
        const [r] = await write(() =>
          rows<AlertRow>(
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
      const [r] = await read(() => rows<AlertRow>('SELECT * FROM alerts WHERE tenant = $1 AND id = $2', [tenant, id]));
      return r ? toAlert(r) : null;
    },
    async listAlerts(f) {
      const w = filtered([
        ...(f.tenant !== undefined ? [['tenant = ?', f.tenant] as [string, unknown]] : []),
        ...(f.deviceId !== undefined ? [['device_id = ?', f.deviceId] as [string, unknown]] : []),
        ...(f.rule !== undefined ? [['rule = ?', f.rule] as [string, unknown]] : []),
        ...(f.active !== undefined ? [f.active ? 'until IS NULL' : 'until IS NOT NULL'] : []),
      ]);
      const p = await page<AlertRow>('alerts', 'since DESC, id', w, f.limit, f.offset);
      return { items: p.items.map(toAlert), total: p.total };
    },
    async acknowledgeAlert(tenant, id, by, at) {
      const [r] = await write(() =>
        rows<AlertRow>('UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, $3), acknowledged_by = COALESCE(acknowledged_by, $4) WHERE tenant = $1 AND id = $2 RETURNING *', [tenant, id, at, by]),
      );
      return r ? toAlert(r) : null;
    },

    async listAlertRules(tenant) {
      const r = await read(() => (tenant === undefined ? rows<RuleRow>('SELECT * FROM alert_rules ORDER BY tenant, kind', []) : rows<RuleRow>('SELECT * FROM alert_rules WHERE tenant = $1 ORDER BY kind', [tenant])));
      return r.map(toRule);
    },
    async putAlertRule(tenant, rule) {
      const [r] = await write(() =>
        rows<RuleRow>(
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
          rows<TargetRow>('INSERT INTO alert_targets (id, tenant, type, label, enabled, url, secret, email_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING *', [
            t.id ?? randomBytes(6).toString('hex'), t.tenant, t.type, t.label ?? '', t.enabled ?? true,
            t.type === 'webhook' ? t.url : null, t.type === 'webhook' ? t.secret : null, t.type === 'email' ? JSON.stringify(t.to) : null,
          ]),
        );
        return fromTargetRow(r!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new StoreError('DUPLICATE', 'this id exists', 'id');
        throw err;
      }
    },
    async listAlertTargets(tenant) {
      return (await read(() => rows<TargetRow>('SELECT * FROM alert_targets WHERE tenant = $1 ORDER BY created_at, id', [tenant]))).map(fromTargetRow);
    },
    async deleteAlertTarget(tenant, id) {
      return changed('DELETE FROM alert_targets WHERE tenant = $1 AND id = $2', [tenant, id]);
    },

    async createDelivery(d) {
      const [r] = await write(() =>
        rows<DeliveryRow>(`INSERT INTO alert_deliveries (id, tenant, alert_id, target_id, event, status, attempts, payload) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) RETURNING *`, [
          d.id ?? randomBytes(8).toString('hex'), d.tenant, d.alertId, d.targetId, d.event, d.payload,
        ]),
      );
      return toDelivery(r!);
    },
    async updateDelivery(id, p) {
      const [r] = await write(() =>
        rows<DeliveryRow>(
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
      const w = filtered([
        ...(f.tenant !== undefined ? [['tenant = ?', f.tenant] as [string, unknown]] : []),
        ...(f.status !== undefined ? [['status = ?', f.status] as [string, unknown]] : []),
        ...(f.alertId !== undefined ? [['alert_id = ?', f.alertId] as [string, unknown]] : []),
      ]);
      const p = await page<DeliveryRow>('alert_deliveries', 'created_at DESC, id', w, f.limit, f.offset);
      return { items: p.items.map(toDelivery), total: p.total };
    },
  };
}
