/**
 * What simulated chargers measure: pure functions from (profile, session state, elapsed time) to
 * OCPP 1.6 SampledValues, tested without sockets (simulator/profiles.test.ts).
 *
 * - `dc`: a DC fast charger (ABB Terra 54-like, 50 kW): the eight measurands such a charger sends
 *   — Power.Active.Import (W), Current.Import (A), Voltage (V), SoC (%, location EV),
 *   Temperature (Celsius, location Body), Energy.Active.Import.Register (Wh), Power.Offered and
 *   Current.Offered. Power is flat up to ~55 % SoC, then tapers (a constant-voltage phase, as real
 *   batteries charge), so SoC rises ever more slowly.
 * - `ac`: a three-phase AC wallbox (Etrel/Alfen-like, 11 kW, 16 A per phase): Current.Import and
 *   Voltage per phase (L1, L2, L3 and L1-N, ...), Power.Active.Import in kW and
 *   Energy.Active.Import.Register in kWh, as many wallboxes report.
 */
import type { MeterValuesRequest } from '../ocpp/v16-types.ts';

type SampledValue = MeterValuesRequest['meterValue'][number]['sampledValue'][number];

export type ProfileName = 'dc' | 'ac';

export interface Profile {
  name: ProfileName;
  vendor: string;
  model: string;
  connectors: number;
  maxPowerW: number;
  /** Energy meter at first boot, Wh. */
  initialEnergyWh: number;
}

export const PROFILES: Record<ProfileName, Profile> = {
  dc: { name: 'dc', vendor: 'ABB', model: 'Terra 54 (simulated)', connectors: 1, maxPowerW: 50_000, initialEnergyWh: 1_250_000 },
  ac: { name: 'ac', vendor: 'Etrel', model: 'INCH Pro (simulated)', connectors: 1, maxPowerW: 11_040, initialEnergyWh: 380_000 },
};

export interface SessionState {
  /** Battery state of charge, % (the DC charger sees it; an AC wallbox does not). */
  soc: number;
  /** Energy register, Wh: only ever increases. */
  energyWh: number;
  /** Battery capacity of the simulated car, Wh. */
  capacityWh: number;
  /** Charger body temperature, °C. */
  temperatureC: number;
}

export function newSession(profile: Profile, energyWh: number, rand: () => number = Math.random): SessionState {
  return { soc: 10 + rand() * 40, energyWh, capacityWh: profile.name === 'dc' ? 60_000 + rand() * 40_000 : 50_000 + rand() * 30_000, temperatureC: 25 + rand() * 5 };
}

/** DC power at a state of charge: full up to 55 %, then a linear taper to 10 % at 100 %. */
export function dcPowerAt(profile: Profile, soc: number): number {
  if (soc >= 100) return 0;
  if (soc <= 55) return profile.maxPowerW;
  return profile.maxPowerW * (1 - ((soc - 55) / 45) * 0.9);
}

/** AC wallboxes draw what the car's onboard charger takes: full until the car is nearly full. */
export function acPowerAt(profile: Profile, soc: number): number {
  return soc >= 100 ? 0 : soc > 95 ? profile.maxPowerW * 0.3 : profile.maxPowerW;
}

const f = (v: number, digits = 1) => v.toFixed(digits);

/**
 * Advances a session by `dtSeconds` and returns the new state and the sample to send. `jitter`
 * in [-1, 1] adds the small noise real meters show.
 */
export function step(profile: Profile, s: SessionState, dtSeconds: number, jitter = 0): { state: SessionState; sampledValue: SampledValue[] } {
  const powerW = Math.max(0, (profile.name === 'dc' ? dcPowerAt(profile, s.soc) : acPowerAt(profile, s.soc)) * (1 + jitter * 0.01));
  const addedWh = (powerW * dtSeconds) / 3600;
  const soc = Math.min(100, s.soc + (addedWh / s.capacityWh) * 100);
  // Body temperature follows power with a lag, towards 25 °C + 20 °C at full power.
  const target = 25 + (20 * powerW) / profile.maxPowerW;
  const temperatureC = s.temperatureC + (target - s.temperatureC) * Math.min(1, dtSeconds / 300);
  const state: SessionState = { ...s, soc, energyWh: s.energyWh + addedWh, temperatureC };
  return { state, sampledValue: profile.name === 'dc' ? dcSample(profile, state, powerW) : acSample(state, powerW, jitter) };
}

function dcSample(profile: Profile, s: SessionState, powerW: number): SampledValue[] {
  // Pack voltage rises with SoC (≈ 350 V empty → 410 V full on a 400 V-class car).
  const voltage = 350 + 0.6 * s.soc;
  return [
    { value: f(powerW, 0), measurand: 'Power.Active.Import', unit: 'W' },
    { value: f(powerW / voltage), measurand: 'Current.Import', unit: 'A' },
    { value: f(voltage), measurand: 'Voltage', unit: 'V' },
    { value: f(s.soc, 0), measurand: 'SoC', unit: 'Percent', location: 'EV' },
    { value: f(s.temperatureC), measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
    { value: f(s.energyWh, 0), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
    { value: f(profile.maxPowerW, 0), measurand: 'Power.Offered', unit: 'W' },
    { value: f(125, 0), measurand: 'Current.Offered', unit: 'A' },
  ];
}

function acSample(s: SessionState, powerW: number, jitter: number): SampledValue[] {
  const out: SampledValue[] = [];
  const phases = ['L1', 'L2', 'L3'] as const;
  for (const [i, ph] of phases.entries()) {
    const v = 230 + jitter * 2 + i * 0.7;
    out.push({ value: f(powerW / 3 / v, 2), measurand: 'Current.Import', phase: ph, unit: 'A' });
    out.push({ value: f(v), measurand: 'Voltage', phase: `${ph}-N` as SampledValue['phase'], unit: 'V' });
  }
  out.push({ value: f(powerW / 1000, 3), measurand: 'Power.Active.Import', unit: 'kW' });
  out.push({ value: f(s.energyWh / 1000, 3), measurand: 'Energy.Active.Import.Register', unit: 'kWh' });
  return out;
}
