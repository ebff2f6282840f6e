/**
 * POST /devices/{id}/security-profile: raises a charger's OCPP security profile through the
 * charger itself (OCPP 1.6 security whitepaper edition 2, use case A05 "Upgrade Charge Point
 * Security Profile"; OCPP 2.0.1 A05, test cases TC_A_19_CS to TC_A_22_CS), in two phases as the
 * password rotation (password-rotation.ts):
 *
 * 1. the preconditions (A05 description: "The CPO ensures the prerequisite(s) ... are met
 *    before sending the command"): only up (A05 remark 8, A05.FR.01); for 2 a password
 *    (A05.FR.02) and a TLS listener; for 3 a TLS listener asking for client certificates
 *    (OCPP_TLS_CA_FILE). Then the upgrade is stored as `sending`, before anything is sent, so a
 *    charger that answers and reconnects at once is already recognised;
 * 2. the commands (ocpp/commands/security-profile.ts): 1.6 ChangeConfiguration `SecurityProfile`;
 *    2.x GetVariables / SetNetworkProfile / SetVariables NetworkConfigurationPriority / Reset.
 *    Accepted: `awaitingReconnect`; the gateway that sees the charger connect with the new
 *    profile raises the device (gateway/profile-upgrade.ts; A05.FR.07, A05.FR.09). Refused
 *    (A05.FR.01-04, TC_A_20-22): `refused`, the profile stays. Not sent: `failed`. Sent without
 *    an answer: still `awaitingReconnect` (the charger may have taken it), as a rotation stays
 *    pending. No connection with the new profile before the deadline (the charger fell back,
 *    A05.FR.08): `timedOut`, the profile stays.
 *
 * Every step is a `securityProfileUpgrade` event on the device's `events` topic, and
 * GET /devices/{id}/security-profile shows the latest upgrade.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { requireWrite } from '../../common/http/auth.ts';
import { MAX_TIMEOUT_MS, type CommandReply } from '../../contracts/commands.ts';
import type { Device } from '../../contracts/registry.ts';
import { effectiveUpgradeStatus, OPEN_UPGRADE_STATUSES, upgradeEvent, type SecurityProfileUpgrade, type UpgradeOutcome } from '../../contracts/security-profile-upgrade.ts';
import { changeSecurityProfile, chooseSlot, getNetworkPriority, parsePriority, resetOnIdle, setNetworkPriority, setNetworkProfile, type UpgradeProfile } from '../../ocpp/commands/security-profile.ts';
import { chargerProtocol } from '../charger-protocol.ts';
import type { CommandClient } from '../command-client.ts';
import { commandProblem } from '../http/command-problem.ts';
import type { RegistryStore } from '../store/types.ts';

/** How long an accepted upgrade waits for the charger to connect with the new profile, by default. */
export const DEFAULT_RECONNECT_SECONDS = 600;

const body = z
  .object({
    profile: z.union([z.literal(2), z.literal(3)]),
    /** Per command sent to the charger. */
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
    /** How long to wait for the charger to come back with the new profile. */
    reconnectSeconds: z.number().int().min(1).max(86_400).optional(),
    /** 2.x: connectionData.ocppCsmsUrl, the gateway's wss URL as the station reaches it (required for 2.x). */
    csmsUrl: z.string().regex(/^wss:\/\/[^\s]+$/, 'a wss:// URL').max(512).optional(),
    /** 2.x: the configuration slot to write; default the lowest from 1 not in NetworkConfigurationPriority. */
    configurationSlot: z.number().int().min(0).max(1_000).optional(),
    /** 2.x: connectionData.ocppInterface. */
    ocppInterface: z.enum(['Wired0', 'Wired1', 'Wired2', 'Wired3', 'Wireless0', 'Wireless1', 'Wireless2', 'Wireless3']).default('Wired0'),
    /** 2.x: connectionData.messageTimeout, seconds. */
    messageTimeout: z.number().int().min(1).max(3_600).default(30),
    /**
     * To 3: the charger holds a client certificate of OCPP_TLS_CA_FILE that this gateway did not
     * sign (installed by its manufacturer or installer, whitepaper §2.6.4), so the register of
     * issued certificates cannot show it.
     */
    certificateInstalled: z.boolean().optional(),
  })
  .strict();

