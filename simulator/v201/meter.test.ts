import { describe, expect, it } from 'vitest';
import { newSession, PROFILES, step } from '../profiles.ts';
import { energyRegister, inBaseUnits, powerOf, powerSamples, sampleSession, toSampledValue, toSampledValues, withMeasurands } from './meter.ts';

const fixed = (v: number) => () => v;

describe('1.6 profile samples as 2.0.1 SampledValues', () => {
  it.each([
    [{ value: '11.040', measurand: 'Power.Active.Import', unit: 'kW' }, { value: 11.04, measurand: 'Power.Active.Import', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'W', multiplier: 3 } }],
    [{ value: '380.125', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }, { value: 380.125, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'Wh', multiplier: 3 } }],
    [{ value: '16.01', measurand: 'Current.Import', phase: 'L2', unit: 'A' }, { value: 16.01, measurand: 'Current.Import', phase: 'L2', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'A' } }],
    [{ value: '42', measurand: 'SoC', unit: 'Percent', location: 'EV' }, { value: 42, measurand: 'SoC', context: 'Sample.Periodic', location: 'EV', unitOfMeasure: { unit: 'Percent' } }],
  ])('%j', (s16, s201) => {
    expect(toSampledValue(s16, 'Sample.Periodic')).toEqual(s201);
  });

  it('multiplier 3 means kilo: the value in base units is the same as the 1.6 value in kW / kWh', () => {
    expect(inBaseUnits(toSampledValue({ value: '7.5', measurand: 'Power.Active.Import', unit: 'kW' }, 'Trigger'))).toBe(7500);
    expect(inBaseUnits(toSampledValue({ value: '7500', measurand: 'Power.Active.Import', unit: 'W' }, 'Trigger'))).toBe(7500);
  });

  it('DC: the eight 1.6 measurands but Temperature, which is no 2.0.1 measurand', () => {
    const { sampledValue } = step(PROFILES.dc, newSession(PROFILES.dc, 1e6, fixed(0.5)), 10);
    expect(sampledValue).toHaveLength(8);
    const v = toSampledValues(sampledValue, 'Sample.Periodic');
    expect(v.map((x) => x.measurand)).toEqual(['Power.Active.Import', 'Current.Import', 'Voltage', 'SoC', 'Energy.Active.Import.Register', 'Power.Offered', 'Current.Offered']);
    expect(v.every((x) => typeof x.value === 'number' && x.unitOfMeasure?.multiplier === undefined)).toBe(true);
  });

  it('the register alone in the profile units; TxUpdatedMeasurands-style filtering', () => {
    expect(energyRegister('dc', 1_234_567.4, 'Transaction.End')).toEqual({ value: 1_234_567, measurand: 'Energy.Active.Import.Register', context: 'Transaction.End', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } });
    expect(energyRegister('ac', 380_125, 'Transaction.Begin')).toMatchObject({ value: 380.125, unitOfMeasure: { unit: 'Wh', multiplier: 3 } });
    const v = toSampledValues(step(PROFILES.ac, newSession(PROFILES.ac, 380_000, fixed(0.2)), 60).sampledValue, 'Sample.Periodic');
    expect(withMeasurands(v, 'Power.Active.Import, Energy.Active.Import.Register').map((x) => x.measurand)).toEqual(['Power.Active.Import', 'Energy.Active.Import.Register']);
    expect(withMeasurands(v, '')).toEqual([]);
  });

  it('a charging limit: the energy the limit lets through, power and current scaled down', () => {
    const session = newSession(PROFILES.dc, 1e6, fixed(0.2));
    const free = sampleSession(PROFILES.dc, session, 60, 0, 'Sample.Periodic', null);
    const capped = sampleSession(PROFILES.dc, session, 60, 0, 'Sample.Periodic', 10_000);
    expect(free.powerW).toBe(50_000);
    expect(capped.powerW).toBe(10_000);
    expect(capped.state.energyWh - session.energyWh).toBeCloseTo((10_000 * 60) / 3600, 6);
    expect(powerOf(capped.values)).toBe(10_000);
    // A limit above what the car draws changes nothing.
    expect(sampleSession(PROFILES.dc, session, 60, 0, 'Sample.Periodic', 80_000).state).toEqual(free.state);
  });

  it('counts the meterValue elements with a power reading (what the bench subscriber counts)', () => {
    const power = toSampledValue({ value: '1', measurand: 'Power.Active.Import', unit: 'W' }, 'Sample.Periodic');
    const energy = energyRegister('dc', 1, 'Transaction.Begin');
    expect(powerSamples([{ sampledValue: [energy] }, { sampledValue: [energy, power] }])).toBe(1);
    expect(powerSamples(undefined)).toBe(0);
  });
});
