import { describe, expect, it } from 'vitest';
import { ChargingProfiles, type SetContext } from './charging-profiles.ts';
import type { ChargingProfile } from './types.ts';

const aProfile = (over: Partial<ChargingProfile> = {}, limit = 16, unit: 'A' | 'W' = 'A', periods = [{ startPeriod: 0, limit }]): ChargingProfile => ({
  id: 1,
  stackLevel: 0,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: [{ id: 1, chargingRateUnit: unit, chargingSchedulePeriod: periods }],
  ...over,
});
const ctx = (tx: Record<number, string> = {}): SetContext => ({ evses: 2, transactionOn: (id) => tx[id], periodsPerSchedule: 24, maxStackLevel: 8 });
const T0 = 1_000_000;

describe('charging profiles', () => {
  it.each([
    ['a TxDefaultProfile on an EVSE', 1, aProfile(), ctx(), 'Accepted'],
    ['a TxDefaultProfile for the station', 0, aProfile(), ctx(), 'Accepted'],
    ['on an EVSE that does not exist', 3, aProfile(), ctx(), 'Rejected'],
    ['ChargingStationExternalConstraints (not the CSMS\'s to set)', 0, aProfile({ chargingProfilePurpose: 'ChargingStationExternalConstraints' }), ctx(), 'Rejected'],
    ['a ChargingStationMaxProfile on an EVSE', 1, aProfile({ chargingProfilePurpose: 'ChargingStationMaxProfile' }), ctx(), 'Rejected'],
    ['a ChargingStationMaxProfile for the station', 0, aProfile({ chargingProfilePurpose: 'ChargingStationMaxProfile' }), ctx(), 'Accepted'],
    ['a TxProfile for the transaction running there', 1, aProfile({ chargingProfilePurpose: 'TxProfile', transactionId: 't1' }), ctx({ 1: 't1' }), 'Accepted'],
    ['a TxProfile without a transaction', 1, aProfile({ chargingProfilePurpose: 'TxProfile', transactionId: 't1' }), ctx(), 'Rejected'],
    ['a TxProfile on evseId 0', 0, aProfile({ chargingProfilePurpose: 'TxProfile', transactionId: 't1' }), ctx({ 1: 't1' }), 'Rejected'],
    ['above ProfileStackLevel', 1, aProfile({ stackLevel: 9 }), ctx(), 'Rejected'],
  ] as const)('K01: %s: %s', (_what, evseId, profile, c, status) => {
    expect(new ChargingProfiles(true).set(evseId, profile, c, T0)).toBe(status);
  });

  it('the limit in effect: TxProfile over TxDefaultProfile (EVSE over station), capped by ChargingStationMaxProfile; A to W at 230 V × phases', () => {
    const p = new ChargingProfiles(true);
    expect(p.limitW(1, undefined, T0)).toBeNull();
    p.set(0, aProfile({ id: 1 }, 16), ctx(), T0);
    expect(p.limitW(1, undefined, T0)).toBe(16 * 230 * 3);
    p.set(1, aProfile({ id: 2 }, 10), ctx(), T0);
    expect(p.limitW(1, undefined, T0)).toBe(10 * 230 * 3);
    expect(p.limitW(2, undefined, T0)).toBe(16 * 230 * 3);
    p.set(1, aProfile({ id: 3, chargingProfilePurpose: 'TxProfile', transactionId: 't1' }, 4000, 'W'), ctx({ 1: 't1' }), T0);
    expect(p.limitW(1, { id: 't1', startedAt: T0 }, T0)).toBe(4000);
    p.set(0, aProfile({ id: 4, chargingProfilePurpose: 'ChargingStationMaxProfile' }, 3000, 'W'), ctx(), T0);
    expect(p.limitW(1, { id: 't1', startedAt: T0 }, T0)).toBe(3000);
    p.endTransaction('t1');
    expect(p.count).toBe(3);
  });

  it('the period in effect counts from when the profile was set', () => {
    const p = new ChargingProfiles(false);
    p.set(1, aProfile({}, 0, 'W', [{ startPeriod: 0, limit: 50_000 }, { startPeriod: 60, limit: 20_000 }]), ctx(), T0);
    expect(p.limitW(1, undefined, T0 + 59_000)).toBe(50_000);
    expect(p.limitW(1, undefined, T0 + 61_000)).toBe(20_000);
    // DC in amperes: at 400 V.
    p.set(1, aProfile({ id: 2, stackLevel: 1 }, 100, 'A'), ctx(), T0);
    expect(p.limitW(1, undefined, T0)).toBe(40_000);
  });

  it('K10 clear by id or criteria; K09 find by criteria, grouped by EVSE', () => {
    const p = new ChargingProfiles(true);
    p.set(1, aProfile({ id: 1 }), ctx(), T0);
    p.set(2, aProfile({ id: 2 }), ctx(), T0);
    p.set(0, aProfile({ id: 3, chargingProfilePurpose: 'ChargingStationMaxProfile' }), ctx(), T0);
    expect([...p.find(undefined, { chargingProfilePurpose: 'TxDefaultProfile' }).keys()]).toEqual([1, 2]);
    expect(p.find(2, {}).get(2)!.map((x) => x.id)).toEqual([2]);
    expect(p.find(undefined, { chargingLimitSource: ['EMS'] }).size).toBe(0);
    expect(p.clear({ chargingProfileId: 9 })).toBe(false);
    expect(p.clear({ chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile', evseId: 2 } })).toBe(true);
    expect(p.clear({ chargingProfileId: 1 })).toBe(true);
    expect(p.count).toBe(1);
    expect(p.fromW(6900, 'A')).toBe(10);
  });
});
