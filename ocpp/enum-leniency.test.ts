import { describe, expect, it } from 'vitest';
import { codePoints, loose, repairEnum, truncate } from './enum-leniency.ts';
import { requestSchema, type JsonSchema } from './schemas.ts';

/** The enumeration of a request field, from the 1.6 schemas themselves. */
function enumOf(action: string, ...path: string[]): string[] {
  let s: JsonSchema | undefined = requestSchema(action);
  for (const p of path) s = p === '[]' ? s?.items : s?.properties?.[p];
  if (!s?.enum) throw new Error(`no enum at ${action} ${path.join('.')}`);
  return s.enum;
}
const sv = (field: string) => enumOf('MeterValues', 'meterValue', '[]', 'sampledValue', '[]', field);
const errorCodes = enumOf('StatusNotification', 'errorCode');
const statuses = enumOf('StatusNotification', 'status');
const reasons = enumOf('StopTransaction', 'reason');

describe('an out-of-enum value is mapped to the nearest defined one, kept raw, or left to fail', () => {
  it.each([
    // field, value, allowed, expected kind, expected value
    ['status', 'charging', statuses, 'enumCase', 'Charging'],
    ['errorCode', ' noerror ', errorCodes, 'enumCase', 'NoError'],
    ['errorCode', 'no_error', errorCodes, 'enumSynonym', 'NoError'],
    ['errorCode', 'EV Communication Error', errorCodes, 'enumSynonym', 'EVCommunicationError'],
    // §7.6 OtherError: "Other type of error. More information in vendorErrorCode."
    ['errorCode', 'Error', errorCodes, 'enumFallback', 'OtherError'],
    ['errorCode', 'E-042', errorCodes, 'enumFallback', 'OtherError'],
    // §7.36 Reason Other.
    ['reason', 'Timeout', reasons, 'enumFallback', 'Other'],
    ['reason', 'ev_disconnected', reasons, 'enumSynonym', 'EVDisconnected'],
    // §7.45 UnitOfMeasure spellings.
    ['unit', 'KW', sv('unit'), 'enumCase', 'kW'],
    ['unit', 'kVArh', sv('unit'), 'enumCase', 'kvarh'],
    ['unit', '%', sv('unit'), 'enumSynonym', 'Percent'],
    ['unit', '°C', sv('unit'), 'enumSynonym', 'Celsius'],
    ['unit', 'degF', sv('unit'), 'enumSynonym', 'Fahrenheit'],
    ['unit', 'Volts', sv('unit'), 'enumSynonym', 'V'],
    // No 1.6 unit for frequency: kept, the normalizer knows Hz.
    ['unit', 'Hz', sv('unit'), 'enumKeptRaw', 'Hz'],
    ['unit', 'furlongs', sv('unit'), 'enumKeptRaw', 'furlongs'],
    ['measurand', 'current.import', sv('measurand'), 'enumCase', 'Current.Import'],
    ['measurand', 'Energy_Active_Import_Register', sv('measurand'), 'enumSynonym', 'Energy.Active.Import.Register'],
    ['measurand', 'Power.Apparent', sv('measurand'), 'enumKeptRaw', 'Power.Apparent'],
    ['phase', 'L1N', sv('phase'), 'enumSynonym', 'L1-N'],
    ['phase', 'l2_l3', sv('phase'), 'enumSynonym', 'L2-L3'],
    ['phase', 'L4', sv('phase'), 'enumKeptRaw', 'L4'],
    ['context', 'sample periodic', sv('context'), 'enumSynonym', 'Sample.Periodic'],
    ['context', 'Sample.Hourly', sv('context'), 'enumKeptRaw', 'Sample.Hourly'],
    ['location', 'outlet', sv('location'), 'enumCase', 'Outlet'],
    ['location', 'Ambient', sv('location'), 'enumKeptRaw', 'Ambient'],
    ['format', 'signed_data', sv('format'), 'enumSynonym', 'SignedData'],
  ])('%s %j -> %s', (field, value, allowed, kind, expected) => {
    expect(repairEnum(field, value, allowed)).toEqual({ kind, value: expected });
  });

  it.each([
    ['status', 'Dancing', statuses],
    ['status', '', statuses],
    ['status', 'constructor', statuses],
    ['status', '__proto__', statuses],
  ])('%s %j: no defined value and no catch-all -> unusable', (field, value, allowed) => {
    expect(repairEnum(field, value, allowed)).toBeNull();
  });

  it('two defined values with one loose key match neither loosely (Celcius/Celsius stay exact)', () => {
    expect(repairEnum('status', 'ab', ['A-b', 'a_B'])).toBeNull();
    expect(repairEnum('unit', 'celsius', sv('unit'))).toEqual({ kind: 'enumCase', value: 'Celsius' });
  });
});

describe('strings over their maxLength', () => {
  it.each([
    ['ASCII', 'x'.repeat(42), 25, 'x'.repeat(25)],
    ['shorter than the limit', 'abc', 25, 'abc'],
    // JSON Schema counts code points: an emoji is one, and never cut in half.
    ['astral characters', '😀'.repeat(30), 25, '😀'.repeat(25)],
  ])('%s', (_what, value, max, expected) => {
    expect(truncate(value, max)).toBe(expected);
    expect(codePoints(truncate(value, max))).toBeLessThanOrEqual(max);
  });

  it('loose keys ignore case and separators', () => {
    expect(loose('L1-N')).toBe(loose('l1_n'));
    expect(loose('Sample.Periodic')).toBe('sampleperiodic');
  });
});
