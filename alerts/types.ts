/**
 * What the alerts role produces (docs/alerts.md): an alert is one condition of one rule on one
 * device (and connector), raised once and cleared once. Plain data, shared by the pure core, the
 * store, the MQTT payloads and the HTTP API.
 */
import type { RuleKind } from './rules.ts';

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
