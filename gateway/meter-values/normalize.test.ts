import { describe, expect, it } from 'vitest';
import { parseAttrKey } from '../../contracts/attrs.ts';
import { normalizeMeterValue, normalizeMeterValues, type MeterValueIn, type SampledValueIn } from './normalize.ts';

const TS = '2026-11-22T10:00:00.000Z';
const aSampledValue = (o: Partial<SampledValueIn> = {}): SampledValueIn => ({ value: '1', ...o });
const aMeterValue = (sampledValue: SampledValueIn[], timestamp = TS): MeterValueIn => ({ timestamp, sampledValue });
const one = (sv: Partial<SampledValueIn>) => normalizeMeterValue(aMeterValue([aSampledValue(sv)]));

describe('every OCPP 1.6 measurand has its attribute (§7.31)', () => {
  it.each([
    ['Current.Import', 'A', 'current'],
    ['Current.Export', 'A', 'currentExport'],
    ['Current.Offered', 'A', 'currentOffered'],
    ['Voltage', 'V', 'voltage'],
    ['Frequency', undefined, 'frequency'],
    ['Power.Active.Import', 'W', 'power'],
    ['Power.Active.Export', 'W', 'powerExport'],
    ['Power.Offered', 'W', 'powerOffered'],
    ['Power.Reactive.Import', 'var', 'powerReactiveImport'],
    ['Power.Reactive.Export', 'var', 'powerReactiveExport'],
    ['Power.Factor', undefined, 'powerFactor'],
    ['Energy.Active.Import.Register', 'Wh', 'energy'],
    ['Energy.Active.Export.Register', 'Wh', 'energyExport'],
    ['Energy.Reactive.Import.Register', 'varh', 'energyReactiveImport'],
    ['Energy.Reactive.Export.Register', 'varh', 'energyReactiveExport'],
    ['Energy.Active.Import.Interval', 'Wh', 'energyInterval'],
    ['Energy.Active.Export.Interval', 'Wh', 'energyExportInterval'],
    ['Energy.Reactive.Import.Interval', 'varh', 'energyReactiveImportInterval'],
    ['Energy.Reactive.Export.Interval', 'varh', 'energyReactiveExportInterval'],
    ['RPM', undefined, 'rpm'],
    ['SoC', 'Percent', 'soc'],
    ['Temperature', 'Celsius', 'temperature'],
  ])('%s (%s) -> %s', (measurand, unit, attr) => {
    const r = one({ measurand, unit, value: '42.5' });
    expect(r.values).toEqual({ [attr]: 42.5 });
    expect(r.warnings).toEqual([]);
  });

  it('matches measurand names case-insensitively', () => {
    expect(one({ measurand: 'current.import', value: '3' }).values).toEqual({ current: 3 });
  });

  it('reports an unknown measurand and publishes nothing for it', () => {
    const r = one({ measurand: 'Flux.Capacitor', value: '1.21' });
    expect(r.values).toEqual({});
    expect(r.warnings).toMatchObject([{ code: 'UNKNOWN_MEASURAND', measurand: 'Flux.Capacitor' }]);
  });
});

