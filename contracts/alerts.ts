/**
 * What the alerts role produces (docs/alerts.md): an alert is one condition of one rule on one
 * device (and connector), raised once and cleared once; and where it is delivered (targets,
 * deliveries). Plain data, shared by the alerts role's pure core, MQTT payloads and HTTP API,
 * and the registry's store that keeps it (device-registry/store/alert-types.ts).
 */
import type { RuleKind } from './alert-rules.ts';

export type Severity = 'critical' | 'warning';

export interface Alert {
  /** Stable id (16 hex characters), derived from the alert's key and since. */
  id: string;
  tenant: string;
  deviceId: string;
  chargePointId: string;
  /** The connector the condition is about; null for the charge point as a whole. */
  connectorId: number | null;
  rule: RuleKind;
  severity: Severity;
  /** One line for a person: what is wrong. */
  message: string;
  /** What the rule saw (error code, counts, readings); small, JSON. */
  details: Record<string, unknown>;
  /** When the condition started (ISO 8601); until: when it ended, null while active. */
  since: string;
  until: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export type AlertTransition = { type: 'raised'; alert: Alert } | { type: 'cleared'; alert: Alert };

/** Dedup key: one active alert per tenant, rule, device and connector. */
export function alertKey(a: Pick<Alert, 'tenant' | 'rule' | 'deviceId' | 'connectorId'>): string {
  return `${a.tenant}|${a.rule}|${a.deviceId}|${a.connectorId ?? '-'}`;
}

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
