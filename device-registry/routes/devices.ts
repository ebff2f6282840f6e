/** Devices: the charger-to-virtual-device mapping (interface.md "HTTP API"). */
import { chargePointIdProblem } from '../../common/charge-point-id.ts';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { tenantName } from '../../common/config.ts';
import { requireWrite } from '../../common/http/auth.ts';
import { hashSecret } from '../../common/passwords.ts';
import { OCPP_PROTOCOLS } from '../../ocpp/protocols.ts';
import type { Device, DevicePatch } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

const site = z
  .object({
    name: z.string().max(200).optional(),
    address: z.string().max(500).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lng: z.number().min(-180).max(180).optional(),
  })
  .strict();

// OCPP 1.6 security whitepaper §2.3.1 A00.FR.205 (profile 1): the Basic-auth password is 16-40 characters.
const ocppPassword = z.string().min(16, 'OCPP passwords are 16-40 characters (security profile 1)').max(40);
// OCPP 1.6 security whitepaper §2.1: 1 = Basic over ws, 2 = TLS + Basic, 3 = TLS client certificate.
const securityProfile = z.union([z.literal(1), z.literal(2), z.literal(3)]);
// The subprotocol preferred when the charger offers several at the handshake (docs/chargers.md,
// "Choosing the OCPP version"); null: the charger's own order of preference.
const ocppProtocol = z.enum(OCPP_PROTOCOLS).nullable();
const attrValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const deviceView = z.object({
  id: z.string(),
  label: z.string(),
  tenant: z.string(),
  chargePointId: z.string(),
  enabled: z.boolean(),
  lenient: z.boolean().nullable(),
  securityProfile,
  ocppProtocol,
  hasPassword: z.boolean(),
  /** A password rotation waits for the charger to use its new password (routes/password-rotation.ts). */
  passwordPending: z.boolean(),
  templates: z.array(z.string()),
  attrs: z.record(z.string(), attrValue),
  site: site.nullable(),
  online: z.boolean().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The 201 of POST /devices: with the generated password, this once (CHARGER_PASSWORDS=generate). */
const createdView = deviceView.extend({ ocppPassword: z.string().optional().describe('the generated OCPP password, shown only in this answer') });

const createBody = z
  .object({
    // The same rule as the OCPP handshake (common/charge-point-id.ts): a device the API accepts
    // can connect, and one it refuses could not.
    chargePointId: z.string().superRefine((v, ctx) => {
      const problem = chargePointIdProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `charge point identity ${problem}` });
    }),
    label: z.string().min(1).max(200).optional(),
    tenant: tenantName.optional(),
    ocppPassword: ocppPassword.optional(),
    site: site.optional(),
    enabled: z.boolean().optional(),
    lenient: z.boolean().nullable().optional(),
    securityProfile: securityProfile.optional(),
    ocppProtocol: ocppProtocol.optional(),
    templates: z.array(z.string()).optional(),
    attrs: z.record(z.string(), attrValue).optional(),
  })
  .strict();

const patchBody = createBody.omit({ tenant: true }).partial().extend({ ocppPassword: ocppPassword.nullable().optional(), site: site.nullable().optional() }).strict();

