/**
 * Version-neutral commands (docs/commands.md "One command for any charger"): what operators do
 * daily, sent as one command to any charger whatever OCPP version it speaks, answered in one
 * shape. Pure: a neutral command and what the gateway knows of the charger in, the OCPP request
 * of the charger's version and the function that turns its answer back into the neutral reply
 * out. The exchange on the wire is the version's own (its schema checks it: gateway/commands/check.ts).
 *
 *   reset            1.6 Reset {type Hard|Soft}            2.x Reset {type Immediate|OnIdle, evseId}
 *   remoteStart      1.6 RemoteStartTransaction            2.x RequestStartTransaction (remoteStartId)
 *   remoteStop       1.6 RemoteStopTransaction             2.x RequestStopTransaction (the charger's id)
 *   unlock           1.6 UnlockConnector                   2.x UnlockConnector {evseId, connectorId}
 *   setAvailability  1.6 ChangeAvailability                2.x ChangeAvailability {operationalStatus, evse}
 *   getSetting       1.6 GetConfiguration                  2.x GetVariables (settings.ts maps the key)
 *   setSetting       1.6 ChangeConfiguration               2.x SetVariables
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { settingFor } from './settings.ts';

/**
 * What a translation needs to know of the charger: its connectors' running sessions, as the
 * gateway's shadow keeps them (gateway/shadow.ts `Shadow` is one).
 */
export interface KnownConnectors {
  connectors: Readonly<Record<string, { transactionId: number | null; chargerTransactionId?: string | null | undefined; evseConnectorId?: number | undefined }>>;
}

const connectorId = z.number().int().min(0).max(2 ** 31 - 1);

const SCHEMAS = {
  reset: z.object({ hard: z.boolean().default(false), evseId: connectorId.optional() }).strict(),
  remoteStart: z.object({ idTag: z.string().min(1).max(20), connectorId: connectorId.min(1).optional(), idTokenType: z.string().min(1).max(20).default('Central') }).strict(),
  remoteStop: z.object({ transactionId: z.number().int() }).strict(),
  unlock: z.object({ connectorId: connectorId.min(1) }).strict(),
  setAvailability: z.object({ available: z.boolean(), connectorId: connectorId.default(0) }).strict(),
  getSetting: z.object({ key: z.string().min(1).max(100) }).strict(),
  setSetting: z.object({ key: z.string().min(1).max(100), value: z.string().max(1000) }).strict(),
} as const;

export type NeutralAction = keyof typeof SCHEMAS;
export const NEUTRAL_ACTIONS = Object.keys(SCHEMAS) as NeutralAction[];

export function isNeutralAction(a: unknown): a is NeutralAction {
  return typeof a === 'string' && Object.hasOwn(SCHEMAS, a);
}

export interface Translated {
  action: string;
  payload: Record<string, unknown>;
  /** The charger's answer in the neutral shape. */
  reply(response: unknown): Record<string, unknown>;
}

export type Translation = { ok: true; value: Translated } | { ok: false; field: string; message: string };

const statusOf = (r: unknown) => String((r as { status?: unknown } | null)?.status ?? 'Unknown');

