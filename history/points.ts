/**
 * attrs telemetry -> time-series points (docs/history.md), and back from attribute keys to
 * series selectors. Pure.
 */
import { LOCATIONS, PHASES } from '../gateway/meter-values/measurands.ts';
import { parseDeviceTopic } from '../gateway/topics.ts';
import type { Point, SeriesSelector } from './types.ts';

const ENVELOPE = new Set(['timestamp', 'connectorId', 'transactionId', 'context', 'evseId', 'chargerTransactionId', 'variableMonitoringId']);
const PHASE_SET = new Set(PHASES.values());
const LOCATION_SET = new Set(LOCATIONS.values());

/** `current_L1` -> field current, phase L1; `temperature_Body` -> location Body; `x_L1_EV` both. */
export function selectorFor(key: string): SeriesSelector {
  const parts = key.split('_');
  let location: string | undefined;
  let phase: string | undefined;
  if (parts.length > 1 && LOCATION_SET.has(parts.at(-1)!)) location = parts.pop();
  if (parts.length > 1 && PHASE_SET.has(parts.at(-1)!)) phase = parts.pop();
  return { key, field: parts.join('_'), ...(phase ? { phase } : {}), ...(location ? { location } : {}) };
}

export function attrsToPoints(topic: string, payload: Buffer | string): { points: Point[]; error?: string } {
  const t = parseDeviceTopic(topic);
  if (!t || t.kind !== 'attrs') return { points: [], error: `not an attrs topic: ${topic}` };
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(payload.toString()) as Record<string, unknown>;
  } catch {
    return { points: [], error: 'payload is not JSON' };
  }
  const time = typeof m['timestamp'] === 'string' ? Date.parse(m['timestamp']) : NaN;
  if (Number.isNaN(time)) return { points: [], error: 'missing or unparseable timestamp' };
  const base = {
    tenant: t.tenant,
    device: t.deviceId,
    connector: String(m['connectorId'] ?? 0),
    ...(m['transactionId'] !== undefined ? { transaction: String(m['transactionId']) } : {}),
  };
  const byGroup = new Map<string, Point>();
  for (const [key, value] of Object.entries(m)) {
    if (ENVELOPE.has(key) || typeof value !== 'number' || key.endsWith('_signed')) continue;
    const s = selectorFor(key);
    const group = `${s.phase ?? ''}|${s.location ?? ''}`;
    let p = byGroup.get(group);
    if (!p) {
      p = { tags: { ...base, ...(s.phase ? { phase: s.phase } : {}), ...(s.location ? { location: s.location } : {}) }, fields: {}, time };
      byGroup.set(group, p);
    }
    p.fields[s.field] = value;
  }
  return { points: [...byGroup.values()] };
}
