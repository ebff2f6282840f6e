/**
 * The alerts half of the registry's storage port (migration 6): alerts raised and cleared, the
 * tenants' own rules, delivery targets (webhooks, e-mail) and deliveries. Both backends
 * implement it and pass `contract-alerts.ts`; what it stores is the contracts'
 * (contracts/alerts.ts, contracts/alert-rules.ts).
 */
import type { Rule, RuleKind } from '../../contracts/alert-rules.ts';
import type { Alert, AlertDelivery, AlertFilter, AlertTarget, DeliveryFilter, DeliveryPatch, NewAlertTarget } from '../../contracts/alerts.ts';
import type { Page } from '../../contracts/registry.ts';

export interface AlertStore {
  /** Inserts the alert or, for a known id, updates what may change (message, details, until). */
  saveAlert(alert: Alert): Promise<Alert>;
  getAlert(tenant: string, id: string): Promise<Alert | null>;
  /** Newest `since` first. */
  listAlerts(filter: AlertFilter): Promise<Page<Alert>>;
  /** Sets acknowledgedAt/By once (a second acknowledgement keeps the first); null when unknown. */
  acknowledgeAlert(tenant: string, id: string, by: string, at: string): Promise<Alert | null>;

  listAlertRules(tenant?: string): Promise<Array<{ tenant: string; rule: Rule }>>;
  putAlertRule(tenant: string, rule: Rule): Promise<Rule>;
  deleteAlertRule(tenant: string, kind: RuleKind): Promise<boolean>;

  createAlertTarget(t: NewAlertTarget): Promise<AlertTarget>;
  listAlertTargets(tenant: string): Promise<AlertTarget[]>;
  deleteAlertTarget(tenant: string, id: string): Promise<boolean>;

  createDelivery(d: Omit<AlertDelivery, 'id' | 'createdAt' | 'attempts' | 'lastError' | 'lastAttemptAt' | 'deliveredAt' | 'status'> & { id?: string | undefined }): Promise<AlertDelivery>;
  updateDelivery(id: string, patch: DeliveryPatch): Promise<AlertDelivery | null>;
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter): Promise<Page<AlertDelivery>>;
  /** Retention: deletes alerts cleared before `before` and finished deliveries created before it (pending ones stay). */
  pruneAlerts(before: string): Promise<{ alerts: number; deliveries: number }>;
}
