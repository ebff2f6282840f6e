/**
 * MeterValues normalization: OCPP 1.6 sampled values -> flat device attributes in fixed units
 * (interface.md "Telemetry attributes"; docs/measurands.md). A pure function from data to data:
 * no sockets, no clock, no logger. It runs for every MeterValues frame, so it uses lookup
 * tables built once, plain loops and no per-sample closures.
 */
import { attrKey, type AttrsSample, type TelemetryValue } from '../../contracts/attrs.ts';
import { parseNumber } from '../../ocpp/decimal.ts';
import { LINE_LINE_PHASES, LINE_NEUTRAL_PHASES, LINE_PHASES, LOCATIONS, MEASURAND_BY_LOWER, PHASES, UNITS, type MeasurandInfo } from '../../contracts/measurands.ts';

export interface SampledValueIn {
  value: string;
  context?: string | undefined;
  format?: string | undefined;
  measurand?: string | undefined;
  phase?: string | undefined;
  location?: string | undefined;
  unit?: string | undefined;
}

export interface MeterValueIn {
  timestamp: string;
  sampledValue: readonly SampledValueIn[];
}

export type NormalizeWarningCode =
  | 'NOT_A_NUMBER'
  | 'UNKNOWN_MEASURAND'
  | 'UNKNOWN_UNIT'
  | 'UNKNOWN_PHASE'
  | 'UNKNOWN_LOCATION'
  | 'UNIT_MISMATCH'
  | 'BAD_TIMESTAMP'
  | 'DUPLICATE_SAMPLE';

export interface NormalizeWarning {
  code: NormalizeWarningCode;
  measurand?: string;
  phase?: string;
  location?: string;
  value?: string;
  unit?: string;
  message: string;
}

/** One meterValue as attributes (contracts/attrs.ts), with what did not become one. */
export interface NormalizedSample extends AttrsSample {
  warnings: NormalizeWarning[];
}

// OCPP 1.6 §7.43 SampledValue: measurand defaults to Energy.Active.Import.Register.
const DEFAULT_MEASURAND = MEASURAND_BY_LOWER.get('energy.active.import.register')!;

/**
 * The lowercase tables plus each entry's canonical spelling, so that what nearly every charger
 * sends (the spec's own spelling) is found without lowercasing four strings per sampled value;
 * any other capitalisation is looked up lowercased, as before. Finite: built once from the tables.
 */
function withCanonical<V>(byLower: ReadonlyMap<string, V>, canonical: (v: V) => string): Map<string, V> {
  const m = new Map(byLower);
  // The first entry of a spelling keeps it ('celcius', the schemas' misspelling, names Celsius too).
  for (const v of byLower.values()) if (!m.has(canonical(v))) m.set(canonical(v), v);
  return m;
}
const MEASURAND = withCanonical(MEASURAND_BY_LOWER, (v) => v.name);
const UNIT = withCanonical(UNITS, (u) => u.canonical);
const PHASE = withCanonical(PHASES, (p) => p);
const LOCATION = withCanonical(LOCATIONS, (l) => l);

function find<V>(table: ReadonlyMap<string, V>, s: string): V | undefined {
  return table.get(s) ?? table.get(s.toLowerCase());
}

/** attrKey(attr, phase) for every measurand and phase, built once (finite: the tables'). */
const PHASE_KEYS = new Map<string, Map<string, string>>();
for (const info of MEASURAND_BY_LOWER.values()) PHASE_KEYS.set(info.attr, new Map([...PHASES.values()].map((ph) => [ph, attrKey(info.attr, ph)])));
const keyOf = (attr: string, phase: string | undefined): string => (phase ? PHASE_KEYS.get(attr)!.get(phase)! : attr);