/** Checks the neutral payload (zod) and builds the request of the charger's version. */
export function translate(action: NeutralAction, payload: Record<string, unknown>, family: '1.6' | '2.x', shadow: KnownConnectors | null): Translation {
  const parsed = SCHEMAS[action].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: ['payload', ...issue.path.map(String)].join('.'), message: issue.message };
  }
  const p = parsed.data as Record<string, unknown>;
  const v2 = family === '2.x';
  const simple = (a: string, body: Record<string, unknown>): Translation => ({ ok: true, value: { action: a, payload: body, reply: (r) => ({ status: statusOf(r) }) } });
  switch (action) {
    case 'reset': {
      const hard = p['hard'] === true;
      const evseId = p['evseId'] as number | undefined;
      if (!v2 && evseId !== undefined) return { ok: false, field: 'payload.evseId', message: 'an OCPP 1.6 charger resets as a whole (Reset has no connector)' };
      return simple('Reset', v2 ? { type: hard ? 'Immediate' : 'OnIdle', ...(evseId !== undefined ? { evseId } : {}) } : { type: hard ? 'Hard' : 'Soft' });
    }
    case 'remoteStart': {
      const c = p['connectorId'] as number | undefined;
      if (!v2) return { ok: true, value: { action: 'RemoteStartTransaction', payload: { idTag: p['idTag'], ...(c !== undefined ? { connectorId: c } : {}) }, reply: (r) => ({ status: statusOf(r) }) } };
      // remoteStartId (2.0.1 F01): ours, echoed in the TransactionEvent Started it causes.
      const remoteStartId = randomInt(1, 2 ** 31 - 1);
      return {
        ok: true,
        value: {
          action: 'RequestStartTransaction',
          payload: { idToken: { idToken: p['idTag'], type: p['idTokenType'] }, remoteStartId, ...(c !== undefined ? { evseId: c } : {}) },
          reply: (r) => {
            const tx = (r as { transactionId?: unknown } | null)?.transactionId;
            return { status: statusOf(r), remoteStartId, ...(typeof tx === 'string' ? { chargerTransactionId: tx } : {}) };
          },
        },
      };
    }
    case 'remoteStop': {
      const id = p['transactionId'] as number;
      if (!v2) return simple('RemoteStopTransaction', { transactionId: id });
      // The station knows its own id only: the shadow holds it beside ours while the session runs.
      const on = shadow ? Object.values(shadow.connectors).find((c) => c.transactionId === id) : undefined;
      if (!on?.chargerTransactionId) return { ok: false, field: 'payload.transactionId', message: `transaction ${id} is not running on this charger` };
      return simple('RequestStopTransaction', { transactionId: on.chargerTransactionId });
    }
    case 'unlock': {
      const c = p['connectorId'] as number;
      if (!v2) return simple('UnlockConnector', { connectorId: c });
      const evseConnector = shadow?.connectors[String(c)]?.evseConnectorId ?? 1;
      return simple('UnlockConnector', { evseId: c, connectorId: evseConnector });
    }
    case 'setAvailability': {
      const c = p['connectorId'] as number;
      const available = p['available'] === true;
      if (!v2) return simple('ChangeAvailability', { connectorId: c, type: available ? 'Operative' : 'Inoperative' });
      return simple('ChangeAvailability', { operationalStatus: available ? 'Operative' : 'Inoperative', ...(c > 0 ? { evse: { id: c } } : {}) });
    }
    case 'getSetting': {
      const key = p['key'] as string;
      if (!v2) {
        return {
          ok: true,
          value: {
            action: 'GetConfiguration',
            payload: { key: [key] },
            reply: (r) => {
              const known = (r as { configurationKey?: Array<{ key: string; value?: string; readonly: boolean }> } | null)?.configurationKey?.find((k) => k.key.toLowerCase() === key.toLowerCase());
              return known ? { key, status: 'Accepted', value: known.value ?? null, readonly: known.readonly } : { key, status: 'UnknownVariable', value: null };
            },
          },
        };
      }
      const s = settingFor(key);
      if (!s) return { ok: false, field: 'payload.key', message: `no OCPP 2.x variable is known for ${JSON.stringify(key)}: use a 1.6 key or Component.Variable` };
      return {
        ok: true,
        value: {
          action: 'GetVariables',
          payload: { getVariableData: [{ component: { name: s.component }, variable: { name: s.variable } }] },
          reply: (r) => {
            const res = (r as { getVariableResult?: Array<{ attributeStatus: string; attributeValue?: string }> } | null)?.getVariableResult?.[0];
            return { key, status: res?.attributeStatus ?? 'Unknown', value: res?.attributeValue ?? null, component: s.component, variable: s.variable };
          },
        },
      };
    }
    case 'setSetting': {
      const key = p['key'] as string;
      const value = p['value'] as string;
      if (!v2) return { ok: true, value: { action: 'ChangeConfiguration', payload: { key, value }, reply: (r) => ({ key, status: statusOf(r) }) } };
      const s = settingFor(key);
      if (!s) return { ok: false, field: 'payload.key', message: `no OCPP 2.x variable is known for ${JSON.stringify(key)}: use a 1.6 key or Component.Variable` };
      return {
        ok: true,
        value: {
          action: 'SetVariables',
          payload: { setVariableData: [{ component: { name: s.component }, variable: { name: s.variable }, attributeValue: value }] },
          reply: (r) => {
            const res = (r as { setVariableResult?: Array<{ attributeStatus: string }> } | null)?.setVariableResult?.[0];
            return { key, status: res?.attributeStatus ?? 'Unknown', component: s.component, variable: s.variable };
          },
        },
      };
    }
  }
}
