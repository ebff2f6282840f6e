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

export type CurrentType = 'AC' | 'DC';

export interface Electrical {
  /**
   * Units the charger accepts (ChargingScheduleAllowedChargingRateUnit: "Current", "Power"), or
   * null when it did not say.
   */
  accepts: RateUnit[] | null;
  /** What the charger delivers to the vehicle; null when unknown. */
  current: CurrentType | null;
  /** The AC supply: nominal phase voltage and phases (P = U × I × phases). */
  voltage: number;
  phases: number;
}

/** A limit the charger cannot take in any unit we may convert it to (HTTP 422 UNIT_NOT_SUPPORTED). */
export class UnitNotSupported extends Error {
  readonly code = 'UNIT_NOT_SUPPORTED';
}

/**
 * The unit a limit is sent in, and whether it is converted (1.6 §7.12 ChargingRateUnitType: W is
 * the total power, per phase current = P / (set line voltage × numberPhases) for AC; A is per
 * phase, "more convenient for AC", W "for DC"). Why DC is different: a DC charger
 * reads a schedule in A as the DC current to the battery, whose voltage it does not tell us
 * (200–920 V), so W → A with the AC formula is wrong (20 kW became 29 A; at 400 V DC that is
 * 11.6 kW). The other way is sound: a current cap on a DC charger is what it may draw from its
 * AC supply (the field notes' generator: 32 A per phase), and P = U × I × phases of the supply
 * says how much power that is.
 */
export function chooseUnit(req: RateUnit, e: Pick<Electrical, 'accepts' | 'current'>): RateUnit {
  // Not reported: sent as asked, never converted on a guess; the charger answers Rejected if it
  // cannot take it. (A DC charger that did not say almost always takes W.)
  if (e.accepts === null || e.accepts.includes(req)) return req;
  const other = e.accepts[0]!;
  if (other === 'W') return 'W'; // A → W: supply-side, valid for AC and DC
  // W → A: only on a charger known to be AC.
  if (e.current !== 'AC') {
    throw new UnitNotSupported(
      e.current === 'DC'
        ? 'this DC charger takes limits in A only, which it reads as DC current: give the limit in A'
        : 'this charger takes limits in A only and its current type is unknown: give the limit in A, or set the device attribute currentType to AC to have watts converted',
    );
  }
  return 'A';
}

/**
 * AC or DC, from what the charger told: the device attribute `currentType` (set by an operator)
 * wins; then ConnectorPhaseRotation (OCPP 1.6 §9.1.7: a rotation such as RST is three-phase AC;
 * NotApplicable is "Single phase or DC", which says nothing); then the model name reported in
 * BootNotification, for DC families whose names say so. Null when nothing tells.
 */
export function currentTypeOf(attrs: Readonly<Record<string, unknown>>, phaseRotation?: string): CurrentType | null {
  const set = attrs['currentType'];
  if (set === 'AC' || set === 'DC') return set;
  if (phaseRotation && /(^|[,.])(RST|RTS|SRT|STR|TRS|TSR)\b/.test(phaseRotation)) return 'AC';
  const model = typeof attrs['model'] === 'string' ? attrs['model'] : '';
  if (/\bDC\b|\bterra\s*(5[0-9]|9[0-9]|1[0-9]{2}|HP|360)\b|hypercharger|\bkempower\b|\btritium\b|\bRTM\b|\bPKM\b/i.test(model)) return 'DC';
  return null;
}

/** Phases of a three-phase rotation (1.6 §9.1.7), for a charger whose `phases` attribute is not set. */
export function phasesOf(phaseRotation: string | undefined): number | null {
  return phaseRotation && /(^|[,.])(RST|RTS|SRT|STR|TRS|TSR)\b/.test(phaseRotation) ? 3 : null;
}

/** Our limits use one profile id per connector, so a new limit replaces the previous (§5.16). */
export const profileIdFor = (connectorId: number) => 9000 + connectorId;

/**
 * Parses ChargingScheduleAllowedChargingRateUnit (OCPP 1.6 §9.4.2): "Current", "Power",
 * "Current,Power"; null when absent or holding neither.
 */
export function acceptedUnits(configValue: string | undefined): RateUnit[] | null {
  const parts = (configValue ?? '').split(',').map((s) => s.trim().toLowerCase());
  const units: RateUnit[] = [];
  if (parts.includes('current')) units.push('A');
  if (parts.includes('power')) units.push('W');
  return units.length ? units : null;
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
  const unit = chooseUnit(req.unit, e);
  const limit = convert(req.limit, req.unit, unit, e);
  const period: Record<string, number> = { startPeriod: 0, limit };
  // numberPhases is the AC phases used (1.6 §7.14 ChargingSchedulePeriod); meaningless for DC.
  if (unit === 'A' && e.current !== 'DC') period['numberPhases'] = e.phases;
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

/**
 * The same limit as OCPP 2.0.1 SetChargingProfileRequest (K01; 2.1 the same): `evseId` for
 * `connectorId` (the shadow's connector is the EVSE, docs/mqtt.md), one ChargingProfileType with
 * `id` for chargingProfileId, ChargingStationMaxProfile for 1.6's ChargePointMaxProfile, and the
 * schedule as a one-element list whose `id` is the profile's (the schema requires one). Pure.
 */
export function toChargingProfile201(p: ReturnType<typeof buildChargingProfile>): Record<string, unknown> {
  const { chargingProfileId, chargingProfilePurpose, chargingSchedule, ...rest } = p.csChargingProfiles as Record<string, unknown> & { chargingProfileId: number; chargingSchedule: Record<string, unknown> };
  return {
    evseId: p.connectorId,
    chargingProfile: {
      ...rest,
      id: chargingProfileId,
      chargingProfilePurpose: chargingProfilePurpose === 'ChargePointMaxProfile' ? 'ChargingStationMaxProfile' : chargingProfilePurpose,
      chargingSchedule: [{ id: chargingProfileId, ...chargingSchedule }],
    },
  };
}