const upgradeView = z.object({
  id: z.string(),
  status: z.enum(['sending', 'awaitingReconnect', 'completed', 'refused', 'failed', 'timedOut']),
  fromProfile: z.number(),
  toProfile: z.number(),
  chargerStatus: z.string().nullable(),
  reason: z.string().nullable(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  deadline: z.string(),
});
const view = z.object({ securityProfile: z.number(), upgrade: upgradeView.nullable() });

const params = z.object({ id: z.string() });

export interface SecurityProfileDeps {
  store: RegistryStore;
  commands: CommandClient;
  config: Pick<Config, 'OCPP_TLS_CERT_FILE' | 'OCPP_TLS_CA_FILE' | 'TRUSTED_PROXIES'>;
  /** Publishes an event on the device's `events` topic. */
  event(device: Device, payload: object): void;
}

type Step = { outcome: UpgradeOutcome; problem?: AppError | undefined };

export function securityProfileRoutes(deps: SecurityProfileDeps) {
  const { store } = deps;
  const timers = new Set<NodeJS.Timeout>();

  const show = (device: Device, u: SecurityProfileUpgrade | null) => ({ securityProfile: device.securityProfile, upgrade: u ? { ...strip(u), status: effectiveUpgradeStatus(u) } : null });

  /** Records the outcome of upgrade `u` if it is still open and publishes it; the stored row either way. */
  async function finish(device: Device, u: SecurityProfileUpgrade, outcome: UpgradeOutcome): Promise<SecurityProfileUpgrade> {
    const done = await store.finishSecurityProfileUpgrade(device.id, u.id, OPEN_UPGRADE_STATUSES, outcome);
    if (done) deps.event(device, upgradeEvent(done, device.securityProfile));
    return done ?? (await store.getSecurityProfileUpgrade(device.id)) ?? u;
  }

  /** An open upgrade past its deadline is recorded (and published) as timed out: at the deadline, or when next read after a restart. */
  async function settle(device: Device, u: SecurityProfileUpgrade | null): Promise<SecurityProfileUpgrade | null> {
    if (!u || effectiveUpgradeStatus(u) !== 'timedOut' || u.status === 'timedOut') return u;
    const d = (await store.getDevice(device.id)) ?? device;
    return finish(d, u, { status: 'timedOut', reason: 'NO_RECONNECT' });
  }

  return async function register(app: FastifyInstance) {
    app.addHook('onClose', async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    });
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/devices/:id/security-profile', { schema: { tags: ['devices'], params, response: { 200: view } } }, async (req) => {
      const device = await store.getDevice(req.params.id);
      if (!device || device.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
      const u = await settle(device, await store.getSecurityProfileUpgrade(device.id));
      return show((await store.getDevice(device.id)) ?? device, u);
    });

    r.post('/devices/:id/security-profile', { schema: { tags: ['devices'], params, body, response: { 202: view } } }, async (req, reply) => {
      requireWrite(req.caller);
      const device = await store.getDevice(req.params.id);
      if (!device || device.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
      const to = req.body.profile;
      const protocol = await chargerProtocol(store, device);
      const v2 = protocol === 'ocpp2.0.1' || protocol === 'ocpp2.1';
      precondition(device, to, v2, req.body.csmsUrl, deps.config);
      // A05.FR.04 (1.6) / TC_A_21_CS (2.0.1): profile 3 needs a valid charger certificate. The
      // register knows the ones signed here; one installed otherwise the operator vouches for.
      if (to === 3 && req.body.certificateInstalled !== true) {
        const now = Date.now();
        const usable = (await store.listCertificates(device.id)).some((c) => c.status === 'installed' && Date.parse(c.notBefore) <= now && Date.parse(c.notAfter) > now);
        if (!usable) throw new AppError('CONFLICT', 'no valid certificate signed by this gateway is installed on the charger (GET /devices/{id}/certificates): have it renewed first, or say "certificateInstalled": true for one installed otherwise', [], { reason: 'CLIENT_CERT_NOT_KNOWN' });
      }
      const open = await settle(device, await store.getSecurityProfileUpgrade(device.id));
      if (open && OPEN_UPGRADE_STATUSES.includes(open.status)) throw new AppError('CONFLICT', `an upgrade to profile ${open.toProfile} is in progress (${open.status}) until ${open.deadline}`, [], { reason: 'UPGRADE_IN_PROGRESS' });

      const deadline = new Date(Date.now() + (req.body.reconnectSeconds ?? DEFAULT_RECONNECT_SECONDS) * 1000).toISOString();
      const u = await store.startSecurityProfileUpgrade({ id: randomUUID(), deviceId: device.id, fromProfile: device.securityProfile, toProfile: to, deadline });
      if (!u) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
      const send = (cmd: { action: string; payload: unknown }) => deps.commands.send(device.tenant, device.id, { ...cmd, timeoutMs: req.body.timeoutMs });
      const step = v2
        ? await upgrade2x(send, { to, protocol, csmsUrl: req.body.csmsUrl!, slot: req.body.configurationSlot, ocppInterface: req.body.ocppInterface, messageTimeout: req.body.messageTimeout })
        : await upgrade16(send, to);
      const done = await finish(device, u, step.outcome);
      if (step.problem) throw step.problem;
      if (OPEN_UPGRADE_STATUSES.includes(done.status)) {
        const t = setTimeout(() => {
          timers.delete(t);
          store
            .getSecurityProfileUpgrade(device.id)
            .then((cur) => settle(device, cur))
            .catch((err: unknown) => req.log.warn({ err, deviceId: device.id }, 'could not record a timed-out security profile upgrade'));
        }, Math.max(0, Date.parse(done.deadline) - Date.now()) + 50);
        t.unref();
        timers.add(t);
      }
      reply.status(202).header('location', `/devices/${encodeURIComponent(device.id)}/security-profile`);
      return show((await store.getDevice(device.id)) ?? device, done);
    });
  };
}

