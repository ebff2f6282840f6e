/**
 * Leniency for chargers that bend the schema (field notes: "Strict validation must never cost
 * an operator a charger; record the deviation instead"). Pure: walks the JSON schema of the
 * request beside the payload and returns a repaired copy plus the list of deviations. Only
 * called after strict validation failed, so valid traffic never pays for it.
 */
import { parseNumber } from '../meter-values/normalize.ts';
import { requestSchema, type JsonSchema } from './schemas.ts';
import { validateRequest, type RpcErrorLike } from './validate.ts';

export type DeviationKind =
  | 'extraKey'
  | 'keyCase'
  | 'numberAsString'
  | 'stringAsNumber'
  | 'nullString'
  | 'timestampWithoutZone'
  | 'enumCase'
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

function repairValue(schema: JsonSchema, value: unknown, path: string, out: Deviation[]): unknown {
  switch (schema.type) {
    case 'object': {
      if (!isPlainObject(value)) return value;
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const result: Record<string, unknown> = {};
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
        // defineProperty: a plain assignment of "__proto__" would set the copy's prototype.
        Object.defineProperty(result, key, { value: sub ? repairValue(sub, v, join(path, key), out) : v, enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
    case 'array':
      return Array.isArray(value) && schema.items ? value.map((item, i) => repairValue(schema.items!, item, `${path}[${i}]`, out)) : value;
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
        return repairString(schema, String(value), path, out);
      }
      return typeof value === 'string' ? repairString(schema, value, path, out) : value;
    }
    default:
      return value;
  }
}

function repairString(schema: JsonSchema, value: string, path: string, out: Deviation[]): string {
  if (schema.enum && !schema.enum.includes(value)) {
    const match = schema.enum.find((e) => e.toLowerCase() === value.trim().toLowerCase());
    if (match) {
      out.push({ path, kind: 'enumCase', detail: `"${value}" read as "${match}"` });
      return match;
    }
  }
  if (schema.format === 'date-time' && DATE_TIME_RE.test(value) && !ZONE_RE.test(value.trim())) {
    const fixed = `${value.trim().replace(' ', 'T')}Z`;
    out.push({ path, kind: 'timestampWithoutZone', detail: `"${value}" has no time zone: read as UTC` });
    return fixed;
  }
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Returns a repaired copy (the input is never mutated) and what was changed. */
export function repairRequest(action: string, params: unknown): { params: unknown; deviations: Deviation[] } {
  const schema = requestSchema(action);
  const deviations: Deviation[] = [];
  if (!schema) return { params, deviations };
  return { params: repairValue(schema, params, '', deviations), deviations };
}

export type Checked = { ok: true; params: unknown; deviations: Deviation[] } | { ok: false; error: RpcErrorLike; deviations: Deviation[] };

const NONE: Deviation[] = [];

/** Validate; when that fails and the charger is treated leniently, repair and validate again. */
export function checkRequest(action: string, params: unknown, lenient: boolean): Checked {
  const first = validateRequest(action, params);
  if (first.ok) return { ok: true, params, deviations: NONE };
  if (!lenient) return { ok: false, error: first.error, deviations: NONE };
  const repaired = repairRequest(action, params);
  const second = validateRequest(action, repaired.params);
  if (second.ok) return { ok: true, params: repaired.params, deviations: repaired.deviations };
  return { ok: false, error: second.error, deviations: repaired.deviations };
}
