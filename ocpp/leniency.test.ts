import { describe, expect, it } from 'vitest';
import { checkRequest, repairRequest } from './leniency.ts';
import { hasSchema, validateRequest, validateResponse } from './validate.ts';

describe('strict validation gives the OCPP-J 1.6 error codes (errata §5)', () => {
  it.each([
    ['missing required', 'Authorize', {}, 'OccurrenceConstraintViolation'],
    ['wrong type', 'StatusNotification', { connectorId: '1', errorCode: 'NoError', status: 'Available' }, 'TypeConstraintViolation'],
    ['extra key', 'Heartbeat', { x: 1 }, 'PropertyConstraintViolation'],
    ['too long', 'Authorize', { idTag: 'X'.repeat(21) }, 'FormatViolation'],
    ['bad enum', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Dancing' }, 'PropertyConstraintViolation'],
  ])('%s -> %s', (_what, action, params, code) => {
    const r = validateRequest(action, params);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.rpcErrorCode).toBe(code);
  });

  it('valid payloads pass, and responses can be checked', () => {
    expect(validateRequest('Heartbeat', {})).toEqual({ ok: true });
    expect(validateResponse('Heartbeat', { currentTime: '2026-01-01T00:00:00Z' })).toEqual({ ok: true });
    expect(validateResponse('Heartbeat', {}).ok).toBe(false);
    expect(hasSchema('MeterValues')).toBe(true);
    expect(hasSchema('FlyToTheMoon')).toBe(false);
  });
});

