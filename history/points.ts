/**
 * attrs telemetry -> time-series points (docs/history.md), and back from attribute keys to
 * series selectors. Pure.
 */
import { ENVELOPE_KEYS, parseAttrKey, type ParsedAttrKey } from '../contracts/attrs.ts';
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

/**
 * parseAttrKey of the keys seen, with their phase/location group: the same few dozen keys
 * (measurands by phase and location) come in every attrs message, and this runs for each one on
 * the history writer's thread. Bounded: keys past the first MAX_CACHED_KEYS are parsed each time
 * (a 2.1 station's stream ids are the only keys a charger chooses).
 */
const MAX_CACHED_KEYS = 4096;
const parsedKeys = new Map<string, { k: ParsedAttrKey; group: string }>();
function parsedKey(key: string): { k: ParsedAttrKey; group: string } {
  let e = parsedKeys.get(key);
  if (!e) {
    const k = parseAttrKey(key);
    e = { k, group: `${k.phase ?? ''}|${k.location ?? ''}` };
    if (parsedKeys.size < MAX_CACHED_KEYS) parsedKeys.set(key, e);
  }
  return e;
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
  for (const key in m) {
    const value = m[key];
    if (typeof value !== 'number' || ENVELOPE_KEYS.has(key)) continue;
    const { k, group } = parsedKey(key);
    if (k.signed) continue;
    let p = byGroup.get(group);
    if (!p) {
      p = { tags: { ...base, ...(k.phase ? { phase: k.phase } : {}), ...(k.location ? { location: k.location } : {}) }, fields: {}, time };
      byGroup.set(group, p);
    }
    p.fields[k.attr] = value;
  }
  return { points: [...byGroup.values()] };
}
