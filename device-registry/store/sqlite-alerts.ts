/**
 * The SQLite half of migration 6: alerts, alert rules, targets and deliveries. Same rules as
 * sqlite-extras.ts: writes through `write` (one checked transaction each), RETURNING rows
 * through `returning()`.
 */
import { randomBytes } from 'node:crypto';
import { sqliteCode, type Statement } from '../../common/sqlite.ts';
import type { Rule, RuleKind } from '../../contracts/alert-rules.ts';
import type { AlertStore } from './alert-types.ts';
import type { Alert, AlertDelivery, AlertTarget } from '../../contracts/alerts.ts';
import { returning, type SqliteRead, type SqliteWrite } from './sqlite-extras.ts';
import { StoreError } from '../../contracts/registry.ts';

interface AlertRow { id: string; tenant: string; device_id: string; charge_point_id: string; connector_id: number | null; rule: string; severity: string; message: string; details: string; since: string; until: string | null; acknowledged_at: string | null; acknowledged_by: string | null }
interface RuleRow { tenant: string; kind: string; enabled: number; severity: string; params: string }
interface TargetRow { id: string; tenant: string; type: 'webhook' | 'email'; label: string; enabled: number; url: string | null; secret: string | null; email_to: string | null; created_at: string }
interface DeliveryRow { id: string; tenant: string; alert_id: string; target_id: string; event: string; status: AlertDelivery['status']; attempts: number; last_error: string | null; last_attempt_at: string | null; delivered_at: string | null; created_at: string; payload: string }

const toAlert = (r: AlertRow): Alert => ({
  id: r.id, tenant: r.tenant, deviceId: r.device_id, chargePointId: r.charge_point_id, connectorId: r.connector_id, rule: r.rule as RuleKind, severity: r.severity as Alert['severity'],
  message: r.message, details: JSON.parse(r.details) as Record<string, unknown>, since: r.since, until: r.until, acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by,
});
const toRule = (r: RuleRow): { tenant: string; rule: Rule } => ({ tenant: r.tenant, rule: { kind: r.kind as RuleKind, enabled: r.enabled === 1, severity: r.severity as Rule['severity'], params: JSON.parse(r.params) as Rule['params'] } });
export const toTarget = (r: { id: string; tenant: string; type: 'webhook' | 'email'; label: string; enabled: boolean; url: string | null; secret: string | null; to: string[] | null; createdAt: string }): AlertTarget =>
  r.type === 'webhook'
    ? { id: r.id, tenant: r.tenant, type: 'webhook', label: r.label, enabled: r.enabled, url: r.url ?? '', secret: r.secret ?? '', createdAt: r.createdAt }
    : { id: r.id, tenant: r.tenant, type: 'email', label: r.label, enabled: r.enabled, to: r.to ?? [], createdAt: r.createdAt };
const toDelivery = (r: DeliveryRow): AlertDelivery => ({
  id: r.id, tenant: r.tenant, alertId: r.alert_id, targetId: r.target_id, event: r.event, status: r.status, attempts: r.attempts, lastError: r.last_error,
  lastAttemptAt: r.last_attempt_at, deliveredAt: r.delivered_at, createdAt: r.created_at, payload: r.payload,
});

/** A time as SQLite keeps them: ISO 8601 UTC with milliseconds, so text order is time order. */
const iso = (s: string | null) => (s === null ? null : new Date(s).toISOString());

