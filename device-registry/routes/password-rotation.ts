/**
 * POST /devices/{id}/password-rotation: a new, random Basic-auth password for a charger, sent
 * to it with ChangeConfiguration `AuthorizationKey` (OCPP 1.6 security whitepaper, use case A01)
 * or, to an OCPP 2.x charger, SetVariables `SecurityCtrlr.BasicAuthPassword` (2.0.1 use case A01;
 * test cases TC_A_09_CS/TC_A_10_CS: Accepted or RebootRequired, else Rejected), with no moment
 * in which neither password works:
 *
 * 1. the new password's hash is stored as pending: from now on both passwords are accepted
 *    (gateway/handshake.ts);
 * 2. the command goes on a topic no tenant can read (contracts/commands.ts PRIVATE_PREFIX),
 *    and the key is redacted in the `command` event: the password exists only in the charger
 *    and, hashed, in the registry; nobody is shown it;
 * 3. `Accepted`: the new password becomes the only one (A01.FR.03: the old credentials are no
 *    longer accepted); the charger reconnects with it (A01 scenario steps 3-4).
 *    `RebootRequired`, or an answer that never came after the CALL was sent: both stay valid,
 *    and the charger's first connection with the new one completes the rotation.
 *    `Rejected`, `NotSupported`, not sent at all, or a CALLERROR: the pending one is dropped and
 *    the old password stays (the A01 failure postcondition).
 */
import { randomChargerPassword } from './devices.ts';
import { chargerProtocol } from '../charger-protocol.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { MAX_TIMEOUT_MS } from '../../contracts/commands.ts';
import type { CommandClient } from '../command-client.ts';
import { commandProblem } from '../http/command-problem.ts';
import { requireWrite } from '../../common/http/auth.ts';
import { hashSecret } from '../../common/passwords.ts';
import type { Device } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

const body = z.object({ timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional() }).strict();

const result = z.object({
  /** `rotated`: only the new password works; `pending`: both do until the charger uses the new one; `refused`: the old one stays. */
  result: z.enum(['rotated', 'pending', 'refused']),
  /** The charger's ChangeConfiguration status, when it answered. */
  chargerStatus: z.string().optional(),
});

export function passwordRotationRoutes(deps: { store: RegistryStore; commands: CommandClient; changed(device: Device): void }) {
  const { store } = deps;
  const save = async (id: string, patch: Parameters<RegistryStore['updateDevice']>[1]) => {
    const d = await store.updateDevice(id, patch);
    if (d) deps.changed(d);
    return d;
  };
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post('/devices/:id/password-rotation', { schema: { tags: ['devices'], params: z.object({ id: z.string() }), body: body.default({}), response: { 200: result } } }, async (req) => {
      requireWrite(req.caller);
      const device = await store.getDevice(req.params.id);
      if (!device || device.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
      if (device.securityProfile === 3) throw new AppError('CONFLICT', 'a profile-3 device authenticates with its certificate, not a password');
      if (!device.passwordHash) throw new AppError('CONFLICT', 'the device has no ocppPassword to rotate: set one first (PATCH /devices/{id})');
      const password = randomChargerPassword();
      const pending = await hashSecret(password);
      await save(device.id, { pendingPasswordHash: pending });
      const v2 = (await chargerProtocol(store, device))?.startsWith('ocpp2') ?? false;
      const command = v2
        ? { action: 'SetVariables', payload: { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: password }] } }
        : { action: 'ChangeConfiguration', payload: { key: 'AuthorizationKey', value: password } };
      const reply = await deps.commands.send(device.tenant, device.id, { ...command, timeoutMs: req.body.timeoutMs }, { private: true });
      if (reply.status === 'ok') {
        const chargerStatus = v2 ? setVariableStatus(reply.response) : String((reply.response as { status?: unknown } | null)?.status ?? '');
        if (chargerStatus === 'Accepted') {
          // Compared against what this request stored: a charger that already reconnected with
          // the new password has promoted it itself (same hash); a newer rotation is left alone.
          const cur = await store.getDevice(device.id);
          if (cur && (cur.pendingPasswordHash === pending || cur.passwordHash === pending)) await save(device.id, { passwordHash: pending, pendingPasswordHash: null });
          return { result: 'rotated' as const, chargerStatus };
        }
        if (chargerStatus === 'RebootRequired') return { result: 'pending' as const, chargerStatus };
        await dropPending(device.id, pending);
        return { result: 'refused' as const, chargerStatus };
      }
      // Sent, but no answer: the charger may have taken it. Both passwords stay valid.
      if (reply.error.code === 'timeout' && reply.error.sent !== false) return { result: 'pending' as const };
      await dropPending(device.id, pending);
      throw commandProblem(reply.error, () => 'body');
    });
  };

  /** The one SetVariableResult's attributeStatus (Accepted, Rejected, RebootRequired, Unknown*, NotSupported*). */
  function setVariableStatus(response: unknown): string {
    const results = (response as { setVariableResult?: Array<{ attributeStatus?: unknown }> } | null)?.setVariableResult;
    return String(results?.[0]?.attributeStatus ?? '');
  }

  async function dropPending(id: string, pending: string): Promise<void> {
    const cur = await store.getDevice(id);
    if (cur?.pendingPasswordHash === pending) await save(id, { pendingPasswordHash: null });
  }
}