describe('units are converted to the fixed ones (§7.45 UnitOfMeasure)', () => {
  it.each([
    ['Energy.Active.Import.Register', 'kWh', '1.234', 'energy', 1234],
    ['Energy.Active.Import.Register', 'KWH', '7.856', 'energy', 7856],
    ['Energy.Reactive.Import.Register', 'kvarh', '2', 'energyReactiveImport', 2000],
    ['Power.Active.Import', 'kW', '7.856', 'power', 7856],
    ['Power.Active.Import', 'kVA', '11', 'power', 11000],
    ['Power.Reactive.Import', 'kvar', '0.5', 'powerReactiveImport', 500],
    ['Power.Offered', 'kW', '50', 'powerOffered', 50000],
    ['Temperature', 'K', '308.65', 'temperature', 35.5],
    ['Temperature', 'Fahrenheit', '95.9', 'temperature', 35.5],
    ['Temperature', 'Celsius', '-5', 'temperature', -5],
    ['SoC', 'Percent', '80', 'soc', 80],
    ['Frequency', 'Hz', '50.01', 'frequency', 50.01],
  ])('%s %s %s -> %s %d', (measurand, unit, value, attr, expected) => {
    const r = one({ measurand, unit, value });
    expect(r.values[attr]).toBeCloseTo(expected, 9);
    expect(r.warnings).toEqual([]);
  });

  it('leaves no float noise after conversion', () => {
    expect(one({ measurand: 'Power.Active.Import', unit: 'kW', value: '7.856' }).values['power']).toBe(7856);
    expect(one({ measurand: 'Energy.Active.Import.Register', unit: 'kWh', value: '0.1' }).values['energy']).toBe(100);
  });

  it('keeps the value but warns on an unknown unit', () => {
    const r = one({ measurand: 'Voltage', unit: 'Volts', value: '230' });
    expect(r.values).toEqual({ voltage: 230 });
    expect(r.warnings).toMatchObject([{ code: 'UNKNOWN_UNIT', unit: 'Volts' }]);
  });

  it.each([
    ['Voltage', 'A'],
    ['Energy.Active.Import.Register', 'W'],
    ['Current.Import', 'kWh'],
  ])('keeps the value but warns when %s comes in %s', (measurand, unit) => {
    const r = one({ measurand, unit, value: '10' });
    expect(Object.values(r.values)).toEqual([10]);
    expect(r.warnings).toMatchObject([{ code: 'UNIT_MISMATCH', unit }]);
  });
});

describe('spec defaults (§7.43)', () => {
  it('an absent measurand is Energy.Active.Import.Register in Wh', () => {
    expect(normalizeMeterValue(aMeterValue([{ value: '2087100' }])).values).toEqual({ energy: 2087100 });
  });
  it('an absent unit is the fixed unit of the measurand, without warning', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Voltage', value: '231' }), aSampledValue({ measurand: 'SoC', value: '40' })]));
    expect(r.values).toEqual({ voltage: 231, soc: 40 });
    expect(r.warnings).toEqual([]);
  });
});

describe('numbers come as strings (ocpp/decimal.ts)', () => {
  it.each(['', ' ', 'abc', '12kW', 'NaN', 'Infinity', '-Infinity', '0x10', '1,5', 'null', '1e', '--1'])(
    '%j is not a number: warning, nothing published (never 0 or NaN)',
    (value) => {
      const r = one({ measurand: 'Voltage', value });
      expect(r.values).toEqual({});
      expect(r.warnings).toMatchObject([{ code: 'NOT_A_NUMBER', measurand: 'Voltage', value }]);
    },
  );
});

describe('SignedData (§7.49 ValueFormat)', () => {
  it('is kept verbatim as a string and never parsed', () => {
    const blob = '3082 0000 1234';
    const r = normalizeMeterValue(
      aMeterValue([
        aSampledValue({ measurand: 'Energy.Active.Import.Register', value: '12345', unit: 'Wh' }),
        aSampledValue({ measurand: 'Energy.Active.Import.Register', value: blob, format: 'SignedData' }),
        aSampledValue({ measurand: 'Energy.Active.Import.Register', phase: 'L1', value: '1234', format: 'SignedData' }),
      ]),
    );
    expect(r.values).toEqual({ energy: 12345, energy_signed: blob, energy_L1_signed: '1234' });
    expect(typeof r.values['energy_L1_signed']).toBe('string');
    expect(r.warnings).toEqual([]);
  });
});

