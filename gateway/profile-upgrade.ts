/**
 * The last step of a security profile upgrade (device-registry/routes/security-profile.ts;
 * OCPP 1.6 security whitepaper use case A05, steps 5-6; OCPP 2.0.1 A05, TC_A_19_CS step 7): the
 * charger, told to use a higher profile, connects with it. This connection meets the new profile
 * (checkSecurityProfile, the same rules as the handshake), so the device's `securityProfile` is
 * raised: from now on a connection below it is refused (A05.FR.09).
 *
 * Called by the handshake once a connection met the device's current profile: for a profile-3
 * target before the password check (a charger on profile 3 sends none, A00.FR.401: its
 * certificate authenticates it), for a profile-2 target after it (the same password over TLS).
 * Only a TLS connection of a device below profile 3 can complete one, so plain ws handshakes
 * never read the store for it.
 */
import type { Logger } from '../common/logger.ts';
import type { Device } from '../contracts/registry.ts';
import { effectiveUpgradeStatus, OPEN_UPGRADE_STATUSES, type SecurityProfileUpgrade } from '../contracts/security-profile-upgrade.ts';
import type { ClientCertificate } from './client-certificate.ts';
import { checkSecurityProfile } from './security-profile.ts';
import type { GatewayStore } from './store-port.ts';

export interface UpgradeCheck {
  device: Device;
  identity: string;
  secure: boolean;
  clientCertificate: ClientCertificate | null;
  /** The connection's password was checked and matched (a profile-2 target needs it). */
  passwordProved: boolean;
  organization?: string | undefined;
}

/** Whether a verified client certificate is revoked in the register of issued certificates. */
export async function isRevoked(store: Pick<GatewayStore, 'findCertificateByFingerprint'>, cert: ClientCertificate | null | undefined): Promise<boolean> {
  if (!cert?.verified) return false;
  return (await store.findCertificateByFingerprint(cert.fingerprint256))?.status === 'revoked';
}

/** The device's upgrade still open (not past its deadline) that a connection like this one could complete; null otherwise. */
export async function openUpgrade(device: Device, secure: boolean, store: GatewayStore): Promise<SecurityProfileUpgrade | null> {
  if (!secure || device.securityProfile >= 3) return null;
  const u = await store.getSecurityProfileUpgrade(device.id);
  return u && OPEN_UPGRADE_STATUSES.includes(effectiveUpgradeStatus(u)) && u.toProfile > device.securityProfile ? u : null;
}

/** The device as raised and the upgrade as completed; null when this connection does not meet `u`'s profile. */
export async function completeProfileUpgrade(c: UpgradeCheck, u: SecurityProfileUpgrade, deps: { store: GatewayStore; log: Logger }): Promise<{ device: Device; upgrade: SecurityProfileUpgrade } | null> {
  const { store, log } = deps;
  const revoked = u.toProfile === 3 ? await isRevoked(store, c.clientCertificate) : false;
  const verdict = checkSecurityProfile({ profile: u.toProfile, identity: c.identity, secure: c.secure, clientCertificate: c.clientCertificate, hasPassword: c.device.passwordHash !== null, organization: c.organization, revoked });
  // Profile 2 is TLS and the password (A00.FR.301-303): this connection must have proved it.
  if (!verdict.ok || (verdict.checkPassword && !c.passwordProved)) return null;
  const clog = log.child({ chargePointId: c.identity, deviceId: c.device.id });
  try {
    // The profile first, then the record: a failure between the two leaves the safe side (raised).
    const raised = c.device.securityProfile < u.toProfile ? await store.updateDevice(c.device.id, { securityProfile: u.toProfile }) : c.device;
    const done = await store.finishSecurityProfileUpgrade(c.device.id, u.id, OPEN_UPGRADE_STATUSES, { status: 'completed', reason: null });
    clog.info({ fromProfile: u.fromProfile, toProfile: u.toProfile, upgradeId: u.id }, 'charger connected with its new security profile: upgrade complete');
    return { device: raised ?? c.device, upgrade: done ?? { ...u, status: 'completed' } };
  } catch (err) {
    // The connection is admitted at the profile it met before; the next connection tries again.
    clog.warn({ err, upgradeId: u.id }, 'could not store the raised security profile; tried again at the next connection');
    return null;
  }
}