/** Removes float noise from unit conversions and means (7.856 kW -> 7856 W, not 7855.999…). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

const ZONE_RE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/** Charger timestamp -> ISO 8601 UTC; a timestamp without zone is read as UTC. */
export function normalizeTimestamp(ts: string): string | null {
  // Fast path: already canonical (what most chargers and our simulator send).
  if (ts.length === 24 && ts.charCodeAt(23) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */ && !Number.isNaN(Date.parse(ts))) return ts;
  const s = ts.trim().replace(' ', 'T');
  const ms = Date.parse(ZONE_RE.test(s) ? s : `${s}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The per-phase values of one measurand, from which its total is derived. */
interface PhaseGroup {
  info: MeasurandInfo & { name: string };
  phases: Map<string, number>;
}

export function normalizeMeterValue(mv: MeterValueIn): NormalizedSample {
  const warnings: NormalizeWarning[] = [];
  const values: Record<string, TelemetryValue> = {};
  // Which location set each plain key (Outlet beats the others, OCPP 1.6 §7.30 default).
  const plainFrom: Record<string, string> = {};
  let groups: Map<string, PhaseGroup> | undefined;
  let context: string | undefined;

  let timestamp = normalizeTimestamp(mv.timestamp);
  if (timestamp === null) {
    warnings.push({ code: 'BAD_TIMESTAMP', value: mv.timestamp, message: `timestamp ${JSON.stringify(mv.timestamp)} is not a date-time` });
    timestamp = mv.timestamp;
  }

  for (const sv of mv.sampledValue) {
    if (context === undefined && sv.context) context = sv.context;
    const info = sv.measurand === undefined ? DEFAULT_MEASURAND : find(MEASURAND, sv.measurand);
    if (!info) {
      warnings.push({ code: 'UNKNOWN_MEASURAND', measurand: sv.measurand!, value: sv.value, message: `unknown measurand ${sv.measurand}` });
      continue;
    }
    let phase: string | undefined;
    if (sv.phase !== undefined) {
      phase = find(PHASE, sv.phase);
      if (!phase) {
        warnings.push({ code: 'UNKNOWN_PHASE', measurand: info.name, phase: sv.phase, value: sv.value, message: `unknown phase ${sv.phase}` });
        continue;
      }
    }
    // An unknown location (only a lenient charger's, the schema has five) is '': not Outlet, so
    // it fills the plain attribute only when no Outlet value does, and it names no attribute.
    let location = sv.location === undefined ? 'Outlet' : find(LOCATION, sv.location);
    if (location === undefined) {
      warnings.push({ code: 'UNKNOWN_LOCATION', measurand: info.name, location: sv.location!, value: sv.value, message: `unknown location ${sv.location}; published under the plain attribute only` });
      location = '';
    }
    const key = keyOf(info.attr, phase);

    // §7.49 ValueFormat SignedData: an opaque signed blob, kept verbatim, never a number.
    if (sv.format === 'SignedData') {
      const signedKey = attrKey(info.attr, phase, location, true);
      if (signedKey in values) warnings.push(duplicate(info.name, phase, sv.value));
      else values[signedKey] = sv.value;
      continue;
    }

    const raw = parseNumber(sv.value);
    if (raw === null) {
      warnings.push({ code: 'NOT_A_NUMBER', measurand: info.name, ...(phase ? { phase } : {}), value: String(sv.value), message: `${info.name} value ${JSON.stringify(sv.value)} is not a number` });
      continue;
    }
    let value = raw;
    if (sv.unit !== undefined) {
      const unit = find(UNIT, sv.unit);
      if (!unit) {
        warnings.push({ code: 'UNKNOWN_UNIT', measurand: info.name, unit: sv.unit, value: sv.value, message: `unknown unit ${sv.unit}; value published as given` });
      } else if (!unit.dimensions.includes(info.dimension)) {
        warnings.push({ code: 'UNIT_MISMATCH', measurand: info.name, unit: sv.unit, value: sv.value, message: `unit ${sv.unit} does not measure ${info.name}; value published as given` });
      } else if (unit.convert) {
        value = clean(unit.convert(raw));
      } else if (unit.factor !== 1) {
        value = clean(raw * unit.factor);
      }
    }
    // Without a unit the value is taken in the measurand's fixed unit: the spec default (Wh)
    // is the fixed unit for energy, and chargers omit V, A, Hz, Percent routinely.

    let placed = false;
    if (location !== 'Outlet' && location !== '') {
      const locKey = attrKey(info.attr, phase, location);
      if (!(locKey in values)) {
        values[locKey] = value;
        placed = true;
      }
    }
    const from = plainFrom[key];
    if (from === undefined || (from !== 'Outlet' && location === 'Outlet')) {
      values[key] = value;
      plainFrom[key] = location;
      placed = true;
    }
    if (!placed) {
      warnings.push(duplicate(info.name, phase, sv.value));
      continue;
    }

    // Only phased values make a group: most samples have none, and allocate nothing for it.
    if (!phase) continue;
    let g = (groups ??= new Map()).get(info.attr);
    if (!g) groups.set(info.attr, (g = { info, phases: new Map() }));
    if (location === plainFrom[key]) g.phases.set(phase, values[key] as number);
  }

  if (groups) {
    for (const [attr, g] of groups) {
      // A phaseless value of the measurand was given (it always sets the plain key): it is the
      // total, nothing is derived. The groups' attributes differ, so no derive below set it.
      if (attr in values || g.phases.size === 0) continue;
      const total = derive(g);
      if (total !== null) values[attr] = total;
    }
  }

  const out: NormalizedSample = { timestamp, values, warnings };
  if (context !== undefined) out.context = context;
  return out;
}

/**
 * interface.md: energy and power are the sum over L1..L3, the others the mean; a value on N
 * is never the total, and line-to-line voltages are not averaged into a phase voltage.
 * A voltage given only line to line (L1-L2, L2-L3, L3-L1, §7.34) gives the phase-to-neutral
 * voltage of a balanced three-phase system: the mean line-to-line voltage / √3 (400 V -> 230.9 V),
 * so that `voltage` means the same on every AC charger (docs/measurands.md).
 */
function derive(g: PhaseGroup): number | null {
  let set: readonly string[] = LINE_PHASES;
  let divisor = 1;
  if (!set.some((p) => g.phases.has(p))) set = LINE_NEUTRAL_PHASES;
  if (g.info.dimension === 'voltage' && !set.some((p) => g.phases.has(p))) {
    set = LINE_LINE_PHASES;
    divisor = Math.sqrt(3);
  }
  let sum = 0;
  let n = 0;
  for (const p of set) {
    const v = g.phases.get(p);
    if (v !== undefined) {
      sum += v;
      n++;
    }
  }
  if (n === 0) return null;
  return clean((g.info.total === 'sum' ? sum : sum / n) / divisor);
}

function duplicate(measurand: string, phase: string | undefined, value: string): NormalizeWarning {
  return { code: 'DUPLICATE_SAMPLE', measurand, ...(phase ? { phase } : {}), value, message: `second ${measurand}${phase ? ` ${phase}` : ''} sample in one meterValue ignored` };
}

export function normalizeMeterValues(mvs: readonly MeterValueIn[]): NormalizedSample[] {
  const out = new Array<NormalizedSample>(mvs.length);
  for (let i = 0; i < mvs.length; i++) out[i] = normalizeMeterValue(mvs[i]!);
  return out;
}