export function sqliteAlerts(deps: { sql: (text: string) => Statement; write: SqliteWrite; read: SqliteRead }): AlertStore {
  const { sql, write, read } = deps;
  const limits = (limit?: number, offset?: number) => [limit ?? -1, offset ?? 0];
  return {
    async saveAlert(a) {
      const row = await write(() => {
        try {
          return returning<AlertRow>(
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
      const row = await read(() => sql('SELECT * FROM alerts WHERE tenant = ? AND id = ?').get(tenant, id) as AlertRow | undefined);
      return row ? toAlert(row) : null;
    },
    async listAlerts(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (f.tenant !== undefined) (where.push('tenant = ?'), params.push(f.tenant));
      if (f.deviceId !== undefined) (where.push('device_id = ?'), params.push(f.deviceId));
      if (f.rule !== undefined) (where.push('rule = ?'), params.push(f.rule));
      if (f.active !== undefined) where.push(f.active ? 'until IS NULL' : 'until IS NOT NULL');
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      return read(() => {
        const total = (sql(`SELECT COUNT(*) AS n FROM alerts ${clause}`).get(...params) as { n: number }).n;
        const rows = sql(`SELECT * FROM alerts ${clause} ORDER BY since DESC, id LIMIT ? OFFSET ?`).all(...params, ...limits(f.limit, f.offset)) as AlertRow[];
        return { items: rows.map(toAlert), total };
      });
    },
    async acknowledgeAlert(tenant, id, by, at) {
      const row = await write(() =>
        returning<AlertRow>(
          sql('UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?) WHERE tenant = ? AND id = ? RETURNING *'),
          iso(at), by, tenant, id,
        ),
      );
      return row ? toAlert(row) : null;
    },

    async listAlertRules(tenant) {
      const rows = await read(() => (tenant === undefined ? sql('SELECT * FROM alert_rules ORDER BY tenant, kind').all() : sql('SELECT * FROM alert_rules WHERE tenant = ? ORDER BY kind').all(tenant)) as RuleRow[]);
      return rows.map(toRule);
    },
    async putAlertRule(tenant, rule) {
      const row = await write(() =>
        returning<RuleRow>(
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
          return returning<TargetRow>(
            sql('INSERT INTO alert_targets (id, tenant, type, label, enabled, url, secret, email_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *'),
            id, t.tenant, t.type, t.label ?? '', (t.enabled ?? true) ? 1 : 0, t.type === 'webhook' ? t.url : null, t.type === 'webhook' ? t.secret : null, t.type === 'email' ? JSON.stringify(t.to) : null, new Date().toISOString(),
          );
        } catch (err) {
          if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('DUPLICATE', 'this id exists', 'id');
          throw err;
        }
      });
      return fromTargetRow(row!);
    },
    async listAlertTargets(tenant) {
      return (await read(() => sql('SELECT * FROM alert_targets WHERE tenant = ? ORDER BY created_at, id').all(tenant) as TargetRow[])).map(fromTargetRow);
    },
    async deleteAlertTarget(tenant, id) {
      return write(() => sql('DELETE FROM alert_targets WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },

    async createDelivery(d) {
      const row = await write(() =>
        returning<DeliveryRow>(
          sql(`INSERT INTO alert_deliveries (id, tenant, alert_id, target_id, event, status, attempts, created_at, payload) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING *`),
          d.id ?? randomBytes(8).toString('hex'), d.tenant, d.alertId, d.targetId, d.event, new Date().toISOString(), d.payload,
        ),
      );
      return toDelivery(row!);
    },
    async updateDelivery(id, p) {
      const row = await write(() =>
        returning<DeliveryRow>(
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
      const where: string[] = [];
      const params: unknown[] = [];
      if (f.tenant !== undefined) (where.push('tenant = ?'), params.push(f.tenant));
      if (f.status !== undefined) (where.push('status = ?'), params.push(f.status));
      if (f.alertId !== undefined) (where.push('alert_id = ?'), params.push(f.alertId));
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      return read(() => {
        const total = (sql(`SELECT COUNT(*) AS n FROM alert_deliveries ${clause}`).get(...params) as { n: number }).n;
        const rows = sql(`SELECT * FROM alert_deliveries ${clause} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`).all(...params, ...limits(f.limit, f.offset)) as DeliveryRow[];
        return { items: rows.map(toDelivery), total };
      });
    },
  };
}

function fromTargetRow(r: TargetRow): AlertTarget {
  return toTarget({ id: r.id, tenant: r.tenant, type: r.type, label: r.label, enabled: r.enabled === 1, url: r.url, secret: r.secret, to: r.email_to === null ? null : (JSON.parse(r.email_to) as string[]), createdAt: r.created_at });
}
