/**
 * Who may open an OCPP connection (interface.md "OCPP"): the charge point identity is the last
 * path segment; a known device with a password needs HTTP Basic with it (OCPP 1.6 security
 * whitepaper, security profile 1); an unknown identity is created when AUTO_PROVISION is on and
 * refused with 404 otherwise. Refusals happen before the WebSocket upgrade: never half-connected.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { HashingBusyError, verifySecret } from '../common/passwords.ts';
import { chargePointIdProblem } from '../common/charge-point-id.ts';
import { createLoginThrottle, type LoginThrottle } from '../common/login-throttle.ts';
import { StoreError, type Device } from '../contracts/registry.ts';
import type { GatewayStore } from './store-port.ts';
import type { ClientCertificate } from './client-certificate.ts';
import { checkSecurityProfile, type ProfileRefusal } from './security-profile.ts';
import { completeProfileUpgrade, isRevoked, openUpgrade } from './profile-upgrade.ts';
import type { SecurityProfileUpgrade } from '../contracts/security-profile-upgrade.ts';

export type HandshakeResult =
  | { ok: true; device: Device; protocol: string | false; upgraded?: SecurityProfileUpgrade | undefined }
  | { ok: false; status: 400 | 401 | 403 | 404 | 429 | 503; message: string; reason: RefusalReason; refused?: SecurityRefusal | undefined };

/**
 * Why a handshake was refused, a stable code for logs, /metrics and the refusal events
 * (docs/chargers.md "Refused connections"): these, or a SecurityRefusal's reason.
 */
export type RefusalReason =
  | 'NO_IDENTITY'
  | 'BAD_IDENTITY'
  | 'THROTTLED'
  | 'UNSUPPORTED_SUBPROTOCOL'
  | 'UNKNOWN_CHARGE_POINT'
  | 'BUSY'
  | (string & {});

/**
 * A known device refused for its security profile, or for a missing or wrong password: published
 * on its `events` topic by the gateway (`securityRefused`, `handshakeRefused`).
 */
export interface SecurityRefusal {
  device: Device;
  reason: ProfileRefusal | PasswordRefusal;
  remoteAddress: string;
  secure: boolean;
}

/** Why a known device's password check failed (its `handshakeRefused` event). */
export type PasswordRefusal = 'PASSWORD_MISSING' | 'PASSWORD_WRONG';


/** A profile-3 charger whose certificate ends within this many days is warned about at connect. */
export const CERT_EXPIRY_WARNING_DAYS = 30;

/**
 * scrypt costs ~50 ms of CPU by design; thousands of chargers reconnecting after an outage
 * (field notes: reconnection storms) would queue for minutes. A password that verified once
 * is remembered as SHA-256(stored hash, password), so a reconnect with the same password is a
 * hash and a constant-time compare; a changed password (new stored hash) misses and pays again.
 */
const verified = new Map<string, Buffer>();

function fingerprint(storedHash: string, password: Buffer): Buffer {
  return createHash('sha256').update(storedHash).update('\0').update(password).digest();
}

async function passwordOk(deviceId: string, storedHash: string, password: Buffer): Promise<boolean> {
  const fp = fingerprint(storedHash, password);
  const known = verified.get(deviceId);
  if (known && timingSafeEqual(known, fp)) return true;
  if (!(await verifySecret(password, storedHash))) return false;
  if (verified.size > 200_000) verified.clear();
  verified.set(deviceId, fp);
  return true;
}

/** The pending password proved in use: it becomes the password, the old one stops working. */
async function promotePending(store: GatewayStore, device: Device, log: Logger): Promise<Device> {
  try {
    const updated = await store.updateDevice(device.id, { passwordHash: device.pendingPasswordHash, pendingPasswordHash: null });
    log.info({ chargePointId: device.chargePointId, deviceId: device.id }, 'charger connected with its new password: rotation complete');
    return updated ?? device;
  } catch (err) {
    // The password is valid either way; the promotion is tried again at the next connection.
    log.warn({ err, chargePointId: device.chargePointId }, 'could not store the rotated password; both stay valid');
    return device;
  }
}

export interface HandshakeInput {
  identity: string;
  protocols: Set<string>;
  password: Buffer | undefined;
  remoteAddress?: string | undefined;
  /** The charger's leg was TLS; absent: plain ws. */
  secure?: boolean | undefined;
  clientCertificate?: ClientCertificate | null | undefined;
}

