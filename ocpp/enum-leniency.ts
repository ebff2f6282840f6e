/**
 * What to do with a string outside its enumeration, and with one over its maximum length, in a
 * charger's request (issue 16, field notes "enum values outside the spec"). Pure tables and
 * functions; leniency.ts walks the payload and calls these only after strict validation failed.
 *
 * An out-of-enum value is, in this order:
 * 1. the defined value in another case (`charging` -> `Charging`): `enumCase`;
 * 2. the defined value spelled with other separators or a known synonym (`L1N` -> `L1-N`,
 *    `sample_periodic` -> `Sample.Periodic`, `%` -> `Percent`): `enumSynonym`;
 * 3. the enumeration's own catch-all where it has one (`errorCode` -> `OtherError`, OCPP 1.6
 *    §7.6: "Other type of error. More information in vendorErrorCode"; StopTransaction `reason`
 *    -> `Other`, §7.36): `enumFallback`;
 * 4. kept as sent where the consumer copes with any string (the sampledValue fields: the
 *    MeterValues normalizer converts a unit it knows such as `Hz`, publishes an unknown unit
 *    unconverted and drops an unknown measurand or phase with a telemetry warning, so one bad
 *    sample never costs its neighbours): `enumKeptRaw`;
 * 5. otherwise unusable (a StatusNotification `status` nobody defined): left as is, and the
 *    request gets the CALLERROR strict validation gives (OCPP-J 1.6 §4.2.3).
 */

export type EnumRepairKind = 'enumCase' | 'enumSynonym' | 'enumFallback' | 'enumKeptRaw';

export interface EnumRepair {
  kind: EnumRepairKind;
  value: string;
}

/** Enumerations with a catch-all value (OCPP 1.6 §7.6 ChargePointErrorCode, §7.36 Reason). */
export const ENUM_FALLBACK: Readonly<Record<string, string>> = { errorCode: 'OtherError', reason: 'Other' };

/**
 * Where a fallback keeps what the charger sent (§7.6 OtherError: "More information in
 * vendorErrorCode"), unless the charger filled that field itself.
 */
export const FALLBACK_ORIGINAL_IN: Readonly<Record<string, string>> = { errorCode: 'vendorErrorCode' };

/** SampledValue fields (§7.43) kept as sent when nothing defined matches. */
export const ENUM_KEPT_RAW: ReadonlySet<string> = new Set(['context', 'format', 'measurand', 'phase', 'location', 'unit']);

/**
 * Spellings chargers use for units of §7.45 UnitOfMeasure (by their loose key, see `loose`).
 * `Hz` has no 1.6 value and is kept raw: the normalizer knows it.
 */
const SYNONYMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  unit: {
    '%': 'Percent',
    percentage: 'Percent',
    '°c': 'Celsius',
    degc: 'Celsius',
    c: 'Celsius',
    '°f': 'Fahrenheit',
    degf: 'Fahrenheit',
    f: 'Fahrenheit',
    kelvin: 'K',
    volt: 'V',
    volts: 'V',
    amp: 'A',
    amps: 'A',
    ampere: 'A',
    amperes: 'A',
    watt: 'W',
    watts: 'W',
  },
};

/** Case and separators do not count: `L1_N`, `l1n` and `L1-N` are one key. */
export function loose(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9%°]/g, '');
}

// Per enumeration (the schema's array, which lives as long as the schemas): loose key -> value.
const looseMaps = new WeakMap<readonly string[], Map<string, string>>();
function looseMap(allowed: readonly string[]): Map<string, string> {
  let m = looseMaps.get(allowed);
  if (!m) {
    m = new Map();
    const clash = new Set<string>();
    for (const a of allowed) {
      const k = loose(a);
      if (m.has(k) && m.get(k) !== a) clash.add(k);
      else m.set(k, a);
    }
    // Two defined values with one loose key (`Celcius` and `Celsius` differ): neither by loose match.
    for (const k of clash) m.delete(k);
    looseMaps.set(allowed, m);
  }
  return m;
}

/**
 * The repair of `value`, not one of `allowed`, in the field named `field`; null when it is
 * unusable (left to fail validation).
 */
export function repairEnum(field: string, value: string, allowed: readonly string[]): EnumRepair | null {
  const trimmed = value.trim();
  const lower = trimmed.toLowerCase();
  for (const a of allowed) if (a.toLowerCase() === lower) return { kind: 'enumCase', value: a };
  const key = loose(trimmed);
  const byLoose = looseMap(allowed).get(key);
  if (byLoose) return { kind: 'enumSynonym', value: byLoose };
  // Own keys only: a charger's "constructor" is not a synonym of anything.
  const synonym = Object.hasOwn(SYNONYMS, field) && Object.hasOwn(SYNONYMS[field]!, key) ? SYNONYMS[field]![key]! : undefined;
  if (synonym !== undefined && allowed.includes(synonym)) return { kind: 'enumSynonym', value: synonym };
  const fallback = Object.hasOwn(ENUM_FALLBACK, field) ? ENUM_FALLBACK[field] : undefined;
  if (fallback !== undefined && allowed.includes(fallback)) return { kind: 'enumFallback', value: fallback };
  if (ENUM_KEPT_RAW.has(field)) return { kind: 'enumKeptRaw', value };
  return null;
}

/**
 * Identifiers: cut, they would name another tag or vendor, so an over-long one is unusable
 * (FormationViolation as strict validation answers it). Every other string over its length is
 * descriptive (serial numbers, firmware, info, vendorErrorCode) and is cut to the limit.
 */
// 2.x: idToken.idToken and the station's transactionId name a token and a session the same way.
export const NEVER_TRUNCATED: ReadonlySet<string> = new Set(['idTag', 'vendorId', 'idToken', 'transactionId']);

/** The first `max` code points of `value` (JSON Schema maxLength counts code points, not UTF-16 units). */
export function truncate(value: string, max: number): string {
  let n = 0;
  let i = 0;
  while (i < value.length && n < max) {
    const c = value.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < value.length ? 2 : 1;
    n++;
  }
  return value.slice(0, i);
}

/** Code points in `value` (what maxLength counts). */
export function codePoints(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) i++;
    n++;
  }
  return n;
}

/** A charger's string as it goes into a deviation's detail: bounded. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
