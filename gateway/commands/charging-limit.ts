/**
 * The common case of smart charging as one call: cap a charger (connector 0) or a connector at
 * a current or power, now or every day in a time window (field notes: 32 A instead of 125 A
 * from 18h to 20h while a generator runs). Pure: builds the SetChargingProfile payload
 * (OCPP 1.6 §3.13, §5.16, §7.8 ChargingProfile) in the unit the charger accepts.
 */
export type RateUnit = 'A' | 'W';

export interface ChargingLimit {
  /** 0 = the whole charge point (ChargePointMaxProfile); > 0 = that connector (TxDefaultProfile). */
  connectorId: number;
  limit: number;
  unit: RateUnit;
  /** Daily window, local wall-clock times "HH:MM" at `utcOffsetMinutes`; absent = always. */
  daily?: { from: string; to: string } | undefined;
  utcOffsetMinutes?: number | undefined;
}

export interface Electrical {
  /** Units the charger accepts (ChargingScheduleAllowedChargingRateUnit: "Current", "Power"). */
  accepts: RateUnit[];
  voltage: number;
  phases: number;
}

/** Our limits use one profile id per connector, so a new limit replaces the previous (§5.16). */
export const profileIdFor = (connectorId: number) => 9000 + connectorId;

/** Parses ChargingScheduleAllowedChargingRateUnit (OCPP 1.6 §9.4): "Current", "Power", "Current,Power". */
export function acceptedUnits(configValue: string | undefined): RateUnit[] {
  const parts = (configValue ?? '').split(',').map((s) => s.trim().toLowerCase());
  const units: RateUnit[] = [];
  if (parts.includes('current')) units.push('A');
  if (parts.includes('power')) units.push('W');
  return units.length ? units : ['A'];
}

function minutes(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`time must be HH:MM, got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Converts between A and W with P = U × I × phases (AC); rounded to 0.1. */
export function convert(limit: number, from: RateUnit, to: RateUnit, e: Pick<Electrical, 'voltage' | 'phases'>): number {
  if (from === to) return limit;
  const perAmp = e.voltage * e.phases;
  return Math.round((from === 'A' ? limit * perAmp : limit / perAmp) * 10) / 10;
}

export function buildChargingProfile(req: ChargingLimit, e: Electrical, now: Date) {
  const unit: RateUnit = e.accepts.includes(req.unit) ? req.unit : e.accepts[0]!;
  const limit = convert(req.limit, req.unit, unit, e);
  const period: Record<string, number> = { startPeriod: 0, limit };
  if (unit === 'A') period['numberPhases'] = e.phases;
  const profile: Record<string, unknown> = {
    chargingProfileId: profileIdFor(req.connectorId),
    // Stack level 1 sits above a base profile at 0, which takes over outside the window.
    stackLevel: 1,
    chargingProfilePurpose: req.connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
  };
  if (!req.daily) {
    profile['chargingProfileKind'] = 'Absolute';
    profile['chargingSchedule'] = { chargingRateUnit: unit, chargingSchedulePeriod: [period] };
  } else {
    const from = minutes(req.daily.from);
    let to = minutes(req.daily.to);
    if (to <= from) to += 24 * 60; // a window over midnight
    // Recurring Daily (§7.8): the schedule starts at the window start and lasts the window; the
    // charger falls back to lower stack levels (no limit) for the rest of the day.
    const offset = req.utcOffsetMinutes ?? 0;
    const local = new Date(now.getTime() + offset * 60_000);
    const startUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + from * 60_000 - offset * 60_000;
    profile['chargingProfileKind'] = 'Recurring';
    profile['recurrencyKind'] = 'Daily';
    profile['chargingSchedule'] = {
      startSchedule: new Date(startUtc).toISOString(),
      duration: (to - from) * 60,
      chargingRateUnit: unit,
      chargingSchedulePeriod: [period],
    };
  }
  return { connectorId: req.connectorId, csChargingProfiles: profile };
}
