/**
 * Helpers for the alert tests: a charger that boots, the device's retained alerts topic as a
 * platform sees it, and the API calls.
 */
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, type Platform, type Received } from './harness.ts';

export interface AlertJson {
  id: string;
  rule: string;
  connectorId: number | null;
  since: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  message: string;
  details: Record<string, unknown>;
}

export async function api(base: string, method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<{ status: number; json: any; type: string | null }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, type: res.headers.get('content-type')?.split(';')[0] ?? null };
}

export async function bootedCharger(sys: { ocppUrl: string }, platform: Platform, identity: string): Promise<{ cp: RPCClient; deviceId: string }> {
  const cp = await connectCharger(sys, identity);
  await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
  const st = await platform.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === identity, 5000, `state of ${identity}`);
  return { cp, deviceId: String(st.json['deviceId']) };
}

const alertsIn = (m: Received) => (m.json['alerts'] as AlertJson[] | undefined) ?? [];

/** Waits for the device's alerts topic to hold an alert of `rule` (and connector); returns it and the message's index. */
export async function raised(platform: Platform, deviceId: string, rule: string, connectorId?: number | null, timeoutMs = 10_000): Promise<{ alert: AlertJson; index: number; message: Received }> {
  const topic = `admin:${deviceId}/alerts`;
  const match = (a: AlertJson) => a.rule === rule && (connectorId === undefined || a.connectorId === connectorId);
  const m = await platform.waitFor((x) => x.topic === topic && alertsIn(x).some(match), timeoutMs, `${rule} raised on ${deviceId}`);
  return { alert: alertsIn(m).find(match)!, index: platform.messages.indexOf(m), message: m };
}

/** Waits for a later message of the device's alerts topic without that alert. */
export async function cleared(platform: Platform, deviceId: string, alertId: string, after: number, timeoutMs = 10_000): Promise<Received> {
  const topic = `admin:${deviceId}/alerts`;
  return platform.waitFor((x) => platform.messages.indexOf(x) > after && x.topic === topic && !alertsIn(x).some((a) => a.id === alertId), timeoutMs, `alert ${alertId} cleared on ${deviceId}`);
}
