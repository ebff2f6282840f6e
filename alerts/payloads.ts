/**
 * What leaves the alerts role, as data: the retained `{tenant}:{deviceId}/alerts` payload, the
 * webhook body and its signature, the e-mail. Pure functions (docs/alerts.md).
 */
import { createHmac } from 'node:crypto';
import type { Alert, AlertTransition } from '../contracts/alerts.ts';

/** The MQTT topic of the role's control messages (acknowledgements, rule changes), service only. */
export const CONTROL_TOPIC = 'chargebridge/alerts/control';

export type ControlMessage =
  | { type: 'ack'; tenant: string; deviceId: string; id: string; acknowledgedAt: string; acknowledgedBy: string }
  | { type: 'rules'; tenant: string };

const view = (a: Alert) => ({
  id: a.id,
  rule: a.rule,
  severity: a.severity,
  connectorId: a.connectorId,
  message: a.message,
  details: a.details,
  since: a.since,
  acknowledgedAt: a.acknowledgedAt,
  acknowledgedBy: a.acknowledgedBy,
});

/** The device's active alerts, oldest first; `alerts: []` when none (retained, so it clears). */
export function deviceAlertsPayload(dev: { tenant: string; deviceId: string; chargePointId: string }, active: Alert[], at: string): string {
  const alerts = [...active].sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.id < b.id ? -1 : 1)).map(view);
  return JSON.stringify({ tenant: dev.tenant, deviceId: dev.deviceId, chargePointId: dev.chargePointId, updatedAt: at, alerts });
}

export function eventName(t: AlertTransition): 'alert.raised' | 'alert.cleared' {
  return t.type === 'raised' ? 'alert.raised' : 'alert.cleared';
}

/** The webhook body: the same bytes for every target, and for every retry. */
export function webhookBody(t: AlertTransition, sentAt: string): string {
  return JSON.stringify({ event: eventName(t), sentAt, alert: t.alert });
}

/** `sha256=` + hex HMAC-SHA256 of the raw body with the target's secret (header X-Chargebridge-Signature-256). */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function emailMessage(body: string): { subject: string; text: string } {
  const { event, alert } = JSON.parse(body) as { event: string; alert: Alert };
  const what = event === 'alert.raised' ? 'ALERT' : 'CLEARED';
  const where = alert.connectorId === null ? alert.chargePointId : `${alert.chargePointId} connector ${alert.connectorId}`;
  const subject = `[chargebridge] ${what} ${alert.rule}: ${where}`;
  const text = [
    `${what}: ${alert.message}`,
    '',
    `charger:   ${alert.chargePointId} (device ${alert.deviceId}, tenant ${alert.tenant})`,
    `rule:      ${alert.rule} (${alert.severity})`,
    `since:     ${alert.since}`,
    ...(alert.until ? [`until:     ${alert.until}`] : []),
    `alert id:  ${alert.id}`,
    '',
    `details:   ${JSON.stringify(alert.details)}`,
  ].join('\n');
  return { subject, text };
}
