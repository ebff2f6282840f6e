/**
 * The commands of a security profile upgrade (use case A05), pure: built here, sent by
 * device-registry/routes/security-profile.ts.
 *
 * - OCPP 1.6 (security whitepaper edition 2, A05 scenario step 2): ChangeConfiguration of the
 *   key `SecurityProfile` to the new, higher value; the charger answers, disconnects and
 *   reconnects with it (A05.FR.05-07).
 * - OCPP 2.0.1 / 2.1 (A05; test case TC_A_19_CS, part 6): SetNetworkProfile with the new
 *   connection data in a configuration slot not in use, then SetVariables
 *   `OCPPCommCtrlr.NetworkConfigurationPriority` = "<new slot>,<the slots before>", then, when
 *   that answered RebootRequired (TC_A_19_CS step 5 note), Reset OnIdle. The current priority is
 *   read first (GetVariables) so the slots in use are kept behind the new one and not overwritten.
 */

export type UpgradeProfile = 2 | 3;

/** 1.6: ChangeConfiguration `SecurityProfile` (whitepaper A05 step 2). */
export function changeSecurityProfile(profile: UpgradeProfile) {
  return { action: 'ChangeConfiguration', payload: { key: 'SecurityProfile', value: String(profile) } };
}

const PRIORITY = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } };

/** 2.x: read the slots in use (TC_A_19_CS: "depending on which one is already in use"). */
export function getNetworkPriority() {
  return { action: 'GetVariables', payload: { getVariableData: [PRIORITY] } };
}

/** NetworkConfigurationPriority's value, a comma-separated list of slots (2.0.1 part 2 appendices, OCPPCommCtrlr); null when it is not one. */
export function parsePriority(value: unknown): number[] | null {
  if (typeof value !== 'string') return null;
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!parts.every((p) => /^\d{1,9}$/.test(p))) return null;
  return parts.map(Number);
}

/** The slot for the new profile: the one asked for, else the lowest from 1 not in use. */
export function chooseSlot(inUse: readonly number[], requested?: number | undefined): number {
  if (requested !== undefined) return requested;
  let s = 1;
  while (inUse.includes(s)) s += 1;
  return s;
}

export interface NetworkProfileInput {
  slot: number;
  profile: UpgradeProfile;
  /** The wss URL of the gateway's TLS listener, as the station must use it (connectionData.ocppCsmsUrl). */
  csmsUrl: string;
  protocol: 'ocpp2.0.1' | 'ocpp2.1';
  messageTimeout: number;
  ocppInterface: string;
}

/** 2.x: SetNetworkProfile (TC_A_19_CS step 1). */
export function setNetworkProfile(i: NetworkProfileInput) {
  return {
    action: 'SetNetworkProfile',
    payload: {
      configurationSlot: i.slot,
      connectionData: {
        ocppVersion: i.protocol === 'ocpp2.1' ? 'OCPP21' : 'OCPP20',
        ocppTransport: 'JSON',
        ocppCsmsUrl: i.csmsUrl,
        messageTimeout: i.messageTimeout,
        securityProfile: i.profile,
        ocppInterface: i.ocppInterface,
      },
    },
  };
}

/** 2.x: the new slot first, the others after it in their order (TC_A_19_CS step 3). */
export function setNetworkPriority(slot: number, inUse: readonly number[]) {
  const value = [slot, ...inUse.filter((s) => s !== slot)].join(',');
  return { action: 'SetVariables', payload: { setVariableData: [{ ...PRIORITY, attributeValue: value }] } };
}

/** 2.x: a reboot once idle, for a priority that answered RebootRequired (TC_A_19_CS step 5). */
export function resetOnIdle() {
  return { action: 'Reset', payload: { type: 'OnIdle' } };
}
