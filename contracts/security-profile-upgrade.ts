/**
 * A security profile upgrade driven by the gateway (OCPP 1.6 security whitepaper use case A05;
 * OCPP 2.0.1 A05, test case TC_A_19_CS): one per device, the latest one, kept in the registry
 * (migration 10) so that the gateway that sees the charger come back with the new profile raises
 * the device's `securityProfile`, whichever process sent the command.
 */
import type { SecurityProfile } from './registry.ts';

/**
 * - `sending`: stored before the command went out (a charger that answers and reconnects at
 *   once is already recognised), the charger has not answered yet;
 * - `awaitingReconnect`: the charger accepted; raised at its first connection that meets the
 *   new profile, before `deadline`;
 * - `completed`: it did, the device's profile is raised (whitepaper A05.FR.09 then holds);
 * - `refused`: the charger answered something else than Accepted (A05.FR.01-04), the profile stays;
 * - `failed`: the command could not be sent or got no answer, the profile stays;
 * - `timedOut`: accepted, but no connection with the new profile before `deadline` (the charger
 *   fell back, A05.FR.08), the profile stays.
 */
export type UpgradeStatus = 'sending' | 'awaitingReconnect' | 'completed' | 'refused' | 'failed' | 'timedOut';

export const OPEN_UPGRADE_STATUSES: readonly UpgradeStatus[] = ['sending', 'awaitingReconnect'];

export interface SecurityProfileUpgrade {
  /** Random, one per request: a later request replaces the row, and writes of an older one miss. */
  id: string;
  deviceId: string;
  fromProfile: SecurityProfile;
  toProfile: SecurityProfile;
  status: UpgradeStatus;
  /** The charger's answer that decided (`Rejected`, `RebootRequired`, ...), when it answered. */
  chargerStatus: string | null;
  /** A stable reason (`CHARGER_REJECTED`, `CHARGER_OFFLINE`, `NO_RECONNECT`, ...), or null. */
  reason: string | null;
  requestedAt: string;
  updatedAt: string;
  /** After this, an upgrade still open is `timedOut`: a reconnect no longer raises the profile. */
  deadline: string;
}

export type NewSecurityProfileUpgrade = Pick<SecurityProfileUpgrade, 'id' | 'deviceId' | 'fromProfile' | 'toProfile' | 'deadline'>;

export interface UpgradeOutcome {
  status: UpgradeStatus;
  chargerStatus?: string | null | undefined;
  reason?: string | null | undefined;
}

/** What the stores keep (device-registry/store/*-profile-upgrades.ts). */
export interface ProfileUpgradeStore {
  /** Stores a new upgrade for the device, replacing any earlier one; null when the device does not exist. */
  startSecurityProfileUpgrade(input: NewSecurityProfileUpgrade): Promise<SecurityProfileUpgrade | null>;
  /** The device's latest upgrade, as stored (an open one past its deadline is still open here). */
  getSecurityProfileUpgrade(deviceId: string): Promise<SecurityProfileUpgrade | null>;
  /**
   * Moves upgrade `id` to `outcome` if it is still the device's and its status is one of `from`;
   * null otherwise (a newer request replaced it, or it was finished meanwhile).
   */
  finishSecurityProfileUpgrade(deviceId: string, id: string, from: readonly UpgradeStatus[], outcome: UpgradeOutcome): Promise<SecurityProfileUpgrade | null>;
}

/** The status as seen now: an open upgrade past its deadline is `timedOut`. */
export function effectiveUpgradeStatus(u: Pick<SecurityProfileUpgrade, 'status' | 'deadline'>, now = Date.now()): UpgradeStatus {
  return OPEN_UPGRADE_STATUSES.includes(u.status) && Date.parse(u.deadline) <= now ? 'timedOut' : u.status;
}

/** The `securityProfileUpgrade` event of a step (contracts/payloads.ts), published on the device's `events` topic. */
export function upgradeEvent(u: SecurityProfileUpgrade, securityProfile: number, extra: { remoteAddress?: string | undefined } = {}) {
  return {
    type: 'securityProfileUpgrade' as const,
    upgradeId: u.id,
    status: effectiveUpgradeStatus(u),
    fromProfile: u.fromProfile,
    toProfile: u.toProfile,
    securityProfile,
    chargerStatus: u.chargerStatus,
    reason: u.reason,
    ...extra,
    ts: new Date().toISOString(),
  };
}