function strip(u: SecurityProfileUpgrade) {
  const { deviceId: _deviceId, ...rest } = u;
  return rest;
}

/** The A05 preconditions the gateway can check (docs/security.md "Upgrading a charger's profile"). */
function precondition(device: Device, to: UpgradeProfile, v2: boolean, csmsUrl: string | undefined, config: SecurityProfileDeps['config']): void {
  const refuse = (reason: string, message: string) => new AppError('CONFLICT', message, [], { reason });
  // A05 remark 8: "it is not allowed to change to a lower Security Profile over OCPP"; A05.FR.01: nor to the same.
  if (to <= device.securityProfile) throw refuse('PROFILE_NOT_HIGHER', `the device is on profile ${device.securityProfile}: only a higher profile can be asked for (A05.FR.01)`);
  // A05.FR.02: profile 2 keeps the Basic password (A00.FR.301-303).
  if (to === 2 && !device.passwordHash) throw refuse('PASSWORD_NOT_SET', 'profile 2 needs a password: set ocppPassword first (A05.FR.02)');
  // A TLS listener, or a TLS-terminating proxy in front of OCPP_PORT.
  if (!config.OCPP_TLS_CERT_FILE && !(config.TRUSTED_PROXIES && config.TRUSTED_PROXIES.length > 0)) throw refuse('TLS_NOT_CONFIGURED', 'no TLS listener: set OCPP_TLS_CERT_FILE (or TRUSTED_PROXIES for a TLS-terminating proxy)');
  // Profile 3: client certificates are asked for and checked against OCPP_TLS_CA_FILE (A00.FR.403).
  if (to === 3 && !config.OCPP_TLS_CA_FILE && !(config.TRUSTED_PROXIES && config.TRUSTED_PROXIES.length > 0)) throw refuse('CLIENT_CA_NOT_CONFIGURED', 'profile 3 needs OCPP_TLS_CA_FILE: the CA whose certificates the chargers present');
  if (v2 && !csmsUrl) throw new AppError('VALIDATION_FAILED', 'a 2.x station needs csmsUrl, the wss:// URL it is to connect to (SetNetworkProfile connectionData.ocppCsmsUrl)', [{ field: 'body.csmsUrl', message: 'required for an OCPP 2.x station' }]);
}

type Send = (cmd: { action: string; payload: unknown }) => Promise<CommandReply>;

const statusOf = (reply: CommandReply & { status: 'ok' }): string => String((reply.response as { status?: unknown } | null)?.status ?? '');

/** A command that did not come back with an answer: sent without one keeps the upgrade open. */
function noAnswer(reply: CommandReply & { status: 'error' }, action: string): Step {
  if (reply.error.code === 'timeout' && reply.error.sent !== false) return { outcome: { status: 'awaitingReconnect', reason: 'NO_ANSWER', chargerStatus: null } };
  return { outcome: { status: 'failed', reason: `${action}: ${reply.error.code}`.slice(0, 200) }, problem: commandProblem(reply.error, () => 'body') };
}

