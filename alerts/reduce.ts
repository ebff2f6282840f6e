/**
 * The pure core of the alerts role: (device, input, now, rules) -> (device, transitions).
 * `observe` folds the MQTT message into the device model, every enabled rule's condition is
 * evaluated, and the difference from the active alerts is raised or cleared. One active alert
 * per rule, device and connector (the key); the same inputs give the same alerts and ids.
 */
import { createHash } from 'node:crypto';
import { CONDITIONS, type Condition } from './conditions.ts';
import { observe, type AlertInput, type DeviceModel } from './model.ts';
import type { Rule, RuleKind } from '../contracts/alert-rules.ts';
import { alertKey, type Alert, type AlertTransition } from '../contracts/alerts.ts';

export interface AlertsDevice {
  model: DeviceModel;
  /** Active alerts by key. */
  active: Record<string, Alert>;
}

/** The longest bootLoop window the rules may use: boots are kept that long. */
export const MAX_BOOT_WINDOW_MS = 30 * 86_400_000;

export function alertId(key: string, since: string): string {
  return createHash('sha256').update(key).update('@').update(since).digest('hex').slice(0, 16);
}

const windows = new WeakMap<readonly Rule[], number>();

/** How long boots and refusals are kept: the longest window a rule asks for (computed once per rule set). */
export function bootWindowOf(rules: readonly Rule[]): number {
  let w = windows.get(rules);
  if (w === undefined) {
    w = Math.min(MAX_BOOT_WINDOW_MS, Math.max(0, ...rules.filter((r) => r.kind === 'bootLoop' || r.kind === 'handshakeRefused').map((r) => (r.params as { windowSeconds: number }).windowSeconds * 1000)));
    windows.set(rules, w);
  }
  return w;
}

/** Folds one input into the device's model and evaluates the rules: observe, then evaluateAlerts. */
export function reduceAlerts(dev: AlertsDevice, input: AlertInput, now: number, rules: readonly Rule[]): { device: AlertsDevice; transitions: AlertTransition[] } {
  return evaluateAlerts({ model: observe(dev.model, input, now, bootWindowOf(rules)), active: dev.active }, now, rules);
}

/**
 * The rules over the model as it is: what to raise, keep and clear. The role folds every message
 * into the model at once (observe) and evaluates each changed device once per event-loop turn of
 * the broker's thread (alerts/index.ts): an exchange's `attrs` and `events` arrive in one turn.
 */
export function evaluateAlerts(dev: AlertsDevice, now: number, rules: readonly Rule[]): { device: AlertsDevice; transitions: AlertTransition[] } {
  const model = dev.model;
  if (!model.known) return { device: dev, transitions: [] };

  // Nearly every evaluation finds nothing to raise and nothing active: it allocates no map, no
  // record and no timestamp then, and returns the device as it was.
  let wanted: Map<string, { rule: Rule; c: Condition }> | undefined;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    if (!rule.enabled) continue;
    const check = CONDITIONS[rule.kind] as (d: DeviceModel, now: number, p: unknown) => Condition[];
    const found = check(model, now, rule.params);
    for (let i = 0; i < found.length; i++) {
      const c = found[i]!;
      (wanted ??= new Map()).set(alertKey({ tenant: model.tenant, rule: rule.kind, deviceId: model.deviceId, connectorId: c.connectorId }), { rule, c });
    }
  }
  if (!wanted && isEmpty(dev.active)) return { device: dev, transitions: [] };

  const transitions: AlertTransition[] = [];
  const active: Record<string, Alert> = {};
  let at: string | undefined;
  for (const key in dev.active) {
    const alert = dev.active[key]!;
    const w = wanted?.get(key);
    if (w) {
      // Still active: details may move on (a new error code on a faulted connector).
      active[key] = { ...alert, message: w.c.message, details: w.c.details };
    } else if (undetermined(alert, model, now, rules)) {
      active[key] = alert;
    } else {
      transitions.push({ type: 'cleared', alert: { ...alert, until: (at ??= new Date(now).toISOString()) } });
    }
  }
  for (const [key, { rule, c }] of wanted ?? []) {
    if (active[key]) continue;
    const since = new Date(c.since !== undefined ? Math.min(c.since, now) : now).toISOString();
    const alert: Alert = {
      id: alertId(key, since),
      tenant: model.tenant,
      deviceId: model.deviceId,
      chargePointId: model.chargePointId,
      connectorId: c.connectorId,
      rule: rule.kind as RuleKind,
      severity: rule.severity,
      message: c.message,
      details: c.details,
      since,
      until: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    active[key] = alert;
    transitions.push({ type: 'raised', alert });
  }
  return { device: { model, active }, transitions };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Whether the model cannot tell yet that an active alert is over: after a restart (of this role,
 * or of the gateway, whose fresh shadow knows no connector until the charger reports it) an
 * alert is kept until what it is about is known again, rather than cleared for lack of news.
 */
function undetermined(a: Alert, d: DeviceModel, now: number, rules: readonly Rule[]): boolean {
  const rule = rules.find((r) => r.kind === a.rule);
  if (!rule?.enabled) return false;
  const c = a.connectorId === null ? undefined : d.connectors[String(a.connectorId)];
  const age = now - Date.parse(a.since);
  const p = rule.params as { clearSeconds?: number; windowSeconds?: number };
  switch (a.rule) {
    case 'connectorFault':
      return c === undefined || c.status === 'Unknown';
    case 'meterValuesMissing':
      return d.online && c === undefined;
    case 'energyBackwards':
      return (c === undefined || c.backwards === null) && age < (p.clearSeconds ?? 0) * 1000;
    case 'securityEvent':
      return d.security === null && age < (p.clearSeconds ?? 0) * 1000;
    case 'bootLoop':
      return d.boots.length === 0 && age < (p.windowSeconds ?? 0) * 1000;
    case 'handshakeRefused':
      return d.refusals.length === 0 && age < (p.windowSeconds ?? 0) * 1000;
    case 'firmwareFailed':
      return d.firmwareStatus === null;
    case 'diagnosticsFailed':
      return d.diagnosticsStatus === null;
    default:
      return false;
  }
}
