/**
 * Commands from platforms and operators to a charger (interface.md `config` / `config/reply`):
 * the command, its reply, and parsing a `config` message. Pure. Checking a command against the
 * charger's version and what is known of it is the gateway's (gateway/commands/check.ts).
 */
import { isOcppCommandAction } from '../ocpp/actions.ts';
import { isNeutralAction } from '../ocpp/commands/neutral.ts';

export interface Command {
  id: string;
  /** An OCPP action of some version (ocpp/actions.ts); checked against the charger's at sending. */
  action: string;
  payload: Record<string, unknown>;
  timeoutMs?: number | undefined;
}

/**
 * `sent` (on `timeout`, `offline`, `busy`): whether the CALL went out to the charger, which may
 * then have acted on it; absent where nobody knows (docs/commands.md).
 */
export type ReplyError = { code: string; message: string; field?: string | undefined; sent?: boolean | undefined };

export type CommandReply =
  /** `ocpp`: for a version-neutral command (ocpp/commands/neutral.ts), the OCPP exchange it became. */
  | { id: string; action: string; status: 'ok'; response: unknown; ocpp?: { action: string; response: unknown } | undefined }
  | { id: string; action: string; status: 'error'; error: ReplyError };

export const MAX_TIMEOUT_MS = 300_000;

/**
 * A command's payload as it may be shown in events and logs: the value of ChangeConfiguration
 * `AuthorizationKey` (the charger's Basic password, whitepaper §2.3 A00.FR.205) never is.
 * Configuration keys are CiString50Type (OCPP 1.6 §6.9 ChangeConfiguration.req): compared case-insensitively.
 */
export function shownPayload(cmd: Pick<Command, 'action' | 'payload'>): Record<string, unknown> {
  const p = cmd.payload;
  if (cmd.action === 'ChangeConfiguration' && typeof p['key'] === 'string' && p['key'].toLowerCase() === 'authorizationkey' && 'value' in p) {
    return { ...p, value: '(redacted)' };
  }
  // 2.0.1: the Basic password is SecurityCtrlr.BasicAuthPassword (part 2 appendices), set by
  // SetVariables; a network profile carries APN and VPN secrets.
  if (cmd.action === 'SetVariables' && Array.isArray(p['setVariableData'])) {
    return {
      ...p,
      setVariableData: p['setVariableData'].map((d: unknown) => {
        const v = d as { variable?: { name?: unknown }; attributeValue?: unknown };
        return typeof v?.variable?.name === 'string' && v.variable.name.toLowerCase() === 'basicauthpassword' ? { ...(d as object), attributeValue: '(redacted)' } : d;
      }),
    };
  }
  if (cmd.action === 'SetNetworkProfile' && typeof p['connectionData'] === 'object' && p['connectionData'] !== null) {
    const c = p['connectionData'] as Record<string, unknown>;
    const apn = c['apn'] as Record<string, unknown> | undefined;
    const vpn = c['vpn'] as Record<string, unknown> | undefined;
    return {
      ...p,
      connectionData: {
        ...c,
        ...(apn && 'apnPassword' in apn ? { apn: { ...apn, apnPassword: '(redacted)' } } : {}),
        ...(vpn ? { vpn: { ...vpn, ...('password' in vpn ? { password: '(redacted)' } : {}), ...('key' in vpn ? { key: '(redacted)' } : {}) } } : {}),
      },
    };
  }
  return p;
}

/**
 * Commands carrying a secret come on a topic only chargebridge's own processes may publish and
 * read (the tenant ACL gives tenants `{tenant}:...` or `{tenant}/...` topics only, and `chargebridge` is
 * no tenant in the tenant-level layout): `chargebridge/private/` + the device's `config` topic.
 */
export const PRIVATE_PREFIX = 'chargebridge/private/';

export type ErrorReply = Extract<CommandReply, { status: 'error' }>;

export function errorReply(id: string, action: string, code: string, message: string, more: { field?: string | undefined; sent?: boolean | undefined } = {}): ErrorReply {
  const error: ReplyError = { code, message };
  if (more.field) error.field = more.field;
  if (more.sent !== undefined) error.sent = more.sent;
  return { id, action, status: 'error', error };
}

/** Parses a `config` message; a malformed one gets an `invalid` reply (id '' when absent). */
export function parseCommand(raw: Buffer | string): { ok: true; command: Command } | { ok: false; reply: CommandReply } {
  let m: unknown;
  try {
    m = JSON.parse(raw.toString());
  } catch {
    return { ok: false, reply: errorReply('', '', 'invalid', 'command is not JSON') };
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, reply: errorReply('', '', 'invalid', 'command must be a JSON object') };
  const o = m as Record<string, unknown>;
  const id = typeof o['id'] === 'string' || typeof o['id'] === 'number' ? String(o['id']) : '';
  const action = typeof o['action'] === 'string' ? o['action'] : '';
  if (!id) return { ok: false, reply: errorReply('', action, 'invalid', 'id is required', { field: 'id' }) };
  if (!isOcppCommandAction(action) && !isNeutralAction(action)) return { ok: false, reply: errorReply(id, action, 'invalid', `unknown action ${JSON.stringify(o['action'])}`, { field: 'action' }) };
  const payload = o['payload'] ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reply: errorReply(id, action, 'invalid', 'payload must be an object', { field: 'payload' }) };
  const t = o['timeoutMs'];
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS)) {
    return { ok: false, reply: errorReply(id, action, 'invalid', `timeoutMs must be an integer 1..${MAX_TIMEOUT_MS}`, { field: 'timeoutMs' }) };
  }
  return { ok: true, command: { id, action, payload: payload as Record<string, unknown>, timeoutMs: t as number | undefined } };
}
