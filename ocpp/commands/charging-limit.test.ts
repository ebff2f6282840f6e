import { describe, expect, it } from 'vitest';
import { validateRequest } from '../validate.ts';
import { acceptedUnits, buildChargingProfile, chooseUnit, convert, currentTypeOf, phasesOf, profileIdFor, toChargingProfile201, UnitNotSupported, type Electrical } from './charging-limit.ts';
import { OCPP201 } from '../ocpp201/schemas.ts';
import { OCPP21 } from '../ocpp21/schemas.ts';

const AC: Electrical = { accepts: ['A'], current: 'AC', voltage: 230, phases: 3 };
const DC: Electrical = { accepts: ['W'], current: 'DC', voltage: 230, phases: 3 };
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
    [undefined, null],
    ['Ampere', null],
  ])('ChargingScheduleAllowedChargingRateUnit %s -> %o', (v, units) => expect(acceptedUnits(v)).toEqual(units));

  // The issue-16 case: 20 kW on a DC 50 kW charger must never become 29 A at 230 V × 3.
  it.each([
    // requested, accepts, current type, sent in (or refused)
    ['W', ['W'], 'DC', 'W'],
    ['W', ['A', 'W'], 'DC', 'W'],
    ['W', null, 'DC', 'W'],
    ['W', null, null, 'W'],
    ['A', null, 'AC', 'A'],
    ['W', ['A'], 'AC', 'A'],
    ['A', ['W'], 'AC', 'W'],
    ['A', ['W'], 'DC', 'W'],
    ['A', ['W'], null, 'W'],
    ['W', ['A'], 'DC', 'refused'],
    ['W', ['A'], null, 'refused'],
  ] as const)('%s limit, charger takes %o, %s: sent in %s', (req, accepts, current, out) => {
    const e = { accepts: accepts === null ? null : [...accepts], current };
    if (out === 'refused') expect(() => chooseUnit(req, e)).toThrow(UnitNotSupported);
    else expect(chooseUnit(req, e)).toBe(out);
  });

  it('a DC charger that takes only W gets the power as asked; a current cap is its AC supply current', () => {
    const p = buildChargingProfile({ connectorId: 1, limit: 20_000, unit: 'W' }, { ...DC, accepts: null }, NOW);
    expect(p.csChargingProfiles['chargingSchedule']).toEqual({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20_000 }] });
    const dcA = buildChargingProfile({ connectorId: 1, limit: 50, unit: 'A' }, { ...DC, accepts: ['A', 'W'] }, NOW);
    // In A on a DC charger: no numberPhases (AC phases mean nothing for the DC side).
    expect(dcA.csChargingProfiles['chargingSchedule']).toEqual({ chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 50 }] });
    expect(validateRequest('SetChargingProfile', dcA)).toEqual({ ok: true });
  });

  it.each([
    [{ currentType: 'DC' }, '1.RST', 'DC'],
    [{ currentType: 'AC', model: 'Terra 54' }, undefined, 'AC'],
    [{}, '0.RST,1.RTS', 'AC'],
    [{}, '1.NotApplicable', null],
    [{ model: 'Terra 54 CJG' }, undefined, 'DC'],
    [{ model: 'Terra AC W22-T-RD-M-0' }, undefined, null],
    [{ model: 'Hypercharger HYC150' }, undefined, 'DC'],
    [{ model: 'INCH DC 60' }, 'NotApplicable', 'DC'],
    [{ model: 'Alfen Eve Single' }, 'Unknown', null],
  ] as const)('current type of %o with rotation %s: %s', (attrs, rotation, out) => expect(currentTypeOf(attrs, rotation)).toBe(out));

  it.each([
    ['1.RST', 3],
    ['0.RST,1.NotApplicable', 3],
    ['1.NotApplicable', null],
    [undefined, null],
  ] as const)('phases of rotation %s: %s', (rotation, out) => expect(phasesOf(rotation)).toBe(out));

  it('refuses a malformed time', () => {
    expect(() => buildChargingProfile({ connectorId: 1, limit: 1, unit: 'A', daily: { from: '18h', to: '20:00' } }, AC, NOW)).toThrow(RangeError);
  });
});

describe('charging limits as OCPP 2.0.1 SetChargingProfile (K01)', () => {
  it.each([
    ['now, on an EVSE', { connectorId: 1, limit: 32, unit: 'A' as const }],
    ['the whole station', { connectorId: 0, limit: 22000, unit: 'W' as const }],
    ['daily in a window', { connectorId: 2, limit: 11000, unit: 'W' as const, daily: { from: '22:00', to: '06:00' } }],
  ])('%s: valid per the 2.0.1 and 2.1 schemas', (_name, req) => {
    const p = toChargingProfile201(buildChargingProfile(req, AC, NOW));
    expect(OCPP201.validateRequest('SetChargingProfile', p)).toEqual({ ok: true });
    expect(OCPP21.validateRequest('SetChargingProfile', p)).toEqual({ ok: true });
    const profile = p['chargingProfile'] as Record<string, unknown>;
    expect(p['evseId']).toBe(req.connectorId);
    expect(profile['id']).toBe(profileIdFor(req.connectorId));
    expect(profile['chargingProfilePurpose']).toBe(req.connectorId === 0 ? 'ChargingStationMaxProfile' : 'TxDefaultProfile');
    expect((profile['chargingSchedule'] as unknown[])[0]).toMatchObject({ id: profileIdFor(req.connectorId) });
  });
});