describe('repairRequest fixes what chargers bend', () => {
  it('StartTransaction with numbers as strings, a zone-less time and an extra key', () => {
    const input = { connectorId: '1', idTag: 'NOA', meterStart: '2087100', timestamp: '2022-03-04T13:37:18.616', vendorExtra: 'x' };
    const frozen = structuredClone(input);
    const r = repairRequest('StartTransaction', input);
    expect(r.params).toEqual({ connectorId: 1, idTag: 'NOA', meterStart: 2087100, timestamp: '2022-03-04T13:37:18.616Z' });
    expect(r.deviations.map((d) => [d.path, d.kind])).toEqual([
      ['connectorId', 'numberAsString'],
      ['meterStart', 'numberAsString'],
      ['timestamp', 'timestampWithoutZone'],
      ['vendorExtra', 'extraKey'],
    ]);
    expect(input).toEqual(frozen);
  });

  it('StatusNotification with a lower-case enum and key case', () => {
    const r = repairRequest('StatusNotification', { ConnectorId: 1, errorCode: 'noerror', status: 'charging' });
    expect(r.params).toEqual({ connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    expect(r.deviations.map((d) => d.kind).sort()).toEqual(['enumCase', 'enumCase', 'keyCase']);
  });

  it('MeterValues from an AC wallbox: numbers as values, "null" unit, context case', () => {
    const r = repairRequest('MeterValues', {
      connectorId: 1,
      meterValue: [{ timestamp: '2022-03-04 13:40:00', sampledValue: [{ value: 230.1, measurand: 'Voltage', unit: 'null', context: 'sample.periodic' }] }],
    });
    expect(r.params).toEqual({ connectorId: 1, meterValue: [{ timestamp: '2022-03-04T13:40:00Z', sampledValue: [{ value: '230.1', measurand: 'Voltage', context: 'Sample.Periodic' }] }] });
    expect(r.deviations.map((d) => [d.path, d.kind])).toEqual([
      ['meterValue[0].timestamp', 'timestampWithoutZone'],
      ['meterValue[0].sampledValue[0].value', 'stringAsNumber'],
      ['meterValue[0].sampledValue[0].unit', 'nullString'],
      ['meterValue[0].sampledValue[0].context', 'enumCase'],
    ]);
  });

  it('BootNotification with a capitalised key', () => {
    const r = repairRequest('BootNotification', { ChargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    expect(r.params).toEqual({ chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
  });

  it('booleans as strings', () => {
    // No 1.6 request has a boolean field, so check through a response-like schema path: none.
    // The conversion itself is exercised through DataTransfer, whose data is a free string.
    expect(repairRequest('DataTransfer', { vendorId: 'X', data: true }).params).toEqual({ vendorId: 'X', data: 'true' });
  });
});

describe('checkRequest', () => {
  it('a valid payload passes untouched with no deviation', () => {
    const params = { connectorId: 1, errorCode: 'NoError', status: 'Available' };
    const r = checkRequest('StatusNotification', params, true);
    expect(r).toEqual({ ok: true, params, deviations: [] });
    if (r.ok) expect(r.params).toBe(params);
  });

  it('strict mode refuses what lenient mode repairs', () => {
    const params = { connectorId: '1', errorCode: 'NoError', status: 'Available' };
    const strict = checkRequest('StatusNotification', params, false);
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.error.rpcErrorCode).toBe('TypeConstraintViolation');
    const lenient = checkRequest('StatusNotification', params, true);
    expect(lenient.ok).toBe(true);
    expect(lenient.deviations).toHaveLength(1);
  });

  it('lenient mode still fails on what cannot be repaired, with the right code', () => {
    const r = checkRequest('StartTransaction', { connectorId: '1', idTag: 'NOA', timestamp: '2022-03-04T13:37:18Z' }, true);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.rpcErrorCode).toBe('OccurrenceConstraintViolation');
    expect(r.deviations.map((d) => d.kind)).toEqual(['numberAsString']);
  });
});

it('a malformed date-time is a PropertyConstraintViolation', () => {
  const r = validateRequest('Heartbeat', {});
  expect(r.ok).toBe(true);
  const bad = validateRequest('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: 'yesterday' });
  expect(bad.ok || bad.error.rpcErrorCode).toBe('PropertyConstraintViolation');
});

describe('lenient: out-of-enum and over-long values (issue 16)', () => {
  const mv = (...sampledValue: object[]) => ({ connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue }] });
  type Row = [string, string, unknown, unknown, string[]];
  it.each<Row>([
    [
      'errorCode "Error" -> OtherError, the original in vendorErrorCode (§7.6)',
      'StatusNotification',
      { connectorId: 1, errorCode: 'Error', status: 'Faulted' },
      { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: 'Error' },
      ['errorCode:enumFallback', 'vendorErrorCode:enumFallback'],
    ],
    [
      'errorCode out of enum with the charger\'s own vendorErrorCode: that one is kept',
      'StatusNotification',
      { connectorId: 1, errorCode: 'E42', status: 'Faulted', vendorErrorCode: 'X-17' },
      { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: 'X-17' },
      ['errorCode:enumFallback'],
    ],
    [
      'a numeric errorCode: OtherError, the number kept as a string',
      'StatusNotification',
      { connectorId: 1, errorCode: 42, status: 'Faulted' },
      { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: '42' },
      ['errorCode:stringAsNumber', 'errorCode:enumFallback', 'vendorErrorCode:enumFallback'],
    ],
    [
      'an over-long original is cut to vendorErrorCode\'s 50',
      'StatusNotification',
      { connectorId: 1, errorCode: 'E'.repeat(60), status: 'Faulted' },
      { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: 'E'.repeat(50) },
      ['errorCode:enumFallback', 'vendorErrorCode:enumFallback'],
    ],
    [
      'Frequency in Hz beside a power sample: both kept',
      'MeterValues',
      mv({ value: '50.0', measurand: 'Frequency', unit: 'Hz' }, { value: '7.4', measurand: 'Power.Active.Import', unit: 'KW' }),
      mv({ value: '50.0', measurand: 'Frequency', unit: 'Hz' }, { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' }),
      ['meterValue[0].sampledValue[0].unit:enumKeptRaw', 'meterValue[0].sampledValue[1].unit:enumCase'],
    ],
    [
      'a sample without a value is dropped, its neighbour kept',
      'MeterValues',
      mv({ measurand: 'Voltage' }, { value: '230', measurand: 'Voltage', phase: 'L1N' }),
      mv({ value: '230', measurand: 'Voltage', phase: 'L1-N' }),
      ['meterValue[0].sampledValue[1].phase:enumSynonym', 'meterValue[0].sampledValue[0]:sampleDropped'],
    ],
    [
      'StopTransaction reason out of enum -> Other (§7.36), transactionData like MeterValues',
      'StopTransaction',
      { transactionId: 1, meterStop: 10, timestamp: '2026-01-01T00:00:00Z', reason: 'Timeout', transactionData: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '1', context: 'transaction_end' }] }] },
      { transactionId: 1, meterStop: 10, timestamp: '2026-01-01T00:00:00Z', reason: 'Other', transactionData: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '1', context: 'Transaction.End' }] }] },
      ['reason:enumFallback', 'transactionData[0].sampledValue[0].context:enumSynonym'],
    ],
    [
      'a 42-character chargeBoxSerialNumber is cut to 25',
      'BootNotification',
      { chargePointVendor: 'ABB', chargePointModel: 'Terra 54', chargeBoxSerialNumber: 'S'.repeat(42) },
      { chargePointVendor: 'ABB', chargePointModel: 'Terra 54', chargeBoxSerialNumber: 'S'.repeat(25) },
      ['chargeBoxSerialNumber:tooLong'],
    ],
    [
      'a vendor name over 20 is descriptive: cut too',
      'BootNotification',
      { chargePointVendor: 'Schneider Electric Industries', chargePointModel: 'EVlink' },
      { chargePointVendor: 'Schneider Electric I', chargePointModel: 'EVlink' },
      ['chargePointVendor:tooLong'],
    ],
  ])('%s', (_what, action, params, repaired, deviations) => {
    const frozen = structuredClone(params);
    const r = checkRequest(action, params, true);
    expect(r).toMatchObject({ ok: true, params: repaired });
    expect(r.deviations.map((d) => `${d.path}:${d.kind}`)).toEqual(deviations);
    expect(params).toEqual(frozen);
    // Strict mode refuses every one of these.
    expect(checkRequest(action, params, false).ok).toBe(false);
  });

  it.each([
    ['a status nobody defined', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Dancing' }, 'PropertyConstraintViolation'],
    ['an idTag over 20: cut it would name another tag', 'Authorize', { idTag: 'X'.repeat(21) }, 'FormatViolation'],
    ['an over-long idTag in StartTransaction', 'StartTransaction', { connectorId: 1, idTag: 'X'.repeat(21), meterStart: 0, timestamp: '2026-01-01T00:00:00Z' }, 'FormatViolation'],
    ['a missing required field beside an out-of-enum one', 'StatusNotification', { connectorId: 1, errorCode: 'Error' }, 'OccurrenceConstraintViolation'],
    ['a meterValue whose every sample is unusable', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ measurand: 'Voltage' }] }] }, 'OccurrenceConstraintViolation'],
    ['a sampledValue value that is an object', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: {} }] }] }, 'TypeConstraintViolation'],
  ])('still refused: %s', (_what, action, params, code) => {
    const r = checkRequest(action, params, true);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.rpcErrorCode).toBe(code);
  });
});
