/**
 * The charging profiles a simulated station holds (OCPP 2.0.1 K01 SetChargingProfile, K10
 * ClearChargingProfile, K09 GetChargingProfiles, K08 GetCompositeSchedule), reduced to what the
 * simulator needs: which profile is accepted, and the power limit in effect on an EVSE now. Pure
 * but for the clock passed in (charging-profiles.test.ts).
 *
 * The limit in effect on an EVSE: the transaction's TxProfile, else the TxDefaultProfile of the
 * EVSE, else the station-wide one (evseId 0), each the highest stackLevel; capped by the
 * ChargingStationMaxProfile; the period in effect counted from when the profile was set (for a
 * TxProfile, from the transaction's start, as a Relative profile would). Amperes become watts
 * at 230 V per phase (AC, 3 phases unless numberPhases says otherwise) or 400 V (DC).
 */
import type { ChargingProfile, ChargingSchedulePeriod } from './types.ts';

interface Held {
  evseId: number;
  profile: ChargingProfile;
  since: number;
}

export interface SetContext {
  /** Number of EVSEs (ids 1..evses). */
  evses: number;
  /** The transaction running on an EVSE, if any. */
  transactionOn(evseId: number): string | undefined;
  periodsPerSchedule: number;
  maxStackLevel: number;
}

export type ProfileCriteria = { chargingProfilePurpose?: string; stackLevel?: number; chargingProfileId?: number[]; chargingLimitSource?: string[] };

export class ChargingProfiles {
  private held: Held[] = [];
  private readonly ac: boolean;

  constructor(ac: boolean) {
    this.ac = ac;
  }

  get count(): number {
    return this.held.length;
  }

  /** K01: Accepted or Rejected; an accepted profile replaces the one with the same id, or with the same purpose, stackLevel and EVSE. */
  set(evseId: number, profile: ChargingProfile, c: SetContext, now: number): 'Accepted' | 'Rejected' {
    const purpose = profile.chargingProfilePurpose;
    if (evseId < 0 || evseId > c.evses) return 'Rejected';
    // ChargingStationExternalConstraints come from an external system (an EMS), not from the CSMS.
    if (purpose === 'ChargingStationExternalConstraints') return 'Rejected';
    // A ChargingStationMaxProfile limits the whole station: evseId 0.
    if (purpose === 'ChargingStationMaxProfile' && evseId !== 0) return 'Rejected';
    if (purpose === 'TxProfile') {
      // A TxProfile belongs to a transaction: never on evseId 0, only for the one running on that EVSE.
      if (evseId === 0 || !profile.transactionId || c.transactionOn(evseId) !== profile.transactionId) return 'Rejected';
    } else if (purpose !== 'TxDefaultProfile' && purpose !== 'ChargingStationMaxProfile') return 'Rejected';
    if (profile.stackLevel > c.maxStackLevel) return 'Rejected';
    if (profile.chargingSchedule.some((s) => s.chargingSchedulePeriod.length > c.periodsPerSchedule)) return 'Rejected';
    this.held = this.held.filter((h) => h.profile.id !== profile.id && !(h.evseId === evseId && h.profile.chargingProfilePurpose === purpose && h.profile.stackLevel === profile.stackLevel));
    this.held.push({ evseId, profile, since: now });
    return 'Accepted';
  }

  /** K10: by id, or by criteria (all given must match); true when something was removed. */
  clear(p: { chargingProfileId?: number; chargingProfileCriteria?: { evseId?: number; chargingProfilePurpose?: string; stackLevel?: number } }): boolean {
    const before = this.held.length;
    const c = p.chargingProfileCriteria;
    this.held = this.held.filter((h) => {
      if (p.chargingProfileId !== undefined) return h.profile.id !== p.chargingProfileId;
      if (!c) return false;
      const hit = (c.evseId === undefined || c.evseId === h.evseId) && (c.chargingProfilePurpose === undefined || c.chargingProfilePurpose === h.profile.chargingProfilePurpose) && (c.stackLevel === undefined || c.stackLevel === h.profile.stackLevel);
      return !hit;
    });
    return this.held.length < before;
  }

  /** TxProfiles end with their transaction. */
  endTransaction(transactionId: string): void {
    this.held = this.held.filter((h) => h.profile.transactionId !== transactionId || h.profile.chargingProfilePurpose !== 'TxProfile');
  }

  /** K09: the profiles matching, grouped by EVSE (one ReportChargingProfiles each). */
  find(evseId: number | undefined, criteria: ProfileCriteria): Map<number, ChargingProfile[]> {
    const out = new Map<number, ChargingProfile[]>();
    // Every profile here was set by the CSMS: charging limit source CSO.
    if (criteria.chargingLimitSource && !criteria.chargingLimitSource.includes('CSO')) return out;
    for (const h of this.held) {
      if (evseId !== undefined && h.evseId !== evseId) continue;
      if (criteria.chargingProfilePurpose !== undefined && h.profile.chargingProfilePurpose !== criteria.chargingProfilePurpose) continue;
      if (criteria.stackLevel !== undefined && h.profile.stackLevel !== criteria.stackLevel) continue;
      if (criteria.chargingProfileId && !criteria.chargingProfileId.includes(h.profile.id)) continue;
      out.set(h.evseId, [...(out.get(h.evseId) ?? []), h.profile]);
    }
    return out;
  }

  /** The power limit in effect on `evseId` now, W; null when no profile limits it. */
  limitW(evseId: number, transaction: { id: string; startedAt: number } | undefined, now: number): number | null {
    const top = (hs: Held[]) => hs.sort((a, b) => b.profile.stackLevel - a.profile.stackLevel)[0];
    const of = (purpose: string, evse: number) => this.held.filter((h) => h.evseId === evse && h.profile.chargingProfilePurpose === purpose);
    const tx = transaction ? top(of('TxProfile', evseId).filter((h) => h.profile.transactionId === transaction.id)) : undefined;
    const txLimit = tx ? this.periodW(tx, now, transaction!.startedAt) : undefined;
    const dflt = top(of('TxDefaultProfile', evseId)) ?? top(of('TxDefaultProfile', 0));
    const dfltLimit = txLimit === undefined && dflt ? this.periodW(dflt, now, dflt.since) : undefined;
    const max = top(of('ChargingStationMaxProfile', 0));
    const maxLimit = max ? this.periodW(max, now, max.since) : undefined;
    const limits = [txLimit ?? dfltLimit, maxLimit].filter((x): x is number => x !== undefined);
    return limits.length ? Math.min(...limits) : null;
  }

  /** Watts to the unit asked for (GetCompositeSchedule's chargingRateUnit). */
  fromW(watts: number, unit: 'W' | 'A'): number {
    return unit === 'W' ? watts : Math.round((watts / (this.ac ? 230 * 3 : 400)) * 10) / 10;
  }

  private periodW(h: Held, now: number, from: number): number | undefined {
    const schedule = h.profile.chargingSchedule[0];
    if (!schedule) return undefined;
    const elapsed = (now - from) / 1000;
    let current: ChargingSchedulePeriod | undefined;
    for (const p of schedule.chargingSchedulePeriod) if (p.startPeriod <= elapsed && (!current || p.startPeriod >= current.startPeriod)) current = p;
    if (current?.limit === undefined) return undefined;
    return schedule.chargingRateUnit === 'W' ? current.limit : current.limit * (this.ac ? 230 * (current.numberPhases ?? 3) : 400);
  }
}
