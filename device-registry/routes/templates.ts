/** Dojot-style templates: named attribute lists that devices refer to. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { requireWrite } from '../../common/http/auth.ts';
import type { RegistryStore } from '../store/types.ts';

const templateAttr = z
  .object({
    label: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    type: z.enum(['dynamic', 'static', 'actuator', 'meta']),
    valueType: z.enum(['float', 'integer', 'string', 'bool', 'geo', 'object']),
    staticValue: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict();

const attrs = z.array(templateAttr).max(500).refine((a) => new Set(a.map((x) => x.label)).size === a.length, 'attribute labels must be unique');
const templateView = z.object({ id: z.string(), label: z.string(), attrs: z.array(templateAttr), createdAt: z.string(), updatedAt: z.string() });
const idParam = z.object({ id: z.string() });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0) });

export function templateRoutes(deps: { store: RegistryStore }) {
  const { store } = deps;
  const strip = <T extends { tenant: string }>({ tenant: _t, ...rest }: T) => rest;
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/templates', { schema: { tags: ['templates'], querystring: pageQuery, response: { 200: z.object({ items: z.array(templateView), total: z.number() }) } } }, async (req) => {
      const page = await store.listTemplates(req.caller.tenant, req.query);
      return { items: page.items.map(strip), total: page.total };
    });
    r.post('/templates', { schema: { tags: ['templates'], body: z.object({ label: z.string().min(1).max(200), attrs }).strict(), response: { 201: templateView } } }, async (req, reply) => {
      requireWrite(req.caller);
      const t = await store.createTemplate({ tenant: req.caller.tenant, label: req.body.label, attrs: req.body.attrs });
      reply.status(201);
      return strip(t);
    });
    r.get('/templates/:id', { schema: { tags: ['templates'], params: idParam, response: { 200: templateView } } }, async (req) => {
      const t = await store.getTemplate(req.caller.tenant, req.params.id);
      if (!t) throw new AppError('NOT_FOUND', `template ${req.params.id} not found`);
      return strip(t);
    });
    r.patch(
      '/templates/:id',
      { schema: { tags: ['templates'], params: idParam, body: z.object({ label: z.string().min(1).max(200).optional(), attrs: attrs.optional() }).strict(), response: { 200: templateView } } },
      async (req) => {
        requireWrite(req.caller);
        const t = await store.updateTemplate(req.caller.tenant, req.params.id, req.body);
        if (!t) throw new AppError('NOT_FOUND', `template ${req.params.id} not found`);
        return strip(t);
      },
    );
    r.delete('/templates/:id', { schema: { tags: ['templates'], params: idParam } }, async (req, reply) => {
      requireWrite(req.caller);
      if (!(await store.deleteTemplate(req.caller.tenant, req.params.id))) throw new AppError('NOT_FOUND', `template ${req.params.id} not found`);
      reply.status(204).send();
    });
  };
}
