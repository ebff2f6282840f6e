/**
 * POST /devices/{id}/charging-limit: a current or power cap, now or daily in a window, sent as
 * the SetChargingProfile the charger understands (ocpp/commands/charging-limit.ts).
 * DELETE removes it (ClearChargingProfile by its id).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { versionFor } from '../../ocpp/versions.ts';
import { chargerProtocol } from '../charger-protocol.ts';
import { acceptedUnits, buildChargingProfile, currentTypeOf, phasesOf, profileIdFor, toChargingProfile201, UnitNotSupported, type Electrical } from '../../ocpp/commands/charging-limit.ts';
import type { CommandReply } from '../../contracts/commands.ts';
import type { CommandClient } from '../command-client.ts';
import { commandProblem } from '../http/command-problem.ts';
import { requireWrite } from '../../common/http/auth.ts';
import type { Device } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const body = z
  .object({
    connectorId: z.number().int().min(0).default(0),
    limit: z.number().positive(),
    unit: z.enum(['A', 'W']),
    daily: z.object({ from: hhmm, to: hhmm }).strict().optional(),
    utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
  })
  .strict();

function fail(r: Extract<CommandReply, { status: 'error' }>): never {
  throw commandProblem(r.error, () => 'body');
}

export function chargingLimitRoutes(deps: { store: RegistryStore; commands: CommandClient }) {
  const { store, commands } = deps;

  async function owned(tenant: string, id: string): Promise<Device> {
    const d = await store.getDevice(id);
    if (!d || d.tenant !== tenant) throw new AppError('NOT_FOUND', `device ${id} not found`);
    return d;
  }

  /**
   * The charger's electrical side (docs/commands.md, "Power and current limits"): registry
   * attributes win (operators set them for chargers that lie or do not tell); what is missing is
   * asked from the charger in one GetConfiguration.
   */
  /** The version the charger will most likely meet (charger-protocol.ts); 1.6 when nothing is known. */
  async function family(d: Device): Promise<'1.6' | '2.x'> {
    return versionFor((await chargerProtocol(store, d)) ?? 'ocpp1.6').family;
  }

  async function electrical(d: Device, fam: '1.6' | '2.x'): Promise<Electrical> {
    const attr = d.attrs['chargingRateUnit'];
    const num = (k: string) => (typeof d.attrs[k] === 'number' ? (d.attrs[k] as number) : null);
    let accepts = typeof attr === 'string' ? acceptedUnits(attr === 'A' ? 'Current' : attr === 'W' ? 'Power' : attr) : null;
    let rotation: string | undefined;
    if (fam === '2.x') {
      // 2.0.1 part 2 appendices §3.1.16: SmartChargingCtrlr.RateUnit, a MemberList of A and W.
      if (accepts === null) {
        const r = await commands.send(d.tenant, d.id, { action: 'GetVariables', payload: { getVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } }] } });
        if (r.status === 'error') fail(r);
        const v = (r.response as { getVariableResult?: Array<{ attributeValue?: string }> }).getVariableResult?.[0]?.attributeValue;
        const units = (v ?? '').split(',').map((u) => u.trim());
        accepts = units.includes('A') || units.includes('W') ? acceptedUnits([units.includes('A') ? 'Current' : '', units.includes('W') ? 'Power' : ''].filter(Boolean).join(',')) : null;
      }
      return { accepts, current: currentTypeOf(d.attrs), voltage: num('voltage') ?? 230, phases: num('phases') ?? 3 };
    }
    if (accepts === null || (d.attrs['currentType'] !== 'AC' && d.attrs['currentType'] !== 'DC') || num('phases') === null) {
      const r = await commands.send(d.tenant, d.id, { action: 'GetConfiguration', payload: { key: ['ChargingScheduleAllowedChargingRateUnit', 'ConnectorPhaseRotation'] } });
      if (r.status === 'error') fail(r);
      const keys = (r.response as { configurationKey?: Array<{ key: string; value?: string }> }).configurationKey ?? [];
      accepts ??= acceptedUnits(keys.find((k) => k.key === 'ChargingScheduleAllowedChargingRateUnit')?.value);
      rotation = keys.find((k) => k.key === 'ConnectorPhaseRotation')?.value;
    }
    return { accepts, current: currentTypeOf(d.attrs, rotation), voltage: num('voltage') ?? 230, phases: num('phases') ?? phasesOf(rotation) ?? 3 };
  }

  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post('/devices/:id/charging-limit', { schema: { tags: ['commands'], params: z.object({ id: z.string() }), body } }, async (req) => {
      requireWrite(req.caller);
      const d = await owned(req.caller.tenant, req.params.id);
      const fam = await family(d);
      let payload: Record<string, unknown>;
      try {
        const p16 = buildChargingProfile(req.body, await electrical(d, fam), new Date());
        payload = fam === '2.x' ? toChargingProfile201(p16) : p16;
      } catch (err) {
        if (err instanceof UnitNotSupported) throw new AppError('UNIT_NOT_SUPPORTED', err.message, [{ field: 'body.unit', message: err.message }]);
        throw err;
      }
      const reply = await commands.send(d.tenant, d.id, { action: 'SetChargingProfile', payload });
      if (reply.status === 'error') fail(reply);
      return { profile: payload, response: reply.response };
    });
    r.delete('/devices/:id/charging-limit', { schema: { tags: ['commands'], params: z.object({ id: z.string() }), querystring: z.object({ connectorId: z.coerce.number().int().min(0).default(0) }) } }, async (req) => {
      requireWrite(req.caller);
      const d = await owned(req.caller.tenant, req.params.id);
      // 2.0.1 ClearChargingProfileRequest names the profile chargingProfileId, 1.6 id.
      const id = profileIdFor(req.query.connectorId);
      const reply = await commands.send(d.tenant, d.id, { action: 'ClearChargingProfile', payload: (await family(d)) === '2.x' ? { chargingProfileId: id } : { id } });
      if (reply.status === 'error') fail(reply);
      return { response: reply.response };
    });
  };
}