describe('phases and derived totals (interface.md)', () => {
  const phases = (measurand: string, unit: string | undefined, vals: Record<string, string>) =>
    Object.entries(vals).map(([phase, value]) => aSampledValue({ measurand, unit, phase, value }));

  it('a three-phase AC wallbox in kW/kWh: per-phase attributes, sums and means', () => {
    const r = normalizeMeterValue(
      aMeterValue([
        ...phases('Current.Import', 'A', { L1: '16.1', L2: '15.9', L3: '16.0' }),
        ...phases('Voltage', 'V', { 'L1-N': '230.1', 'L2-N': '229.8', 'L3-N': '231.0' }),
        ...phases('Power.Active.Import', 'kW', { L1: '3.7', L2: '3.6', L3: '3.8' }),
        ...phases('Energy.Active.Import.Register', 'kWh', { L1: '1.234', L2: '1.1', L3: '1.3' }),
        aSampledValue({ measurand: 'Frequency', value: '50.01' }),
      ]),
    );
    expect(r.values).toMatchObject({
      current_L1: 16.1,
      current_L2: 15.9,
      current_L3: 16,
      current: 16,
      'voltage_L1-N': 230.1,
      voltage: 230.3,
      power_L1: 3700,
      power: 11100,
      energy_L2: 1100,
      energy: 3634,
      frequency: 50.01,
    });
    expect(r.warnings).toEqual([]);
  });

  it('voltage over phases is the mean, never the 690 V sum', () => {
    const r = normalizeMeterValue(aMeterValue(phases('Voltage', 'V', { L1: '230', L2: '230', L3: '230' })));
    expect(r.values['voltage']).toBe(230);
  });

  it('a value on N is never taken as the total', () => {
    const r = normalizeMeterValue(aMeterValue(phases('Current.Import', 'A', { N: '0.2' })));
    expect(r.values).toEqual({ current_N: 0.2 });
    const r2 = normalizeMeterValue(aMeterValue(phases('Current.Import', 'A', { L1: '10', L2: '12', N: '0' })));
    expect(r2.values['current']).toBe(11);
  });

  it('line-to-line voltages only: voltage is the phase-to-neutral equivalent, mean L-L / √3 (docs/measurands.md)', () => {
    const r = normalizeMeterValue(aMeterValue(phases('Voltage', 'V', { 'L1-L2': '400', 'L2-L3': '401', 'L3-L1': '399' })));
    expect(r.values).toEqual({ 'voltage_L1-L2': 400, 'voltage_L2-L3': 401, 'voltage_L3-L1': 399, voltage: 230.940107676 });
    expect(r.warnings).toEqual([]);
  });

  it.each([
    ['phase-to-neutral beside line-to-line: L-N wins', { 'L1-N': '231', 'L2-N': '229', 'L1-L2': '400' }, 230],
    ['L1..L3 beside line-to-line: L1..L3 win', { L1: '232', 'L2-L3': '400' }, 232],
    ['one line-to-line voltage alone', { 'L2-L3': '415.69' }, 240],
  ])('%s', (_what, values, voltage) => {
    expect(normalizeMeterValue(aMeterValue(phases('Voltage', 'V', values))).values['voltage']).toBeCloseTo(voltage, 2);
  });

  it('line-to-line values of other measurands give no total', () => {
    expect(normalizeMeterValue(aMeterValue(phases('Current.Import', 'A', { 'L1-L2': '10' }))).values).toEqual({ 'current_L1-L2': 10 });
  });

  it('a phase-less sample from the charger wins over a derived one', () => {
    const r = normalizeMeterValue(
      aMeterValue([...phases('Power.Active.Import', 'W', { L1: '1000', L2: '1000' }), aSampledValue({ measurand: 'Power.Active.Import', unit: 'W', value: '1990' })]),
    );
    expect(r.values['power']).toBe(1990);
    // In either order, and also when the phase-less one is the first.
    const first = normalizeMeterValue(
      aMeterValue([aSampledValue({ measurand: 'Power.Active.Import', unit: 'W', value: '1990' }), ...phases('Power.Active.Import', 'W', { L1: '1000', L2: '1000' })]),
    );
    expect(first.values).toEqual({ power: 1990, power_L1: 1000, power_L2: 1000 });
  });

  it('spellings of measurand, phase, unit and location other than the spec\'s give the same attributes', () => {
    const canonical = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Current.Import', phase: 'L1-N', unit: 'A', value: '16' }), aSampledValue({ measurand: 'SoC', unit: 'Percent', location: 'EV', value: '40' }), aSampledValue({ measurand: 'Energy.Active.Import.Register', unit: 'kWh', value: '1.5' })]));
    const bent = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'CURRENT.import', phase: 'l1-n', unit: 'a', value: '16' }), aSampledValue({ measurand: 'soc', unit: 'PERCENT', location: 'ev', value: '40' }), aSampledValue({ measurand: 'energy.active.import.register', unit: 'KWh', value: '1.5' })]));
    expect(bent.values).toEqual(canonical.values);
    expect(canonical.values).toEqual({ 'current_L1-N': 16, current: 16, soc_EV: 40, soc: 40, energy: 1500 });
    expect(bent.warnings).toEqual([]);
  });

  it('a single-phase charger reporting L1 only gets the total from L1', () => {
    const r = normalizeMeterValue(aMeterValue(phases('Power.Active.Import', 'W', { L1: '3680' })));
    expect(r.values).toEqual({ power_L1: 3680, power: 3680 });
  });

  it('phases match case-insensitively and come out canonical', () => {
    expect(one({ measurand: 'Voltage', phase: 'l1-n', value: '229' }).values).toEqual({ 'voltage_L1-N': 229, voltage: 229 });
  });
});

