/** RFID / ID tags that may charge: they answer Authorize and StartTransaction (OCPP 1.6 §4.1, §7.27 IdTagInfo). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { requireWrite } from '../../common/http/auth.ts';
import type { IdTag } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

// OCPP 1.6 §7.28 IdToken: CiString20Type.
const idTag = z.string().min(1).max(20);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time');
const fields = z
  .object({
    status: z.enum(['Accepted', 'Blocked', 'Expired', 'Invalid']).default('Accepted'),
    expiryDate: isoDate.nullable().optional(),
    parentIdTag: idTag.nullable().optional(),
  })
  .strict();
const idTagView = z.object({ idTag: z.string(), status: z.string(), expiryDate: z.string().nullable(), parentIdTag: z.string().nullable() });
const view = (t: IdTag) => ({ idTag: t.idTag, status: t.status, expiryDate: t.expiryDate, parentIdTag: t.parentIdTag });

export function idTagRoutes(deps: { store: RegistryStore }) {
  const { store } = deps;
  const save = (tenant: string, tag: string, b: z.infer<typeof fields>) =>
    store.upsertIdTag({ tenant, idTag: tag, status: b.status, expiryDate: b.expiryDate ? new Date(b.expiryDate).toISOString() : null, parentIdTag: b.parentIdTag ?? null });

  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/id-tags',
      { schema: { tags: ['id-tags'], querystring: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000), offset: z.coerce.number().int().min(0).default(0) }), response: { 200: z.object({ items: z.array(idTagView), total: z.number() }) } } },
      async (req) => {
        const page = await store.listIdTags(req.caller.tenant, req.query);
        return { items: page.items.map(view), total: page.total };
      },
    );
    r.post('/id-tags', { schema: { tags: ['id-tags'], body: fields.extend({ idTag }).strict(), response: { 201: idTagView } } }, async (req, reply) => {
      requireWrite(req.caller);
      if (await store.getIdTag(req.caller.tenant, req.body.idTag)) {
        throw new AppError('DUPLICATE', `idTag ${req.body.idTag} exists`, [{ field: 'body.idTag', message: 'already exists' }]);
      }
      reply.status(201);
      return view(await save(req.caller.tenant, req.body.idTag, req.body));
    });
    r.get('/id-tags/:idTag', { schema: { tags: ['id-tags'], params: z.object({ idTag }), response: { 200: idTagView } } }, async (req) => {
      const t = await store.getIdTag(req.caller.tenant, req.params.idTag);
      if (!t) throw new AppError('NOT_FOUND', `idTag ${req.params.idTag} not found`);
      return view(t);
    });
    r.put('/id-tags/:idTag', { schema: { tags: ['id-tags'], params: z.object({ idTag }), body: fields, response: { 200: idTagView } } }, async (req) => {
      requireWrite(req.caller);
      return view(await save(req.caller.tenant, req.params.idTag, req.body));
    });
    r.delete('/id-tags/:idTag', { schema: { tags: ['id-tags'], params: z.object({ idTag }) } }, async (req, reply) => {
      requireWrite(req.caller);
      if (!(await store.deleteIdTag(req.caller.tenant, req.params.idTag))) throw new AppError('NOT_FOUND', `idTag ${req.params.idTag} not found`);
      reply.status(204).send();
    });
  };
}
