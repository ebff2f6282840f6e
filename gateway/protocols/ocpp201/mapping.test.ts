/** The pure 2.x mappings: meter values into the normalizer's input, statuses, ID tokens. */
import { describe, expect, it } from 'vitest';
import { normalizeMeterValues } from '../../meter-values/normalize.ts';
import { idTokenInfo } from './id-tokens.ts';
import { toMeterValuesIn } from './meter-values.ts';
import { legacyStatus, occupiedStatus } from './status.ts';

const T = '2026-12-01T10:00:00.000Z';

describe('2.x meterValue -> normalizer input', () => {
  it('applies the multiplier and the unit, defaults like 1.6 (Wh)', () => {
    const [s] = normalizeMeterValues(
      toMeterValuesIn([
        {
          timestamp: T,
          sampledValue: [
            { value: 12.345, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh', multiplier: 3 } },
            { value: 7.4, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'kW' } },
            { value: 16, measurand: 'Current.Import', phase: 'L1' },
            { value: 500, measurand: 'Energy.Active.Export.Register' },
          ],
        },
      ]),
    );
    expect(s!.values).toMatchObject({ energy: 12345, power: 7400, current_L1: 16, energyExport: 500 });
    expect(s!.warnings).toEqual([]);
  });

  it('a negative multiplier scales down without float noise', () => {
    const [mv] = toMeterValuesIn([{ timestamp: T, sampledValue: [{ value: 12345, measurand: 'Voltage', unitOfMeasure: { unit: 'V', multiplier: -2 } }] }]);
    expect(mv!.sampledValue[0]!.value).toBe('123.45');
  });

  it('a signed meter value is kept as text beside the number', () => {
    const [s] = normalizeMeterValues(toMeterValuesIn([{ timestamp: T, sampledValue: [{ value: 1, measurand: 'Energy.Active.Import.Register', signedMeterValue: { signedMeterData: 'OCMF|{}' } }] }]));
    expect(s!.values).toEqual({ energy: 1, energy_signed: 'OCMF|{}' });
  });
});

describe('2.x connector states in the 1.6 vocabulary', () => {
  it.each([
    ['Available', null, false, 'Available'],
    ['Faulted', 'Charging', true, 'Faulted'],
    ['Reserved', null, false, 'Reserved'],
    ['Unavailable', null, false, 'Unavailable'],
    ['Occupied', null, false, 'Preparing'],
    ['Occupied', 'EVConnected', true, 'Preparing'],
    ['Occupied', 'Charging', true, 'Charging'],
    ['Occupied', 'SuspendedEV', true, 'SuspendedEV'],
    ['Occupied', 'SuspendedEVSE', true, 'SuspendedEVSE'],
    ['Occupied', 'EVConnected', false, 'Finishing'],
    ['Occupied', 'Idle', false, 'Finishing'],
  ] as const)('%s with chargingState %s (session open: %s) is %s', (status, charging, open, expected) => {
    expect(legacyStatus(status, charging, open)).toBe(expected);
  });
  it('an occupied connector without a known state is Preparing', () => expect(occupiedStatus(undefined, false)).toBe('Preparing'));
});

describe('ID tags as IdTokenInfo', () => {
  it('maps expiry and parent', () => {
    expect(idTokenInfo({ status: 'Accepted', expiryDate: T, parentIdTag: 'FLEET' })).toEqual({ status: 'Accepted', cacheExpiryDateTime: T, groupIdToken: { idToken: 'FLEET', type: 'Central' } });
    expect(idTokenInfo({ status: 'Blocked' })).toEqual({ status: 'Blocked' });
  });
});
