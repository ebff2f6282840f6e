/**
 * attrs telemetry -> time-series points (docs/history.md), and back from attribute keys to
 * series selectors. Pure.
 */
import { ENVELOPE_KEYS, parseAttrKey } from '../contracts/attrs.ts';
import type { Topics } from '../contracts/topics.ts';
import type { Point, SeriesSelector } from './types.ts';

/**
 * `current_L1` -> field current, phase L1; `temperature_Body` -> location Body; `x_L1_EV` both
 * (contracts/attrs.ts). Signed meter data is text and never stored: its key is a field of its
 * own, which no series has.
 */
export function selectorFor(key: string): SeriesSelector {
  const k = parseAttrKey(key);
  if (k.signed) return { key, field: key };
  return { key, field: k.attr, ...(k.phase ? { phase: k.phase } : {}), ...(k.location ? { location: k.location } : {}) };
}

export function attrsToPoints(topics: Topics, topic: string, payload: Buffer | string): { points: Point[]; error?: string } {
  const t = topics.parse(topic);
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
    if (ENVELOPE_KEYS.has(key) || typeof value !== 'number') continue;
    const k = parseAttrKey(key);
    if (k.signed) continue;
    const group = `${k.phase ?? ''}|${k.location ?? ''}`;
    let p = byGroup.get(group);
    if (!p) {
      p = { tags: { ...base, ...(k.phase ? { phase: k.phase } : {}), ...(k.location ? { location: k.location } : {}) }, fields: {}, time };
      byGroup.set(group, p);
    }
    p.fields[k.attr] = value;
  }
  return { points: [...byGroup.values()] };
}
