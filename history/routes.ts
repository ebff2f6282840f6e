/**
 * The history API front ends read (interface.md): GET /devices/{id}/history and the meter
 * values and energy of one charging session.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../common/errors.ts';
import type { Device, Transaction } from '../contracts/registry.ts';
import { buildSeriesQuery } from './query.ts';
import type { HistoryBackend } from './types.ts';

const seriesResult = z.record(z.string(), z.array(z.object({ ts: z.string(), value: z.number() })));
const fn = z.enum(['mean', 'min', 'max', 'sum', 'first', 'last', 'count']);

/** What the routes ask of the registry (its stores have these methods: device-registry/store/types.ts). */
export interface HistoryRegistry {
  getDevice(id: string): Promise<Device | null>;
  getTransaction(id: number): Promise<Transaction | null>;
}

export function historyRoutes(deps: { store: HistoryRegistry; backend: HistoryBackend }) {
  const { store, backend } = deps;

  async function query(params: Parameters<typeof buildSeriesQuery>[0], tenant: string, device: string) {
    const built = buildSeriesQuery(params, { tenant, device }, Date.now());
    if ('problems' in built) throw new AppError('VALIDATION_FAILED', built.problems.map((p) => `${p.field}: ${p.message}`).join('; '), built.problems);
    try {
      return await backend.query(built.query);
    } catch (err) {
      throw new AppError('UNAVAILABLE', `history backend ${backend.name}: ${(err as Error).message}`);
    }
  }

  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/devices/:id/history',
      {
        schema: {
          tags: ['history'],
          params: z.object({ id: z.string() }),
          querystring: z
            .object({
              attr: z.string().min(1),
              from: z.string().optional(),
              to: z.string().optional(),
              lastN: z.coerce.number().int().min(1).max(100_000).optional(),
              every: z.string().optional(),
              fn: fn.optional(),
              connector: z.string().optional(),
              transaction: z.string().optional(),
            })
            .strict(),
          response: { 200: seriesResult },
        },
      },
      async (req) => {
        const d = await store.getDevice(req.params.id);
        if (!d || d.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
        return query(req.query, d.tenant, d.id);
      },
    );

    r.get(
      '/transactions/:id/meter-values',
      {
        schema: {
          tags: ['history'],
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({ attr: z.string().default('energy,power,current,voltage,soc'), every: z.string().optional(), fn: fn.optional() }).strict(),
          response: { 200: z.object({ transactionId: z.number(), deviceId: z.string(), energyWh: z.number().nullable(), series: seriesResult }) },
        },
      },
      async (req) => {
        const t = await store.getTransaction(req.params.id);
        if (!t || t.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `transaction ${req.params.id} not found`);
        const series = await query(
          { attr: req.query.attr, every: req.query.every, fn: req.query.fn, transaction: String(t.id), from: t.startedAt, to: t.stoppedAt ? new Date(Date.parse(t.stoppedAt) + 1).toISOString() : undefined },
          t.tenant,
          t.deviceId,
        );
        return { transactionId: t.id, deviceId: t.deviceId, energyWh: t.energyWh, series };
      },
    );
  };
}