/** Failed charger authentications, per identity and per address (common/login-throttle.ts). */
export function createHandshakeThrottle(config: Config, log: Logger): LoginThrottle {
  return createLoginThrottle(
    { maxFailures: config.OCPP_AUTH_MAX_FAILURES, maxFailuresPerAddress: config.OCPP_AUTH_MAX_FAILURES_PER_ADDRESS, windowMs: config.OCPP_AUTH_WINDOW_MS, lockoutMs: config.OCPP_AUTH_LOCKOUT_MS },
    log.child({ component: 'handshake' }),
    Date.now,
    { what: 'charger authentication', isUser: (id) => chargePointIdProblem(id) === null },
  );
}

export async function admit(input: HandshakeInput, deps: { store: GatewayStore; config: Config; log: Logger; throttle?: LoginThrottle | undefined }): Promise<HandshakeResult> {
  const { store, config, log, throttle } = deps;
  const { identity } = input;
  const address = input.remoteAddress ?? '';
  if (!identity) return { ok: false, status: 404, message: 'No charge point identity in the URL', reason: 'NO_IDENTITY' };
  // Before anything is looked up or provisioned: an identity ends up in logs, events and exports.
  const bad = chargePointIdProblem(identity);
  if (bad) return { ok: false, status: 400, message: `Charge point identity ${bad}`, reason: 'BAD_IDENTITY' };
  // Someone guessing passwords (or a charger with a wrong one, retrying in a loop) is refused
  // without a lookup or a password check: scrypt is the expensive part of a handshake.
  const gate = throttle?.admit(identity, address);
  if (gate && !gate.allowed) return { ok: false, status: 429, message: `Too many failed authentications; retry in ${Math.ceil(gate.retryAfterMs / 1000)} s`, reason: 'THROTTLED' };
  // The charger's order is its preference (OCPP-J 2.0.1 part 4 §3.1.3: "ocpp2.0.1, ocpp1.6 ...
  // with a preference for the former"); the device's own choice comes first once it is known.
  const enabled: readonly string[] = config.OCPP_PROTOCOLS;
  const usable = [...input.protocols].filter((p) => enabled.includes(p));
  if (input.protocols.size > 0) {
    if (usable.length === 0) return { ok: false, status: 400, message: `Unsupported subprotocol; supported: ${enabled.join(', ')}`, reason: 'UNSUPPORTED_SUBPROTOCOL' };
  } else {
    // OCPP-J 1.6 §3.1.2 requires the header; some older firmwares omit it. Serve them as 1.6.
    log.warn({ chargePointId: identity }, 'no Sec-WebSocket-Protocol offered: serving as ocpp1.6');
  }

  let device = await store.getDeviceByChargePointId(identity);
  if (!device) {
    if (!config.AUTO_PROVISION) {
      // Probing identities counts against the address (not the identity: those are unbounded).
      throttle?.failed(undefined, address);
      return { ok: false, status: 404, message: 'Unknown charge point', reason: 'UNKNOWN_CHARGE_POINT' };
    }
    try {
      // A charger first seen with a client certificate bound to its identity is held to that
      // from then on (profile 3; whitepaper A05.FR.09: never a lower profile after a higher one
      // worked): a later plain ws connection under its identity is refused.
      const cert = input.clientCertificate;
      const bound = input.secure === true && cert?.verified === true && cert.commonName === identity;
      device = await store.createDevice({ tenant: config.DEFAULT_TENANT, chargePointId: identity, label: identity, securityProfile: bound ? 3 : 1 });
      log.info({ chargePointId: identity, deviceId: device.id, tenant: device.tenant, securityProfile: device.securityProfile }, 'auto-provisioned device');
    } catch (err) {
      // Two connections of a new charger racing: the other one created it.
      if (!(err instanceof StoreError && err.code === 'DUPLICATE')) throw err;
      device = await store.getDeviceByChargePointId(identity);
      if (!device) return { ok: false, status: 503, message: 'Registry busy, retry', reason: 'BUSY' };
    }
  }
  // The device's security profile, before its password (docs/security.md): a profile-2 device
  // over plain ws is refused without its password ever being checked (or sent again in clear).
  // Revocation (contracts/certificates.ts): looked up for a profile-3 device's certificate only;
  // a store that cannot answer fails the handshake (closed), it does not skip the check.
  const revoked = device.securityProfile === 3 ? await isRevoked(store, input.secure ? input.clientCertificate : null) : false;
  const verdict = checkSecurityProfile({
    profile: device.securityProfile,
    revoked,
    identity,
    secure: input.secure ?? false,
    clientCertificate: input.clientCertificate ?? null,
    hasPassword: device.passwordHash !== null,
    organization: config.OCPP_TLS_ORGANIZATION,
  });
  const cert = input.clientCertificate;
  if (!verdict.ok) {
    log.child({ chargePointId: identity }).warn(
      { remoteAddress: address, reason: verdict.reason, detail: verdict.detail, securityProfile: device.securityProfile, secure: input.secure ?? false, ...(cert ? { certificate: { cn: cert.commonName, serialNumber: cert.serialNumber, fingerprint256: cert.fingerprint256, via: cert.via } } : {}) },
      'charger refused: security profile not met',
    );
    throttle?.failed(identity, address);
    return { ok: false, status: verdict.status, message: verdict.message, reason: verdict.reason, refused: { device, reason: verdict.reason, remoteAddress: address, secure: input.secure ?? false } };
  }
  if (device.securityProfile === 3 && cert) {
    // Whitepaper A00.FR.406 and §2.6.4 (certificate renewal, A02/A03): a charger whose certificate runs out
    // is refused on the day; the operator hears of it a month before, at every connection.
    const daysLeft = Math.floor((Date.parse(cert.validTo) - Date.now()) / 86_400_000);
    if (daysLeft < CERT_EXPIRY_WARNING_DAYS) log.child({ chargePointId: identity }).warn({ validTo: cert.validTo, daysLeft, serialNumber: cert.serialNumber }, 'client certificate expires soon: renew it');
  }
  // A security profile upgrade waiting for this connection (whitepaper A05; profile-upgrade.ts).
  const pending = await openUpgrade(device, input.secure ?? false, store);
  const upgradeCheck = (d: Device, passwordProved: boolean) => ({ device: d, identity, secure: input.secure ?? false, clientCertificate: cert ?? null, passwordProved, organization: config.OCPP_TLS_ORGANIZATION });
  // To profile 3: the certificate alone authenticates (A00.FR.401), no password is checked.
  let upgrade = pending?.toProfile === 3 ? await completeProfileUpgrade(upgradeCheck(device, false), pending, { store, log }) : null;
  if (upgrade) {
    device = upgrade.device;
    throttle?.succeeded(identity, address);
  }
  if (!upgrade && verdict.checkPassword && device.passwordHash) {
    let ok: boolean;
    try {
      ok = input.password !== undefined && (await passwordOk(device.id, device.passwordHash, input.password));
      // A rotation in progress (whitepaper use case A01): the new password works as soon as it
      // was sent, and the first connection with it makes it the only one (A01.FR.03).
      if (!ok && input.password !== undefined && device.pendingPasswordHash && (await passwordOk(`${device.id}:pending`, device.pendingPasswordHash, input.password))) {
        ok = true;
        device = await promotePending(store, device, log);
      }
    } catch (err) {
      if (err instanceof HashingBusyError) return { ok: false, status: 503, message: 'Busy, retry', reason: 'BUSY' };
      throw err;
    }
    if (!ok) {
      // Logged once per identity and window by the throttle, with the address.
      if (throttle) throttle.failed(identity, address);
      else log.warn({ chargePointId: identity, remoteAddress: address }, 'charger authentication failed');
      // Bounded by the throttle: past its backoff and lockout, attempts are refused (429) before
      // the device is looked up, so they publish nothing.
      const reason: PasswordRefusal = input.password === undefined ? 'PASSWORD_MISSING' : 'PASSWORD_WRONG';
      return { ok: false, status: 401, message: 'Unauthorized', reason, refused: { device, reason, remoteAddress: address, secure: input.secure ?? false } };
    }
    throttle?.succeeded(identity, address);
    // To profile 2: TLS and this same password (A00.FR.301-303).
    if (pending?.toProfile === 2) upgrade = await completeProfileUpgrade(upgradeCheck(device, true), pending, { store, log });
    if (upgrade) device = upgrade.device;
  }
  const preferred = device.ocppProtocol;
  const protocol: string | false = usable.length === 0 ? false : preferred && usable.includes(preferred) ? preferred : usable[0]!;
  return { ok: true, device, protocol, ...(upgrade ? { upgraded: upgrade.upgrade } : {}) };
}
