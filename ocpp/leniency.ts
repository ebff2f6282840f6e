/**
 * Leniency for chargers that bend the schema (field notes: "Strict validation must never cost
 * an operator a charger; record the deviation instead"). Pure: walks the JSON schema of the
 * request beside the payload and returns a repaired copy plus the list of deviations. Only
 * called after strict validation failed, so valid traffic never pays for it. What an
 * out-of-enum or over-long string becomes is enum-leniency.ts's; the repaired payload is then
 * validated against the same schemas, except that a sampledValue field may keep a value
 * outside its enumeration (validate.ts `validateRepairedRequest`). docs/chargers.md lists it all.
 */
import { parseNumber } from './decimal.ts';
import { codePoints, FALLBACK_ORIGINAL_IN, NEVER_TRUNCATED, quote, repairEnum, truncate } from './enum-leniency.ts';
import type { JsonSchema, RpcErrorLike, SchemaSet } from './schema-set.ts';
import { OCPP16 } from './validate.ts';

export type DeviationKind =
  | 'extraKey'
  | 'keyCase'
  | 'numberAsString'
  | 'stringAsNumber'
  | 'nullString'
  | 'timestampWithoutZone'
  | 'enumCase'
  | 'enumSynonym'
  | 'enumFallback'
  | 'enumKeptRaw'
  | 'tooLong'
  | 'sampleDropped'
  | 'booleanAsString';

export interface Deviation {
  path: string;
  kind: DeviationKind;
  detail: string;
}

const ZONE_RE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;
const DATE_TIME_RE = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNullish(v: unknown): boolean {
  return v === null || (typeof v === 'string' && v.trim().toLowerCase() === 'null');
}

/** `key` is the property the value is under ('' for array items and the root). */
function repairValue(set: SchemaSet, schema: JsonSchema, value: unknown, path: string, out: Deviation[], key = ''): unknown {
  switch (schema.type) {
    case 'object': {
      if (!isPlainObject(value)) return value;
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const result: Record<string, unknown> = {};
      // A value mapped to its enumeration's catch-all, by field: what the charger sent.
      let fellBack: Record<string, string> | undefined;
      for (const [rawKey, v] of Object.entries(value)) {
        let key = rawKey;
        // Own properties only: "constructor" or "__proto__" from a charger are keys like any other.
        if (!Object.hasOwn(props, key)) {
          const match = Object.keys(props).find((p) => p.toLowerCase() === rawKey.toLowerCase());
          if (match && !Object.hasOwn(value, match)) {
            out.push({ path: join(path, rawKey), kind: 'keyCase', detail: `"${rawKey}" read as "${match}"` });
            key = match;
          } else if (schema.additionalProperties === false) {
            out.push({ path: join(path, rawKey), kind: 'extraKey', detail: `unknown key "${rawKey}" dropped` });
            continue;
          }
        }
        const sub = Object.hasOwn(props, key) ? props[key] : undefined;
        if (sub && !required.has(key) && isNullish(v) && sub.type !== 'null') {
          out.push({ path: join(path, key), kind: 'nullString', detail: `${JSON.stringify(v)} for optional "${key}": treated as absent` });
          continue;
        }
        const before = out.length;
        const repaired = sub ? repairValue(set, sub, v, join(path, key), out, key) : v;
        if (out.length > before && out[out.length - 1]!.kind === 'enumFallback' && Object.hasOwn(FALLBACK_ORIGINAL_IN, key)) (fellBack ??= {})[key] = String(v);
        // defineProperty: a plain assignment of "__proto__" would set the copy's prototype.
        define(result, key, repaired);
      }
      // OCPP 1.6 §7.6 OtherError: "More information in vendorErrorCode". The charger's own
      // value goes there unless it filled the field itself.
      for (const [field, original] of Object.entries(fellBack ?? {})) {
        const into = FALLBACK_ORIGINAL_IN[field]!;
        if (Object.hasOwn(result, into) || !props[into]) continue;
        const max = props[into].maxLength;
        define(result, into, max !== undefined ? truncate(original, max) : original);
        out.push({ path: join(path, into), kind: 'enumFallback', detail: `${quote(original)} of "${field}" kept in "${into}"` });
      }
      return result;
    }
    case 'array': {
      if (!Array.isArray(value) || !schema.items) return value;
      const items = value.map((item, i) => repairValue(set, schema.items!, item, `${path}[${i}]`, out));
      return key === 'sampledValue' ? usableSamples(set, items, path, out) : items;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'string') return value;
      const n = parseNumber(value);
      if (n === null || (schema.type === 'integer' && !Number.isInteger(n))) return value;
      out.push({ path, kind: 'numberAsString', detail: `${JSON.stringify(value)} read as ${n}` });
      return n;
    }
    case 'boolean': {
      if (typeof value !== 'string') return value;
      const v = value.trim().toLowerCase();
      if (v !== 'true' && v !== 'false') return value;
      out.push({ path, kind: 'booleanAsString', detail: `${JSON.stringify(value)} read as ${v}` });
      return v === 'true';
    }
    case 'string': {
      if (typeof value === 'number' || typeof value === 'boolean') {
        out.push({ path, kind: 'stringAsNumber', detail: `${String(value)} read as the string "${String(value)}"` });
        return repairString(set, schema, String(value), path, out, key);
      }
      return typeof value === 'string' ? repairString(set, schema, value, path, out, key) : value;
    }
    default:
      return value;
  }
}

