/** Charging sessions, for billing and charts; CSV with `Accept: text/csv` (interface.md). */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { toCsv } from '../csv.ts';
import type { Device, Transaction, TransactionFilter } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

export const transactionView = z.object({
  id: z.number(),
  deviceId: z.string(),
  connectorId: z.number(),
  /** OCPP 2.0.1: the station's own transactionId (`id` is ours, the MQTT transactionId); null for 1.6. */
  chargerTransactionId: z.string().nullable(),
  /** OCPP 2.0.1: the EVSE (connectorId is the connector on it); null for 1.6. */
  evseId: z.number().nullable(),
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
// New columns go at the end: consumers that read the export by position keep working.
const CSV_COLUMNS = [
  'id', 'deviceId', 'chargePointId', 'label', 'connectorId', 'idTag', 'stopIdTag', 'startedAt', 'stoppedAt', 'meterStart', 'meterStop', 'energyWh', 'durationSeconds', 'stopReason', 'status',
  'chargerTransactionId', 'evseId',
] as const;
/** Rows read from the store per step of a CSV export. */
const CSV_PAGE = 1000;
/** The JSON list's page size when `limit` is not given. */
const DEFAULT_LIMIT = 1000;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time');
const listQuery = z
  .object({
    deviceId: z.string().optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    status: z.enum(['active', 'completed']).optional(),
    /** JSON: page size (default 1000). CSV: at most this many rows (default: every match). */
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: 'from must not be after to', path: ['from'] });

function view(t: Transaction): View {
  return {
    id: t.id,
    deviceId: t.deviceId,
    connectorId: t.connectorId,
    chargerTransactionId: t.chargerTransactionId,
    evseId: t.evseId,
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

/**
 * The CSV export, a chunk per store page: keyset paging by id (`afterId`), so a session that ends
 * or starts during a long export is neither skipped nor written twice. Each row names the
 * charger (chargePointId, label) as the registry knows it now; a deleted device leaves them empty.
 */
async function* csvExport(store: RegistryStore, filter: TransactionFilter, offset: number, max: number): AsyncGenerator<string> {
  yield toCsv(CSV_COLUMNS, []);
  const devices = new Map<string, Device | null>();
  let afterId: number | undefined;
  let left = max;
  while (left > 0) {
    const limit = Math.min(CSV_PAGE, left);
    const page = await store.listTransactions({ ...filter, afterId, limit, offset: afterId === undefined ? offset : 0 });
    const rows = [];
    for (const t of page.items) {
      if (!devices.has(t.deviceId)) devices.set(t.deviceId, await store.getDevice(t.deviceId));
      const d = devices.get(t.deviceId);
      rows.push({ ...view(t), chargePointId: d?.chargePointId ?? null, label: d?.label ?? null });
    }
    if (rows.length) yield toCsv(CSV_COLUMNS, rows, { header: false });
    left -= page.items.length;
    if (page.items.length < limit) return;
    afterId = page.items.at(-1)!.id;
  }
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
        const filter = { tenant: req.caller.tenant, deviceId: q.deviceId, from: q.from, to: q.to, status: q.status };
        if ((req.headers.accept ?? '').includes('text/csv')) {
          // Streamed: every matching session, however many, in id order, without holding them all.
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="transactions.csv"')
            .send(Readable.from(csvExport(store, filter, q.offset, q.limit ?? Infinity)) as never);
        }
        const limit = q.limit ?? DEFAULT_LIMIT;
        const page = await store.listTransactions({ ...filter, limit, offset: q.offset });
        // Paging headers (RFC 8288 Link): the total, and where the next and previous pages are.
        reply.header('x-total-count', String(page.total));
        const links: string[] = [];
        const at = (offset: number) => {
          const u = new URLSearchParams(req.url.split('?')[1] ?? '');
          u.set('limit', String(limit));
          u.set('offset', String(offset));
          return `</transactions?${u}>`;
        };
        if (q.offset + page.items.length < page.total) links.push(`${at(q.offset + limit)}; rel="next"`);
        if (q.offset > 0) links.push(`${at(Math.max(0, q.offset - limit))}; rel="prev"`);
        if (links.length) reply.header('link', links.join(', '));
        return { items: page.items.map(view), total: page.total };
      },
    );
    r.get('/transactions/:id', { schema: { tags: ['transactions'], params: z.object({ id: z.coerce.number().int() }), response: { 200: transactionView } } }, async (req) => {
      const t = await store.getTransaction(req.params.id);
      if (!t || t.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `transaction ${req.params.id} not found`);
      return view(t);
    });
  };
}