describe('locations (§7.30)', () => {
  it('an unknown location (a lenient charger\'s) fills the plain key only, with a warning', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Temperature', location: 'Ambient', value: '21' })]));
    expect(r.values).toEqual({ temperature: 21 });
    expect(r.warnings).toMatchObject([{ code: 'UNKNOWN_LOCATION', location: 'Ambient' }]);
    const withOutlet = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Temperature', location: 'Ambient', value: '21' }), aSampledValue({ measurand: 'Temperature', value: '30' })]));
    expect(withOutlet.values).toEqual({ temperature: 30 });
  });

  it('"Celcius", the 1.6 schemas\' spelling, is Celsius', () => {
    expect(one({ measurand: 'Temperature', unit: 'Celcius', value: '35.5' })).toMatchObject({ values: { temperature: 35.5 }, warnings: [] });
  });

  it('a non-Outlet sample gives the plain key and a location key', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Temperature', location: 'Body', value: '35', unit: 'Celsius' }), aSampledValue({ measurand: 'SoC', location: 'EV', value: '45' })]));
    expect(r.values).toEqual({ temperature: 35, temperature_Body: 35, soc: 45, soc_EV: 45 });
  });

  it('an Outlet sample owns the plain key whatever the order', () => {
    const r = normalizeMeterValue(
      aMeterValue([aSampledValue({ measurand: 'Temperature', location: 'Body', value: '40' }), aSampledValue({ measurand: 'Temperature', value: '30' }), aSampledValue({ measurand: 'Temperature', location: 'Cable', value: '28' })]),
    );
    expect(r.values).toEqual({ temperature: 30, temperature_Body: 40, temperature_Cable: 28 });
    expect(r.warnings).toEqual([]);
  });
});

describe('context, duplicates and timestamps', () => {
  it('context is the first sampled value that has one', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Voltage' }), aSampledValue({ measurand: 'SoC', context: 'Transaction.Begin' }), aSampledValue({ measurand: 'Power.Offered', context: 'Sample.Periodic' })]));
    expect(r.context).toBe('Transaction.Begin');
    expect(normalizeMeterValue(aMeterValue([aSampledValue()]))).not.toHaveProperty('context');
  });

  it('a second sample with the same key is ignored with a warning', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue({ measurand: 'Voltage', value: '230' }), aSampledValue({ measurand: 'Voltage', value: '0' })]));
    expect(r.values).toEqual({ voltage: 230 });
    expect(r.warnings).toMatchObject([{ code: 'DUPLICATE_SAMPLE', measurand: 'Voltage' }]);
  });

  it.each([
    ['2026-11-22T10:00:00.000Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T12:00:00+02:00', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00.5', '2026-11-22T10:00:00.500Z'],
    ['2026-11-22 10:00:00', '2026-11-22T10:00:00.000Z'],
  ])('timestamp %s -> %s', (ts, iso) => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue()], ts));
    expect(r.timestamp).toBe(iso);
    expect(r.warnings).toEqual([]);
  });

  it('an unparseable timestamp is kept raw with a warning', () => {
    const r = normalizeMeterValue(aMeterValue([aSampledValue()], 'yesterday'));
    expect(r.timestamp).toBe('yesterday');
    expect(r.warnings).toMatchObject([{ code: 'BAD_TIMESTAMP' }]);
  });

  it('normalizes every element of an array, in order', () => {
    const r = normalizeMeterValues([aMeterValue([aSampledValue({ value: '1' })], '2026-01-01T00:00:00Z'), aMeterValue([aSampledValue({ value: '2' })], '2026-01-01T00:00:10Z')]);
    expect(r.map((s) => [s.timestamp, s.values['energy']])).toEqual([
      ['2026-01-01T00:00:00.000Z', 1],
      ['2026-01-01T00:00:10.000Z', 2],
    ]);
  });
});

