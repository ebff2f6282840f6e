/** Charging sessions, for billing and charts; CSV with `Accept: text/csv` (interface.md). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { toCsv } from '../csv.ts';
import type { RegistryStore, Transaction } from '../store/types.ts';

export const transactionView = z.object({
  id: z.number(),
  deviceId: z.string(),
  connectorId: z.number(),
  idTag: z.string(),
  stopIdTag: z.string().nullable(),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  meterStart: z.number(),
  meterStop: z.number().nullable(),
  energyWh: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  stopReason: z.string().nullable(),
  status: z.enum(['active', 'completed']),
});

type View = z.infer<typeof transactionView>;
const CSV_COLUMNS = ['id', 'deviceId', 'connectorId', 'idTag', 'stopIdTag', 'startedAt', 'stoppedAt', 'meterStart', 'meterStop', 'energyWh', 'durationSeconds', 'stopReason', 'status'] as const;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time');
const listQuery = z
  .object({
    deviceId: z.string().optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    status: z.enum(['active', 'completed']).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: 'from must not be after to', path: ['from'] });

function view(t: Transaction): View {
  return {
    id: t.id,
    deviceId: t.deviceId,
    connectorId: t.connectorId,
    idTag: t.idTag,
    stopIdTag: t.stopIdTag,
    startedAt: t.startedAt,
    stoppedAt: t.stoppedAt,
    meterStart: t.meterStart,
    meterStop: t.meterStop,
    energyWh: t.energyWh,
    durationSeconds: t.stoppedAt ? Math.round((Date.parse(t.stoppedAt) - Date.parse(t.startedAt)) / 1000) : null,
    stopReason: t.stopReason,
    status: t.status,
  };
}

export function transactionRoutes(deps: { store: RegistryStore }) {
  const { store } = deps;
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/transactions',
      { schema: { tags: ['transactions'], querystring: listQuery, response: { 200: z.object({ items: z.array(transactionView), total: z.number() }) } } },
      async (req, reply) => {
        const q = req.query;
        const page = await store.listTransactions({ tenant: req.caller.tenant, deviceId: q.deviceId, from: q.from, to: q.to, status: q.status, limit: q.limit, offset: q.offset });
        const items = page.items.map(view);
        if ((req.headers.accept ?? '').includes('text/csv')) {
          // CSV bypasses the JSON serializer: send the string ourselves.
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="transactions.csv"')
            .serializer((x: unknown) => String(x))
            .send(toCsv(CSV_COLUMNS, items) as never);
        }
        return { items, total: page.total };
      },
    );
    r.get('/transactions/:id', { schema: { tags: ['transactions'], params: z.object({ id: z.coerce.number().int() }), response: { 200: transactionView } } }, async (req) => {
      const t = await store.getTransaction(req.params.id);
      if (!t || t.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `transaction ${req.params.id} not found`);
      return view(t);
    });
  };
}
