/** API tokens: admins issue and revoke them; the secret is shown once, at creation. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantName } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import { requireAdmin, type Caller } from '../../common/http/auth.ts';
import type { ApiToken } from '../../contracts/registry.ts';
import type { Topics } from '../../contracts/topics.ts';
import type { TokenService } from '../tokens.ts';

const role = z.enum(['admin', 'operator', 'read-only']);
const tokenView = z.object({ id: z.string(), tenant: z.string(), role, label: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), lastUsedAt: z.string().nullable() });
const view = (t: ApiToken) => ({ id: t.id, tenant: t.tenant, role: t.role, label: t.label, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt });
/** An instant in the future (ISO 8601 with a zone); the token stops working then. */
const expiresAt = z.iso.datetime({ offset: true }).refine((v) => Date.parse(v) > Date.now(), 'must be in the future');

/** Only the installation admin works across tenants, and only on tokens. */
function targetTenant(caller: Caller, requested: string | undefined, field: string): string {
  if (requested === undefined || requested === caller.tenant) return caller.tenant;
  if (!caller.installationAdmin) throw new AppError('FORBIDDEN', 'only the installation admin token manages other tenants', [{ field, message: `must be ${caller.tenant}` }]);
  return requested;
}

export function tokenRoutes(deps: { tokens: TokenService; topics: Topics }) {
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/tokens',
      { schema: { tags: ['tokens'], body: z.object({ tenant: tenantName.optional(), role, label: z.string().max(200).optional(), expiresAt: expiresAt.optional() }).strict(), response: { 201: tokenView.extend({ token: z.string() }) } } },
      async (req, reply) => {
        requireAdmin(req.caller);
        const tenant = targetTenant(req.caller, req.body.tenant, 'body.tenant');
        // `chargebridge/...` is chargebridge's own first topic level in the tenant-level layout.
        if (!deps.topics.tenantAllowed(tenant)) throw new AppError('VALIDATION_FAILED', `tenant ${tenant} is reserved with MQTT_TOPIC_LAYOUT=${deps.topics.layout}`, [{ field: 'body.tenant', message: 'reserved: chargebridge\'s own topics start with it' }]);
        const { token, record } = await deps.tokens.issue({ tenant, role: req.body.role, label: req.body.label, expiresAt: req.body.expiresAt });
        reply.status(201);
        return { ...view(record), token };
      },
    );
    // The dashboard (and any front end) asks who its token is: the tenant is the MQTT username.
    r.get('/auth/whoami', { schema: { tags: ['tokens'], response: { 200: z.object({ tenant: z.string(), role: z.string(), installationAdmin: z.boolean() }) } } }, async (req) => ({
      tenant: req.caller.tenant,
      role: req.caller.role,
      installationAdmin: req.caller.installationAdmin,
    }));
    r.get('/tokens', { schema: { tags: ['tokens'], querystring: z.object({ tenant: tenantName.optional() }), response: { 200: z.object({ items: z.array(tokenView), total: z.number() }) } } }, async (req) => {
      requireAdmin(req.caller);
      const items = (await deps.tokens.list(targetTenant(req.caller, req.query.tenant, 'query.tenant'))).map(view);
      return { items, total: items.length };
    });
    r.delete('/tokens/:id', { schema: { tags: ['tokens'], params: z.object({ id: z.string() }), querystring: z.object({ tenant: tenantName.optional() }) } }, async (req, reply) => {
      requireAdmin(req.caller);
      if (!(await deps.tokens.revoke(targetTenant(req.caller, req.query.tenant, 'query.tenant'), req.params.id))) throw new AppError('NOT_FOUND', `token ${req.params.id} not found`);
      reply.status(204).send();
    });
  };
}
