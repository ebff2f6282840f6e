/** POST /devices/{id}/commands: an OCPP command, answered with the charger's response. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { MAX_TIMEOUT_MS } from '../../contracts/commands.ts';
import { failedPath } from '../../ocpp/schema-set.ts';
import { OCPP_COMMAND_ACTIONS } from '../../ocpp/actions.ts';
import { versionFor } from '../../ocpp/versions.ts';
import { isNeutralAction, NEUTRAL_ACTIONS, translate } from '../../ocpp/commands/neutral.ts';
import { chargerProtocol } from '../charger-protocol.ts';
import type { CommandClient } from '../command-client.ts';
import { commandProblem } from '../http/command-problem.ts';
import { requireWrite } from '../../common/http/auth.ts';
import type { RegistryStore } from '../store/types.ts';

const body = z
  .object({
    action: z.enum([...NEUTRAL_ACTIONS, ...OCPP_COMMAND_ACTIONS] as [string, ...string[]]),
    payload: z.record(z.string(), z.unknown()).default({}),
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
  })
  .strict();

export function commandRoutes(deps: { store: RegistryStore; commands: CommandClient }) {
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/devices/:id/commands',
      { schema: { tags: ['commands'], params: z.object({ id: z.string() }), body, response: { 200: z.object({ id: z.string(), action: z.string(), status: z.literal('ok'), response: z.unknown(), ocpp: z.object({ action: z.string(), response: z.unknown() }).optional() }) } } },
      async (req) => {
        requireWrite(req.caller);
        const device = await deps.store.getDevice(req.params.id);
        if (!device || device.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
        // Refuse an invalid payload here already, naming the field, against the version the
        // charger will most likely meet (charger-protocol.ts); never connected and no preference:
        // 1.6 for a 1.6 action, and an action of another version is left to the gateway (which
        // answers offline).
        const known = await chargerProtocol(deps.store, device);
        const version = versionFor(known ?? 'ocpp1.6');
        const unknownVersion = !known && !isNeutralAction(req.body.action) && !version.commandActions.has(req.body.action);
        if (unknownVersion) {
          // nothing to check against
        } else if (isNeutralAction(req.body.action)) {
          // Its own payload rules whatever the version; the gateway translates (neutral.ts).
          const t = translate(req.body.action, req.body.payload, version.family, null);
          if (!t.ok && t.field !== 'payload.transactionId') throw new AppError('VALIDATION_FAILED', t.message, [{ field: `body.${t.field}`, message: t.message }]);
        } else if (!version.commandActions.has(req.body.action)) {
          throw new AppError('VALIDATION_FAILED', `${req.body.action} is not a command of ${version.schemas.name}, which this charger speaks`, [{ field: 'body.action', message: `not an ${version.schemas.name} command` }]);
        }
        const v = isNeutralAction(req.body.action) || unknownVersion ? ({ ok: true } as const) : version.schemas.validateRequest(req.body.action, req.body.payload);
        if (!v.ok) {
          const path = failedPath(v.error);
          throw new AppError('VALIDATION_FAILED', `${v.error.rpcErrorCode}: ${v.error.message}`, [{ field: path ? `body.payload.${path}` : 'body.payload', message: v.error.message }]);
        }
        const reply = await deps.commands.send(device.tenant, device.id, req.body);
        if (reply.status === 'ok') {
          // The charger's answer is its data: one nested too deep to serialize here is its error,
          // not ours (a thread with a larger stack may have passed it on).
          try {
            JSON.stringify(reply.response);
          } catch {
            throw new AppError('CHARGER_ERROR', "FormatViolation: the charger's answer could not be serialized (nested too deep)", [{ field: 'ocppErrorCode', message: 'FormatViolation' }]);
          }
          return reply;
        }
        throw commandProblem(reply.error, (field) => (field ? `body.${field}` : 'body'));
      },
    );
  };
}
