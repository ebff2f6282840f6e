/**
 * The telemetry attributes (docs/measurands.md): each OCPP measurand's attribute name, what it
 * measures and how its total is derived, the units it may come in and the fixed unit it is
 * published in, and the phases and locations that suffix a key (attrs.ts). Lookup tables for
 * the gateway's MeterValues normalizer, built once at module load; history knows the attributes
 * from them. OCPP 1.6 §7.31 Measurand, §7.34 Phase, §7.45 UnitOfMeasure, §7.30 Location.
 */

export type Dimension = 'current' | 'voltage' | 'power' | 'reactivePower' | 'energy' | 'reactiveEnergy' | 'frequency' | 'percent' | 'temperature' | 'ratio' | 'rpm';

export interface MeasurandInfo {
  /** Attribute name in `attrs` (interface.md). */
  attr: string;
  dimension: Dimension;
  /** How a phase-less total is derived from per-phase samples (interface.md). */
  total: 'sum' | 'mean';
}

const M = (attr: string, dimension: Dimension, total: 'sum' | 'mean' = 'mean'): MeasurandInfo => ({ attr, dimension, total });

/** Every OCPP 1.6 measurand (§7.31), canonical spelling. */
export const MEASURANDS: Record<string, MeasurandInfo> = {
  'Current.Import': M('current', 'current'),
  'Current.Export': M('currentExport', 'current'),
  'Current.Offered': M('currentOffered', 'current'),
  Voltage: M('voltage', 'voltage'),
  Frequency: M('frequency', 'frequency'),
  'Power.Active.Import': M('power', 'power', 'sum'),
  'Power.Active.Export': M('powerExport', 'power', 'sum'),
  'Power.Offered': M('powerOffered', 'power', 'sum'),
  'Power.Reactive.Import': M('powerReactiveImport', 'reactivePower', 'sum'),
  'Power.Reactive.Export': M('powerReactiveExport', 'reactivePower', 'sum'),
  'Power.Factor': M('powerFactor', 'ratio'),
  'Energy.Active.Import.Register': M('energy', 'energy', 'sum'),
  'Energy.Active.Export.Register': M('energyExport', 'energy', 'sum'),
  'Energy.Reactive.Import.Register': M('energyReactiveImport', 'reactiveEnergy', 'sum'),
  'Energy.Reactive.Export.Register': M('energyReactiveExport', 'reactiveEnergy', 'sum'),
  'Energy.Active.Import.Interval': M('energyInterval', 'energy', 'sum'),
  'Energy.Active.Export.Interval': M('energyExportInterval', 'energy', 'sum'),
  'Energy.Reactive.Import.Interval': M('energyReactiveImportInterval', 'reactiveEnergy', 'sum'),
  'Energy.Reactive.Export.Interval': M('energyReactiveExportInterval', 'reactiveEnergy', 'sum'),
  RPM: M('rpm', 'rpm'),
  SoC: M('soc', 'percent'),
  Temperature: M('temperature', 'temperature'),
};

/** Chargers bend capitalisation: look measurands up case-insensitively. */
export const MEASURAND_BY_LOWER = new Map<string, MeasurandInfo & { name: string }>(
  Object.entries(MEASURANDS).map(([name, info]) => [name.toLowerCase(), { ...info, name }]),
);

export interface UnitInfo {
  canonical: string;
  /** Dimensions this unit measures (VA counts as power: apparent power, as chargers use it). */
  dimensions: Dimension[];
  /** value in the fixed unit = value * factor + offset (temperatures use convert). */
  factor: number;
  convert?: (v: number) => number;
}

const U = (canonical: string, dimensions: Dimension[], factor = 1, convert?: (v: number) => number): UnitInfo => ({
  canonical,
  dimensions,
  factor,
  ...(convert ? { convert } : {}),
});

/** OCPP 1.6 §7.45 UnitOfMeasure, plus Hz which chargers send for Frequency. Keys lowercased. */
export const UNITS = new Map<string, UnitInfo>([
  ['wh', U('Wh', ['energy'])],
  ['kwh', U('kWh', ['energy'], 1000)],
  ['varh', U('varh', ['reactiveEnergy'])],
  ['kvarh', U('kvarh', ['reactiveEnergy'], 1000)],
  ['w', U('W', ['power'])],
  ['kw', U('kW', ['power'], 1000)],
  ['va', U('VA', ['power', 'reactivePower'])],
  ['kva', U('kVA', ['power', 'reactivePower'], 1000)],
  ['var', U('var', ['reactivePower'])],
  ['kvar', U('kvar', ['reactivePower'], 1000)],
  ['a', U('A', ['current'])],
  ['v', U('V', ['voltage'])],
  ['celsius', U('Celsius', ['temperature'])],
  // The 1.6 JSON schemas list this misspelling beside Celsius (§7.45's table has Celsius only).
  ['celcius', U('Celsius', ['temperature'])],
  ['fahrenheit', U('Fahrenheit', ['temperature'], 1, (f) => ((f - 32) * 5) / 9)],
  ['k', U('K', ['temperature'], 1, (k) => k - 273.15)],
  ['percent', U('Percent', ['percent', 'ratio'])],
  ['hz', U('Hz', ['frequency'])],
]);

/** Phases (§7.34), canonical spelling by lowercase. */
export const PHASES = new Map<string, string>(
  ['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1'].map((p) => [p.toLowerCase(), p]),
);

/** Phases a total may be derived from, in order of preference; never N, never line-to-line. */
export const LINE_PHASES = ['L1', 'L2', 'L3'] as const;
export const LINE_NEUTRAL_PHASES = ['L1-N', 'L2-N', 'L3-N'] as const;
/** Line-to-line: only a voltage is derived from them, as phase-to-neutral (gateway/meter-values/normalize.ts derive). */
export const LINE_LINE_PHASES = ['L1-L2', 'L2-L3', 'L3-L1'] as const;

/** Locations (§7.30), canonical spelling by lowercase. */
export const LOCATIONS = new Map<string, string>(['Body', 'Cable', 'EV', 'Inlet', 'Outlet'].map((l) => [l.toLowerCase(), l]));
