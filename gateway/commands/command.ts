/**
 * Commands from platforms and operators to a charger (interface.md `config` / `config/reply`).
 * Pure: parsing and checking a command before anything is sent to a charger.
 */
import { CENTRAL_SYSTEM_ACTIONS, type CentralSystemAction } from '../ocpp/v16-types.ts';
import { failedPath, validateRequest } from '../ocpp/validate.ts';
import type { Shadow } from '../shadow.ts';

export interface Command {
  id: string;
  action: CentralSystemAction;
  payload: Record<string, unknown>;
  timeoutMs?: number | undefined;
}

/**
 * `sent` (on `timeout`, `offline`, `busy`): whether the CALL went out to the charger, which may
 * then have acted on it; absent where nobody knows (docs/commands.md).
 */
export type ReplyError = { code: string; message: string; field?: string | undefined; sent?: boolean | undefined };

export type CommandReply =
  | { id: string; action: string; status: 'ok'; response: unknown }
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
  return p;
}

/**
 * Commands carrying a secret come on a topic only chargebridge's own processes may publish and
 * read (the tenant ACL gives tenants `{tenant}:...` topics only): `chargebridge/private/{tenant}:{deviceId}/config`.
 */
export const PRIVATE_PREFIX = 'chargebridge/private/';

const ACTIONS: ReadonlySet<string> = new Set(CENTRAL_SYSTEM_ACTIONS);

export function isCentralSystemAction(action: unknown): action is CentralSystemAction {
  return typeof action === 'string' && ACTIONS.has(action);
}

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
  if (!isCentralSystemAction(action)) return { ok: false, reply: errorReply(id, action, 'invalid', `unknown action ${JSON.stringify(o['action'])}`, { field: 'action' }) };
  const payload = o['payload'] ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reply: errorReply(id, action, 'invalid', 'payload must be an object', { field: 'payload' }) };
  const t = o['timeoutMs'];
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS)) {
    return { ok: false, reply: errorReply(id, action, 'invalid', `timeoutMs must be an integer 1..${MAX_TIMEOUT_MS}`, { field: 'timeoutMs' }) };
  }
  return { ok: true, command: { id, action, payload: payload as Record<string, unknown>, timeoutMs: t as number | undefined } };
}

/**
 * Checks a command against the OCPP 1.6 request schema and against what the gateway knows of
 * the charger, so nothing invalid is sent (issue 5 "Bad input").
 */
export function checkCommand(cmd: Command, shadow: Shadow | null): ReplyError | null {
  const v = validateRequest(cmd.action, cmd.payload);
  if (!v.ok) {
    const path = failedPath(v.error);
    return { code: 'invalid', message: `${v.error.rpcErrorCode}: ${v.error.message}`, field: path ? `payload.${path}` : 'payload' };
  }
  // A connector the charger never reported does not exist. Connector 0 is the charge point
  // itself (OCPP 1.6 §3.8); before the first StatusNotification nothing is known: let it pass.
  const connectorId = cmd.payload['connectorId'];
  if (shadow && typeof connectorId === 'number' && connectorId > 0) {
    const known = Object.keys(shadow.connectors).map(Number).filter((n) => n > 0);
    if (known.length > 0 && !known.includes(connectorId)) {
      return { code: 'invalid', message: `connector ${connectorId} does not exist (known: ${known.join(', ')})`, field: 'payload.connectorId' };
    }
  }
  return null;
}
