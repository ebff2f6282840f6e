import { describe, expect, it } from 'vitest';
import { dcPowerAt, newSession, PROFILES, step } from './profiles.ts';

const seq = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('simulated charger physics', () => {
  it('DC: full power to 55 % SoC, then tapering; SoC and energy only rise; eight measurands', () => {
    const p = PROFILES.dc;
    expect(dcPowerAt(p, 30)).toBe(50_000);
    expect(dcPowerAt(p, 80)).toBeLessThan(dcPowerAt(p, 60));
    expect(dcPowerAt(p, 100)).toBe(0);
    let s = newSession(p, 1_000_000, seq([0.5]));
    const socs: number[] = [];
    const powers: number[] = [];
    let last: ReturnType<typeof step>['sampledValue'] = [];
    for (let i = 0; i < 400; i++) {
      const r = step(p, s, 30);
      expect(r.state.energyWh).toBeGreaterThan(s.energyWh - 1e-9);
      s = r.state;
      socs.push(s.soc);
      powers.push(Number(r.sampledValue[0]!.value));
      last = r.sampledValue;
    }
    expect(socs.every((v, i) => i === 0 || v >= socs[i - 1]!)).toBe(true);
    expect(socs.at(-1)).toBeGreaterThan(95);
    expect(powers.at(-1)).toBeLessThan(powers[0]!);
    expect(last.map((v) => v.measurand)).toEqual(['Power.Active.Import', 'Current.Import', 'Voltage', 'SoC', 'Temperature', 'Energy.Active.Import.Register', 'Power.Offered', 'Current.Offered']);
    expect(last.find((v) => v.measurand === 'SoC')).toMatchObject({ unit: 'Percent', location: 'EV' });
  });

  it('AC: three phases of current and voltage, power in kW, energy in kWh, consistent', () => {
    const p = PROFILES.ac;
    const s = newSession(p, 380_000, seq([0.2]));
    const { sampledValue: v, state } = step(p, s, 60);
    const currents = v.filter((x) => x.measurand === 'Current.Import');
    expect(currents.map((x) => x.phase)).toEqual(['L1', 'L2', 'L3']);
    expect(v.filter((x) => x.measurand === 'Voltage').map((x) => x.phase)).toEqual(['L1-N', 'L2-N', 'L3-N']);
    const kw = v.find((x) => x.measurand === 'Power.Active.Import')!;
    expect(kw.unit).toBe('kW');
    // P ≈ Σ U·I within rounding.
    const sum = currents.reduce((a, c, i) => a + Number(c.value) * Number(v.filter((x) => x.measurand === 'Voltage')[i]!.value), 0);
    expect(Math.abs(sum / 1000 - Number(kw.value))).toBeLessThan(0.05);
    expect(v.find((x) => x.measurand === 'Energy.Active.Import.Register')).toMatchObject({ unit: 'kWh', value: (state.energyWh / 1000).toFixed(3) });
  });
});
