/**
 * OCPP 2.x meterValue -> the version-neutral input of the normalizer
 * (gateway/meter-values/normalize.ts), so 2.x chargers publish the same attributes in the same
 * units as 1.6 ones. Pure.
 *
 * What differs from 1.6 (2.0.1 part 2 appendices, SampledValueType / UnitOfMeasureType, as the
 * JSON schemas define them): `value` is a number, not a string; the unit comes as
 * `unitOfMeasure: { unit, multiplier }` with value × 10^multiplier in `unit` (unit default "Wh",
 * multiplier default 0); a signed reading comes beside the value in `signedMeterValue`
 * (signedMeterData kept as text under the `_signed` attribute, as 1.6 SignedData is).
 */
import type { MeterValueIn, SampledValueIn } from '../../meter-values/normalize.ts';

export interface SampledValue2 {
  value: number;
  context?: string | undefined;
  measurand?: string | undefined;
  phase?: string | undefined;
  location?: string | undefined;
  unitOfMeasure?: { unit?: string | undefined; multiplier?: number | undefined } | undefined;
  signedMeterValue?: { signedMeterData: string } | undefined;
}

export interface MeterValue2 {
  timestamp: string;
  sampledValue: readonly SampledValue2[];
}

function scaled(value: number, multiplier: number | undefined): string {
  if (!multiplier) return String(value);
  // toPrecision(12): 1.234 × 10^3 is 1234, not 1233.9999999999998.
  return String(Number((value * 10 ** multiplier).toPrecision(12)));
}

export function toMeterValuesIn(mvs: readonly MeterValue2[]): MeterValueIn[] {
  const out: MeterValueIn[] = [];
  for (const mv of mvs) {
    const sampledValue: SampledValueIn[] = [];
    for (const sv of mv.sampledValue) {
      const base = { context: sv.context, measurand: sv.measurand, phase: sv.phase, location: sv.location };
      sampledValue.push({ ...base, value: scaled(sv.value, sv.unitOfMeasure?.multiplier), unit: sv.unitOfMeasure?.unit });
      if (sv.signedMeterValue) sampledValue.push({ ...base, value: sv.signedMeterValue.signedMeterData, format: 'SignedData' });
    }
    out.push({ timestamp: mv.timestamp, sampledValue });
  }
  return out;
}
