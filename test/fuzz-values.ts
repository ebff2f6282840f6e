/**
 * Generators shared by the fuzz suites (test/fuzz-*.test.ts): values no schema expects, and
 * mutations of valid payloads (replace, delete, add a key, inflate an array, edge numbers).
 * Values JSON.stringify cannot produce (nesting thousands deep, 1e999, 2^53 + 1) are markers
 * that `spliceText` replaces by their text after serialization.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';

/** Keys of Object.prototype and friends: where a lookup table or a merge goes wrong. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

export const timestamp = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());

export type JsonSchema = {
  $id?: string;
  type?: string;
  enum?: string[];
  format?: string;
  maxLength?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
};

// The 1.6 request schemas as ocpp-rpc ships them: valid payloads are generated from them.
const require = createRequire(import.meta.url);
export const SCHEMAS = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as JsonSchema[];
export const requestSchema = (action: string) => SCHEMAS.find((s) => s.$id === `urn:${action}.req`)!;

/** A payload valid against the schema (what a well-behaved peer sends). */
export function fromSchema(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'object': {
      const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromSchema(v)]));
      return fc.record(props, { requiredKeys: s.required ?? [] });
    }
    case 'array':
      return fc.array(fromSchema(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: 3 });
    case 'string':
      return s.format === 'date-time' ? timestamp : fc.string({ maxLength: Math.min(s.maxLength ?? 40, 60) });
    case 'integer':
      return fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer());
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value spliced in as this text (see spliceText). */
export const RAW = (text: string) => `\u0000RAW:${text}\u0000`;
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 20_000 }).map((n) => RAW('['.repeat(n) + ']'.repeat(n))) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 20_000 }).map((n) => RAW('{"a":'.repeat(n) + '0' + '}'.repeat(n))) },
  { weight: 2, arbitrary: fc.constantFrom(1e308, -1e308, 2 ** 53, -(2 ** 53), 1e-308, 0.1, -1, 2 ** 31, 2 ** 32 + 1) },
  { weight: 1, arbitrary: fc.constantFrom(RAW('1e999'), RAW('-1e999'), RAW('9007199254740993'), RAW('-0'), RAW('1E+400'), RAW('0.00000000000000000000000000001')) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((n) => RAW(`[${'0,'.repeat(n - 1)}0]`)) },
  { weight: 1, arbitrary: fc.integer({ min: 21, max: 20_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 2, arbitrary: fc.constantFrom('', 'null', 'NaN', 'Infinity', '1e308', '-1', '\u0000', '\r\n', '\u202e', '\ud800', '\udfff', '2026-06-30T23:59:60Z', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00Z', '__proto__') },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }) },
);

export type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'addKey'; at: number; key: string; value: unknown }
  | { kind: 'duplicateArray'; at: number; times: number }
  /** A number of the payload (an integer field, mostly) replaced by an edge of what JSON and JavaScript numbers hold. */
  | { kind: 'number'; at: number; value: unknown };

export const numberMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constant('number' as const),
  at: fc.nat(),
  value: fc.constantFrom<unknown>(1e308, -1e308, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 64, -1, -0, 0.5, 1e-308, RAW('1e999'), RAW('9007199254740993'), RAW('1.0'), RAW('1e2'), '1', '1e308'),
});

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 20 })), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicateArray' as const), at: fc.nat(), times: fc.integer({ min: 100, max: 5_000 }) }) },
  { weight: 3, arbitrary: numberMutation },
);

/** Every place in a JSON value: [container, key] pairs (the root is [holder, 'v']). */
function places(root: { v: unknown }): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [[root as Record<string, unknown>, 'v']];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), walk(x)));
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) out.push([v as Record<string, unknown>, k]), walk((v as Record<string, unknown>)[k]);
  };
  walk(root.v);
  return out;
}

export function mutate(payload: unknown, muts: Mutation[]): unknown {
  const root = { v: structuredClone(payload) };
  for (const m of muts) {
    const everywhere = places(root);
    const numbers = everywhere.filter(([h, k]) => typeof (h as Record<string | number, unknown>)[k] === 'number');
    const all = m.kind === 'number' && numbers.length ? numbers : everywhere;
    const [holder, key] = all[m.at % all.length]!;
    const target = (holder as Record<string | number, unknown>)[key];
    if (m.kind === 'replace' || m.kind === 'number') (holder as Record<string | number, unknown>)[key] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else if (holder !== (root as unknown)) delete (holder as Record<string, unknown>)[key as string];
    } else if (m.kind === 'addKey') {
      const obj = typeof target === 'object' && target !== null && !Array.isArray(target) ? target : root.v;
      // defineProperty: "__proto__" must become an own key, as JSON.parse makes it.
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) Object.defineProperty(obj, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(target) && target.length) {
      (holder as Record<string | number, unknown>)[key] = Array.from({ length: m.times }, () => target[0]);
    }
  }
  return root.v;
}

/** JSON text with the RAW markers replaced by their text. */
export function spliceText(v: unknown): string {
  return (JSON.stringify(v) ?? 'null').replace(/"\\u0000RAW:((?:[^"\\]|\\.)*)\\u0000"/g, (_m, t: string) => JSON.parse(`"${t}"`) as string);
}

