/**
 * The 1.6 profiles' samples (simulator/profiles.ts: the same physics, the same eight kinds of
 * values) as OCPP 2.0.1 SampledValues: `value` a number, the unit in `unitOfMeasure` {unit,
 * multiplier} (2.0.1 part 2 §2.2 UnitOfMeasureType: the value is value × 10^multiplier units),
 * a context and a location on every value. Pure, tested in meter.test.ts. The DC charger's body
 * temperature, a 1.6 measurand, is not one in 2.0.1: it is read from the device model instead.
 *
 * - DC: plain units (W, A, V, Percent, Celsius, Wh), multiplier 0 (left out, the default).
 * - AC wallbox: what the 1.6 wallbox sends in kW and kWh goes as unit W and Wh with multiplier
 *   3 (the value still in kW / kWh), so a CSMS's normalization of the multiplier is exercised.
 */
import { step, type Profile, type ProfileName, type SessionState } from '../profiles.ts';
import type { Location, Phase, ReadingContext, SampledValue } from './types.ts';

/** What step() returns for 1.6 (value a string, unit a 1.6 UnitOfMeasure). */
export interface Sample16 {
  value: string;
  measurand?: string | undefined;
  unit?: string | undefined;
  phase?: string | undefined;
  location?: string | undefined;
}

const KILO: Readonly<Record<string, string>> = { kW: 'W', kWh: 'Wh', kvar: 'var', kvarh: 'varh', kVA: 'VA' };

export function toSampledValue(s: Sample16, context: ReadingContext): SampledValue {
  const out: SampledValue = { value: Number(s.value), context };
  if (s.measurand) out.measurand = s.measurand;
  if (s.phase) out.phase = s.phase as Phase;
  out.location = (s.location ?? 'Outlet') as Location;
  if (s.unit) out.unitOfMeasure = KILO[s.unit] ? { unit: KILO[s.unit]!, multiplier: 3 } : { unit: s.unit };
  return out;
}

/**
 * 1.6 measurands that 2.0.1 and 2.1 no longer have (MeasurandEnumType of both schemas):
 * Temperature is a device model variable there (part 2 appendix 3.2.2 AcDcConverter.Temperature,
 * "temperature of converter"), not a sampled value.
 */
export const NOT_A_MEASURAND = new Set(['Temperature']);

export function toSampledValues(samples: readonly Sample16[], context: ReadingContext): SampledValue[] {
  return samples.filter((s) => !NOT_A_MEASURAND.has(s.measurand ?? '')).map((s) => toSampledValue(s, context));
}

/** The energy register alone (Transaction.Begin/End, a triggered sample outside a session), in the profile's units. */
export function energyRegister(profile: ProfileName, energyWh: number, context: ReadingContext): SampledValue {
  const s: Sample16 = profile === 'ac' ? { value: (energyWh / 1000).toFixed(3), measurand: 'Energy.Active.Import.Register', unit: 'kWh' } : { value: energyWh.toFixed(0), measurand: 'Energy.Active.Import.Register', unit: 'Wh' };
  return toSampledValue(s, context);
}

/**
 * Keeps the measurands a SampledDataCtrlr list names (TxUpdatedMeasurands, ...: a comma
 * separated MemberList); a value without a measurand is Energy.Active.Import.Register.
 */
export function withMeasurands(values: readonly SampledValue[], list: string): SampledValue[] {
  const wanted = new Set(list.split(',').map((m) => m.trim()).filter(Boolean));
  return values.filter((v) => wanted.has(v.measurand ?? 'Energy.Active.Import.Register'));
}

/** The value in base units (value × 10^multiplier). */
export function inBaseUnits(v: SampledValue): number {
  return v.value * 10 ** (v.unitOfMeasure?.multiplier ?? 0);
}

/** Total active power of a sample, W (undefined when it has none). */
export function powerOf(values: readonly SampledValue[]): number | undefined {
  const p = values.find((v) => v.measurand === 'Power.Active.Import' && !v.phase);
  return p ? inBaseUnits(p) : undefined;
}

/**
 * A charging limit below what the car would draw: power and current scaled by `factor` (the
 * step that produced them was run for the energy the limit allows).
 */
export function scaleFlows(values: readonly SampledValue[], factor: number): SampledValue[] {
  return values.map((v) => (v.measurand === 'Power.Active.Import' || v.measurand === 'Current.Import' ? { ...v, value: Math.round(v.value * factor * 1000) / 1000 } : v));
}

/** How many meterValue elements carry a power reading: what a benchmark subscriber counts as a sample. */
export function powerSamples(meterValue: ReadonlyArray<{ sampledValue: readonly SampledValue[] }> | undefined): number {
  return meterValue?.filter((m) => m.sampledValue.some((v) => v.measurand === 'Power.Active.Import')).length ?? 0;
}

/**
 * The sample after `dtS` more seconds of a session: the profile's physics (profiles.ts step),
 * as 2.0.1 values. A power limit below what the car would draw (a charging profile) lets only
 * the energy the limit allows through: the step runs for dtS × limit / power, and power and
 * current read accordingly.
 */
export function sampleSession(profile: Profile, session: SessionState, dtS: number, jitter: number, context: ReadingContext, limitW: number | null): { state: SessionState; values: SampledValue[]; powerW: number } {
  let s = step(profile, session, dtS, jitter);
  let values = toSampledValues(s.sampledValue, context);
  const power = powerOf(values) ?? 0;
  if (limitW !== null && power > limitW && dtS > 0) {
    const f = Math.max(0, limitW) / power;
    s = step(profile, session, dtS * f, jitter);
    values = scaleFlows(toSampledValues(s.sampledValue, context), f);
  }
  return { state: s.state, values, powerW: powerOf(values) ?? 0 };
}