/** 1.6: whitepaper A05 step 2. */
async function upgrade16(send: Send, to: UpgradeProfile): Promise<Step> {
  const reply = await send(changeSecurityProfile(to));
  if (reply.status !== 'ok') return noAnswer(reply, 'ChangeConfiguration');
  const chargerStatus = statusOf(reply);
  // A05.FR.05: Accepted, then the charger disconnects and reconnects with the new profile.
  if (chargerStatus === 'Accepted') return { outcome: { status: 'awaitingReconnect', chargerStatus } };
  // RebootRequired: the new profile is used after a reboot; the charger chooses when.
  if (chargerStatus === 'RebootRequired') return { outcome: { status: 'awaitingReconnect', chargerStatus, reason: 'REBOOT_REQUIRED' } };
  // A05.FR.01-04: Rejected (a prerequisite missing), NotSupported (no such key).
  return { outcome: { status: 'refused', chargerStatus, reason: 'CHARGER_REJECTED' } };
}

/** 2.x: TC_A_19_CS steps 1-6, after reading the slots in use. */
async function upgrade2x(send: Send, o: { to: UpgradeProfile; protocol: 'ocpp2.0.1' | 'ocpp2.1'; csmsUrl: string; slot: number | undefined; ocppInterface: string; messageTimeout: number }): Promise<Step> {
  const got = await send(getNetworkPriority());
  if (got.status !== 'ok') return noAnswer(got, 'GetVariables');
  const result = (got.response as { getVariableResult?: Array<{ attributeStatus?: string; attributeValue?: string }> } | null)?.getVariableResult?.[0];
  const inUse = result?.attributeStatus === 'Accepted' ? parsePriority(result.attributeValue) : null;
  if (inUse === null && o.slot === undefined) {
    return { outcome: { status: 'failed', reason: 'PRIORITY_UNKNOWN' }, problem: new AppError('VALIDATION_FAILED', 'the station did not report NetworkConfigurationPriority: give configurationSlot', [{ field: 'body.configurationSlot', message: 'required when the station does not report its slots' }]) };
  }
  const slots = inUse ?? [];
  const slot = chooseSlot(slots, o.slot);
  // Overwriting the slot the station is connected with would cut it off with no way back.
  if (slots[0] === slot) return { outcome: { status: 'failed', reason: 'SLOT_IN_USE' }, problem: new AppError('VALIDATION_FAILED', `slot ${slot} is the one in use`, [{ field: 'body.configurationSlot', message: 'the slot in use' }]) };

  const profile = await send(setNetworkProfile({ slot, profile: o.to, csmsUrl: o.csmsUrl, protocol: o.protocol, messageTimeout: o.messageTimeout, ocppInterface: o.ocppInterface }));
  if (profile.status !== 'ok') return noAnswer(profile, 'SetNetworkProfile');
  // TC_A_22_CS: Rejected (a lower profile, or connection data the station cannot use).
  if (statusOf(profile) !== 'Accepted') return { outcome: { status: 'refused', chargerStatus: statusOf(profile), reason: 'NETWORK_PROFILE_REJECTED' } };

  const priority = await send(setNetworkPriority(slot, slots));
  if (priority.status !== 'ok') return noAnswer(priority, 'SetVariables');
  const attr = String((priority.response as { setVariableResult?: Array<{ attributeStatus?: unknown }> } | null)?.setVariableResult?.[0]?.attributeStatus ?? '');
  // TC_A_20_CS, TC_A_21_CS: Rejected without a valid CSMS root certificate or, for 3, a station certificate.
  if (attr !== 'Accepted' && attr !== 'RebootRequired') return { outcome: { status: 'refused', chargerStatus: attr, reason: 'PRIORITY_REJECTED' } };
  if (attr === 'Accepted') return { outcome: { status: 'awaitingReconnect', chargerStatus: attr } };

  // TC_A_19_CS step 5: only when step 4 answered RebootRequired.
  const reset = await send(resetOnIdle());
  if (reset.status !== 'ok') return noAnswer(reset, 'Reset');
  const rs = statusOf(reset);
  if (rs === 'Accepted' || rs === 'Scheduled') return { outcome: { status: 'awaitingReconnect', chargerStatus: `RebootRequired, Reset ${rs}` } };
  return { outcome: { status: 'refused', chargerStatus: `RebootRequired, Reset ${rs}`, reason: 'RESET_REJECTED' } };
}