describe('the ABB Terra 54 DC sample (field notes)', () => {
  it('gives the eight attributes in fixed units', () => {
    const r = normalizeMeterValue(
      aMeterValue([
        aSampledValue({ measurand: 'Current.Import', unit: 'A', value: '120.5' }),
        aSampledValue({ measurand: 'Energy.Active.Import.Register', unit: 'Wh', value: '2087600' }),
        aSampledValue({ measurand: 'Power.Active.Import', unit: 'W', value: '48200' }),
        aSampledValue({ measurand: 'SoC', unit: 'Percent', value: '45' }),
        aSampledValue({ measurand: 'Voltage', unit: 'V', value: '400.2' }),
        aSampledValue({ measurand: 'Current.Offered', unit: 'A', value: '125' }),
        aSampledValue({ measurand: 'Power.Offered', unit: 'W', value: '50000' }),
        aSampledValue({ measurand: 'Temperature', unit: 'Celsius', value: '35.5' }),
      ]),
    );
    expect(r.values).toEqual({ current: 120.5, energy: 2087600, power: 48200, soc: 45, voltage: 400.2, currentOffered: 125, powerOffered: 50000, temperature: 35.5 });
    expect(r.warnings).toEqual([]);
  });
});

it('does not mutate its input', () => {
  const mv = aMeterValue([aSampledValue({ measurand: 'Power.Active.Import', unit: 'kW', value: '7' })]);
  const copy = structuredClone(mv);
  normalizeMeterValue(mv);
  expect(mv).toEqual(copy);
});

describe('keys follow the attrs grammar (contracts/attrs.ts)', () => {
  it("every key parses back to its measurand's attribute, phase and location", () => {
    const r = normalizeMeterValue(
      aMeterValue([
        aSampledValue({ measurand: 'Current.Import', phase: 'L1', value: '10' }),
        aSampledValue({ measurand: 'Temperature', location: 'Body', value: '35' }),
        aSampledValue({ measurand: 'Voltage', phase: 'L1-N', location: 'Inlet', value: '230' }),
        aSampledValue({ measurand: 'Energy.Active.Import.Register', format: 'SignedData', phase: 'L2', location: 'Cable', value: 'opaque' }),
      ]),
    );
    expect(Object.fromEntries(Object.keys(r.values).map((k) => [k, parseAttrKey(k)]))).toEqual({
      current_L1: { attr: 'current', phase: 'L1', signed: false },
      current: { attr: 'current', signed: false },
      temperature_Body: { attr: 'temperature', location: 'Body', signed: false },
      temperature: { attr: 'temperature', signed: false },
      'voltage_L1-N_Inlet': { attr: 'voltage', phase: 'L1-N', location: 'Inlet', signed: false },
      'voltage_L1-N': { attr: 'voltage', phase: 'L1-N', signed: false },
      voltage: { attr: 'voltage', signed: false },
      energy_L2_Cable_signed: { attr: 'energy', phase: 'L2', location: 'Cable', signed: true },
    });
  });
});
