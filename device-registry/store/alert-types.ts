/**
 * The alerts half of the registry's storage port (migration 6): alerts raised and cleared, the
 * tenants' own rules, delivery targets (webhooks, e-mail) and deliveries. Both backends
 * implement it and pass `contract-alerts.ts`.
 */
import type { Rule, RuleKind } from '../../alerts/rules.ts';
import type { Alert } from '../../alerts/types.ts';
import type { Page } from './types.ts';

export type AlertTarget =
  | { id: string; tenant: string; type: 'webhook'; label: string; enabled: boolean; url: string; secret: string; createdAt: string }
  | { id: string; tenant: string; type: 'email'; label: string; enabled: boolean; to: string[]; createdAt: string };

export type NewAlertTarget = (
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'email'; to: string[] }
) & { id?: string | undefined; tenant: string; label?: string | undefined; enabled?: boolean | undefined };

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AlertDelivery {
  id: string;
  tenant: string;
  alertId: string;
  targetId: string;
  /** `alert.raised` or `alert.cleared`. */
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  /** The body sent (JSON text), kept so that a restart resumes pending deliveries. */
  payload: string;
}

export type DeliveryPatch = Partial<Pick<AlertDelivery, 'status' | 'attempts' | 'lastError' | 'lastAttemptAt' | 'deliveredAt'>>;

export interface AlertFilter {
  tenant?: string | undefined;
  deviceId?: string | undefined;
  /** true: only active (no until); false: only cleared. */
  active?: boolean | undefined;
  rule?: RuleKind | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface DeliveryFilter {
  tenant?: string | undefined;
  status?: DeliveryStatus | undefined;
  alertId?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

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