function repairString(set: SchemaSet, schema: JsonSchema, value: string, path: string, out: Deviation[], key: string): string {
  if (schema.enum && !schema.enum.includes(value)) {
    const r = repairEnum(key, value, schema.enum);
    if (r?.kind === 'enumKeptRaw') out.push({ path, kind: r.kind, detail: `${quote(value)} is not a ${key} of ${set.name}: kept as sent` });
    else if (r) out.push({ path, kind: r.kind, detail: `${quote(value)} read as "${r.value}"` });
    if (r) return r.value;
  }
  if (schema.maxLength !== undefined && !NEVER_TRUNCATED.has(key) && value.length > schema.maxLength && codePoints(value) > schema.maxLength) {
    out.push({ path, kind: 'tooLong', detail: `${quote(value)} (${codePoints(value)} characters) cut to ${schema.maxLength}` });
    return truncate(value, schema.maxLength);
  }
  if (schema.format === 'date-time' && DATE_TIME_RE.test(value) && !ZONE_RE.test(value.trim())) {
    const fixed = `${value.trim().replace(' ', 'T')}Z`;
    out.push({ path, kind: 'timestampWithoutZone', detail: `"${value}" has no time zone: read as UTC` });
    return fixed;
  }
  return value;
}

function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * One unusable sampled value (no `value`, not an object) never costs its neighbours: it is
 * dropped, as long as one usable sample is left in its meterValue; otherwise the request gets
 * the CALLERROR of the first failure (there is nothing left to publish).
 */
function usableSamples(set: SchemaSet, items: unknown[], path: string, out: Deviation[]): unknown[] {
  const problems = items.map((item) => set.sampledValueProblem(item));
  if (!problems.some((p) => p !== null) || problems.every((p) => p !== null)) return items;
  const kept: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const p = problems[i];
    if (p === null) kept.push(items[i]);
    else out.push({ path: `${path}[${i}]`, kind: 'sampleDropped', detail: `${p}: this sample dropped, the others kept` });
  }
  return kept;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Returns a repaired copy (the input is never mutated) and what was changed. */
export function repairRequest(action: string, params: unknown, set: SchemaSet = OCPP16): { params: unknown; deviations: Deviation[] } {
  const schema = set.requestSchema(action);
  const deviations: Deviation[] = [];
  if (!schema) return { params, deviations };
  return { params: repairValue(set, schema, params, '', deviations), deviations };
}

export type Checked = { ok: true; params: unknown; deviations: Deviation[] } | { ok: false; error: RpcErrorLike; deviations: Deviation[] };

const NONE: Deviation[] = [];

/** Validate; when that fails and the charger is treated leniently, repair and validate again. */
export function checkRequest(action: string, params: unknown, lenient: boolean, set: SchemaSet = OCPP16): Checked {
  const first = set.validateRequest(action, params);
  if (first.ok) return { ok: true, params, deviations: NONE };
  if (!lenient) return { ok: false, error: first.error, deviations: NONE };
  const repaired = repairRequest(action, params, set);
  const second = set.validateRepairedRequest(action, repaired.params);
  if (second.ok) return { ok: true, params: repaired.params, deviations: repaired.deviations };
  return { ok: false, error: second.error, deviations: repaired.deviations };
}
