/**
 * The state of one EVSE of a simulated 2.0.1 / 2.1 station (one connector each, connectorId 1):
 * availability, the transaction running, a reservation, the meter, the 2.1 stream. Plain data
 * the station and its command handlers share.
 */
import type { SessionState } from '../profiles.ts';
import type { ConnectorStatus, IdToken } from './types.ts';

export interface Transaction {
  /** Made up by the station (a UUID): 2.0.1 transaction ids are the station's. */
  id: string;
  /** The seqNo of the next message of this transaction: 0 for Started, +1 per message. */
  seqNo: number;
  idToken: IdToken | null;
  remoteStartId?: number;
  reservationId?: number;
  session: SessionState;
  startedAt: number;
}

/** A 2.1 periodic event stream of the EVSE's power (streams.ts). */
export interface Stream {
  id: number;
  params: { interval: number; values: number };
  buffer: Array<{ at: number; v: string }>;
  lastSentAt: number;
}

export interface Evse {
  id: number;
  operative: boolean;
  /** ChangeAvailability during a transaction: applied when it ends (Scheduled). */
  scheduledOperative: boolean | null;
  tx: Transaction | null;
  /** Between accepting a start and the Started event. */
  starting: boolean;
  reservation: { id: number; idToken: IdToken; expiresAt: number } | null;
  energyWh: number;
  powerW: number;
  /** The power converter's temperature (DC), °C: the device model's AcDcConverter.Temperature. */
  temperatureC: number;
  lastStatus: ConnectorStatus | null;
  meterDueAt: number | null;
  meterTimer: NodeJS.Timeout | null;
  endsAt: number | null;
  endTimer: NodeJS.Timeout | null;
  stream: Stream | null;
}

export function newEvse(id: number, energyWh: number): Evse {
  return { id, operative: true, scheduledOperative: null, tx: null, starting: false, reservation: null, energyWh, powerW: 0, temperatureC: 25, lastStatus: null, meterDueAt: null, meterTimer: null, endsAt: null, endTimer: null, stream: null };
}

/** The connector's status (StatusNotification connectorStatus, the AvailabilityState variables). */
export function connectorStatus(e: Evse): ConnectorStatus {
  if (!e.operative) return 'Unavailable';
  if (e.tx || e.starting) return 'Occupied';
  if (e.reservation) return 'Reserved';
  return 'Available';
}

/** IdTokens compare case-insensitively (IdTokenType.idToken: "IdToken is case insensitive"), with their type. */
export function sameToken(a: IdToken, b: IdToken): boolean {
  return a.idToken.toLowerCase() === b.idToken.toLowerCase() && a.type === b.type;
}
