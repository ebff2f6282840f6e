import { describe, expect, it } from 'vitest';
import { validateRequest } from '../ocpp/validate.ts';
import { acceptedUnits, buildChargingProfile, convert, profileIdFor } from './charging-limit.ts';

const AC = { accepts: ['A' as const], voltage: 230, phases: 3 };
const DC = { accepts: ['W' as const], voltage: 230, phases: 3 };
const NOW = new Date('2026-11-22T15:00:00Z');

describe('charging limits as SetChargingProfile', () => {
  it('caps a connector now, in amperes', () => {
    const p = buildChargingProfile({ connectorId: 1, limit: 32, unit: 'A' }, AC, NOW);
    expect(p).toEqual({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: profileIdFor(1),
        stackLevel: 1,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32, numberPhases: 3 }] },
      },
    });
    expect(validateRequest('SetChargingProfile', p)).toEqual({ ok: true });
  });

  it('a whole-charger cap uses ChargePointMaxProfile on connector 0', () => {
    const p = buildChargingProfile({ connectorId: 0, limit: 22000, unit: 'W' }, DC, NOW);
    expect(p.csChargingProfiles['chargingProfilePurpose']).toBe('ChargePointMaxProfile');
    expect(validateRequest('SetChargingProfile', p)).toEqual({ ok: true });
  });

  it('18:00 to 20:00 every day, 32 A, on a charger that only takes watts (the generator case)', () => {
    const p = buildChargingProfile({ connectorId: 1, limit: 32, unit: 'A', daily: { from: '18:00', to: '20:00' } }, DC, NOW);
    expect(p.csChargingProfiles).toMatchObject({
      chargingProfileKind: 'Recurring',
      recurrencyKind: 'Daily',
      chargingSchedule: { startSchedule: '2026-11-22T18:00:00.000Z', duration: 7200, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 22080 }] },
    });
    expect(validateRequest('SetChargingProfile', p)).toEqual({ ok: true });
  });

  it('local time windows and windows over midnight', () => {
    const p = buildChargingProfile({ connectorId: 2, limit: 16, unit: 'A', daily: { from: '22:00', to: '06:00' }, utcOffsetMinutes: 120 }, AC, NOW);
    expect(p.csChargingProfiles['chargingSchedule']).toMatchObject({ startSchedule: '2026-11-22T20:00:00.000Z', duration: 8 * 3600 });
  });

  it.each([
    [32, 'A', 'W', 22080],
    [11000, 'W', 'A', 15.9],
  ] as const)('converts %d %s to %s', (v, from, to, out) => expect(convert(v, from, to, { voltage: 230, phases: 3 })).toBe(out));

  it.each([
    ['Current', ['A']],
    ['Power', ['W']],
    ['Current,Power', ['A', 'W']],
    [undefined, ['A']],
  ])('ChargingScheduleAllowedChargingRateUnit %s -> %o', (v, units) => expect(acceptedUnits(v)).toEqual(units));

  it('refuses a malformed time', () => {
    expect(() => buildChargingProfile({ connectorId: 1, limit: 1, unit: 'A', daily: { from: '18h', to: '20:00' } }, AC, NOW)).toThrow(RangeError);
  });
});