const idParam = z.object({ id: z.string().min(1) });
const listQuery = z.object({
  chargePointId: z.string().optional(),
  online: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export interface DeviceRoutesDeps {
  store: RegistryStore;
  /** Live presence, when a gateway runs in this process; null otherwise. */
  online(device: Device): boolean | null;
  /** Tell connected sessions about a change (enabled, lenient, password). */
  changed(device: Device): void;
  /** A device was deleted: its retained `state` goes (issue 16: it would outlive it on disk). */
  deleted?: ((device: Device) => void | Promise<void>) | undefined;
  /** CHARGER_PASSWORDS: `generate` gives a device created without ocppPassword a random one. Default `optional`. */
  chargerPasswords?: 'generate' | 'optional' | undefined;
}

/**
 * A random Basic-auth password: 20 random bytes as 40 hexadecimal digits (1.6 security whitepaper
 * A00.FR.304: 16-20 bytes; hex digits are within OCPP 2.0.1's passwordString). The same rule as
 * the password rotation's (routes/password-rotation.ts).
 */
export function randomChargerPassword(): string {
  return randomBytes(20).toString('hex');
}

export function deviceRoutes(deps: DeviceRoutesDeps) {
  const { store } = deps;
  const view = (d: Device): z.infer<typeof deviceView> => ({
    id: d.id,
    label: d.label,
    tenant: d.tenant,
    chargePointId: d.chargePointId,
    enabled: d.enabled,
    lenient: d.lenient,
    securityProfile: d.securityProfile,
    ocppProtocol: d.ocppProtocol,
    hasPassword: d.passwordHash !== null,
    passwordPending: d.pendingPasswordHash !== null,
    templates: d.templates,
    attrs: d.attrs,
    site: d.site,
    online: deps.online(d),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  });

  async function checkTemplates(tenant: string, ids: string[] | undefined): Promise<void> {
    for (const [i, id] of (ids ?? []).entries()) {
      if (!(await store.getTemplate(tenant, id))) throw new AppError('VALIDATION_FAILED', `template ${id} does not exist`, [{ field: `body.templates.${i}`, message: `no template ${id}` }]);
    }
  }

  /** Profile 2 is TLS + Basic (whitepaper A00.FR.302: a password with every connection). */
  function checkProfile(profile: number, hasPassword: boolean, field: string): void {
    if (profile === 2 && !hasPassword) throw new AppError('VALIDATION_FAILED', 'security profile 2 needs an ocppPassword', [{ field, message: 'profile 2 (TLS + Basic) needs ocppPassword' }]);
  }

  /** Another tenant's device is answered exactly like a missing one: 404. */
  async function owned(tenant: string, id: string): Promise<Device> {
    const d = await store.getDevice(id);
    if (!d || d.tenant !== tenant) throw new AppError('NOT_FOUND', `device ${id} not found`);
    return d;
  }

  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/devices', { schema: { tags: ['devices'], querystring: listQuery, response: { 200: z.object({ items: z.array(deviceView), total: z.number() }) } } }, async (req) => {
      const q = req.query;
      if (q.online === undefined) {
        const page = await store.listDevices({ tenant: req.caller.tenant, chargePointId: q.chargePointId, limit: q.limit, offset: q.offset });
        return { items: page.items.map(view), total: page.total };
      }
      // Presence is not stored: filter the tenant's devices in memory.
      const all = await store.listDevices({ tenant: req.caller.tenant, chargePointId: q.chargePointId });
      const want = q.online === 'true';
      const hits = all.items.map(view).filter((d) => (d.online ?? false) === want);
      return { items: hits.slice(q.offset, q.offset + q.limit), total: hits.length };
    });

    r.post('/devices', { schema: { tags: ['devices'], body: createBody, response: { 201: createdView } } }, async (req, reply) => {
      requireWrite(req.caller);
      const b = req.body;
      if (b.tenant !== undefined && b.tenant !== req.caller.tenant) {
        throw new AppError('FORBIDDEN', 'a token creates devices in its own tenant only', [{ field: 'body.tenant', message: `must be ${req.caller.tenant}` }]);
      }
      await checkTemplates(req.caller.tenant, b.templates);
      // A profile-3 device authenticates with its certificate: it gets no password unasked.
      const generated = b.ocppPassword === undefined && deps.chargerPasswords === 'generate' && (b.securityProfile ?? 1) !== 3 ? randomChargerPassword() : undefined;
      const password = b.ocppPassword ?? generated;
      checkProfile(b.securityProfile ?? 1, password !== undefined, 'body.securityProfile');
      const d = await store.createDevice({
        tenant: req.caller.tenant,
        chargePointId: b.chargePointId,
        label: b.label,
        enabled: b.enabled,
        lenient: b.lenient,
        securityProfile: b.securityProfile,
        ocppProtocol: b.ocppProtocol,
        templates: b.templates,
        attrs: b.attrs,
        site: b.site,
        passwordHash: password ? await hashSecret(password) : null,
      });
      reply.status(201);
      // Shown this once, like an API token's secret: only its hash is stored.
      return generated ? { ...view(d), ocppPassword: generated } : view(d);
    });

    r.get('/devices/:id', { schema: { tags: ['devices'], params: idParam, response: { 200: deviceView } } }, async (req) => view(await owned(req.caller.tenant, req.params.id)));

    r.patch('/devices/:id', { schema: { tags: ['devices'], params: idParam, body: patchBody, response: { 200: deviceView } } }, async (req) => {
      requireWrite(req.caller);
      const cur = await owned(req.caller.tenant, req.params.id);
      await checkTemplates(req.caller.tenant, req.body.templates);
      const { ocppPassword: pw, ...rest } = req.body;
      checkProfile(rest.securityProfile ?? cur.securityProfile, pw === undefined ? cur.passwordHash !== null : pw !== null, rest.securityProfile !== undefined ? 'body.securityProfile' : 'body.ocppPassword');
      const patch: DevicePatch = { ...rest };
      if (pw !== undefined) {
        patch.passwordHash = pw === null ? null : await hashSecret(pw);
        // A password set by hand ends any rotation in progress (routes/password-rotation.ts).
        patch.pendingPasswordHash = null;
      }
      const d = await store.updateDevice(req.params.id, patch);
      if (!d) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
      deps.changed(d);
      return view(d);
    });

    r.delete('/devices/:id', { schema: { tags: ['devices'], params: idParam } }, async (req, reply) => {
      requireWrite(req.caller);
      const d = await owned(req.caller.tenant, req.params.id);
      if (await store.deleteDevice(req.params.id)) await deps.deleted?.(d);
      reply.status(204).send();
    });
  };
}
