/**
 * The message log over HTTP (docs/message-log.md): GET /message-log (paged JSON, or every
 * matching event as JSON lines with `Accept: application/x-ndjson`) and POST
 * /message-log/replay. Every query is confined to the caller's tenant.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Bus } from '../broker/bus.ts';
import { AppError } from '../common/errors.ts';
import { requireWrite, type Caller } from '../common/http/auth.ts';
import type { Device, DeviceFilter, Page } from '../contracts/registry.ts';
import type { Topics } from '../contracts/topics.ts';
import { replayRange } from './replay.ts';
import { jsonLine, viewOf, type LogFilter, type StoredRow } from './rows.ts';
import type { LogCursor, MessageLogStore } from './types.ts';

const DEFAULT_LIMIT = 100;
const EXPORT_PAGE = 1000;
const JSONL = /application\/(x-ndjson|jsonl|x-jsonlines)/;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time');
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(1).max(64)).max(50));
const selector = {
  deviceId: z.string().min(1).max(64).optional(),
  chargePointId: z.string().min(1).max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  type: list.optional(),
  action: list.optional(),
  messageId: z.string().min(1).max(200).optional(),
  direction: z.enum(['in', 'out']).optional(),
};
const ordered = (q: { from?: string | undefined; to?: string | undefined }) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to);
const listQuery = z
  .object({
    ...selector,
    failed: z.enum(['true', 'false']).optional(),
    order: z.enum(['asc', 'desc']).default('asc'),
    /** JSON: page size (default 100). JSON lines: at most this many (default: every match). */
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .refine(ordered, { message: 'from must not be after to', path: ['from'] });
const replayBody = z
  .object({ ...selector, from: isoDate, to: isoDate, type: z.array(z.string().min(1).max(64)).max(50).optional(), action: z.array(z.string().min(1).max(64)).max(50).optional() })
  .strict()
  .refine(ordered, { message: 'from must not be after to', path: ['from'] });

const view = z.object({
  id: z.number(),
  ts: z.string(),
  deviceId: z.string(),
  type: z.string(),
  direction: z.enum(['in', 'out']).nullable(),
  action: z.string().nullable(),
  messageId: z.string().nullable(),
  error: z.string().nullable(),
  event: z.unknown(),
});

type Selector = { deviceId?: string | undefined; chargePointId?: string | undefined; from?: string | undefined; to?: string | undefined; type?: string[] | undefined; action?: string[] | undefined; messageId?: string | undefined; direction?: 'in' | 'out' | undefined };

/** A store that cannot answer (PostgreSQL down, a file that cannot be read) is 503 UNAVAILABLE. */
async function unavailable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('UNAVAILABLE', `message log: ${(err as Error).message}`);
  }
}

async function* jsonLines(store: MessageLogStore, filter: LogFilter, max: number): AsyncGenerator<string> {
  let after: LogCursor | null = null;
  let left = max;
  while (left > 0) {
    const rows: StoredRow[] = await unavailable(store.scan(filter, after, Math.min(EXPORT_PAGE, left)));
    if (rows.length) yield rows.map(jsonLine).join('');
    left -= rows.length;
    if (rows.length < Math.min(EXPORT_PAGE, left + rows.length)) return;
    after = { time: rows.at(-1)!.time, id: rows.at(-1)!.id };
  }
}

/** What the routes ask of the registry (its stores have it: device-registry/store/types.ts): a charger by its identity. */
export interface MessageLogRegistry {
  listDevices(filter: DeviceFilter): Promise<Page<Device>>;
}

export function messageLogRoutes(deps: { store: MessageLogRegistry; log: MessageLogStore; bus?: Bus | undefined; topics: Topics; replayMax: number }) {
  const { store } = deps;
  const replaying = new Set<string>();

  /** The filter of a request, in the caller's tenant; a chargePointId names a device of that tenant. */
  async function filterOf(caller: Caller, q: Selector): Promise<LogFilter> {
    let device = q.deviceId;
    if (q.chargePointId !== undefined) {
      const d = (await store.listDevices({ tenant: caller.tenant, chargePointId: q.chargePointId, limit: 1 })).items[0];
      if (!d || d.tenant !== caller.tenant) throw new AppError('NOT_FOUND', `charger ${q.chargePointId} not found`);
      if (device !== undefined && device !== d.id) throw new AppError('VALIDATION_FAILED', 'deviceId and chargePointId name different chargers', [{ field: 'query.chargePointId', message: 'names another device than deviceId' }]);
      device = d.id;
    }
    return {
      tenant: caller.tenant,
      device,
      from: q.from !== undefined ? Date.parse(q.from) : undefined,
      to: q.to !== undefined ? Date.parse(q.to) : undefined,
      type: q.type,
      action: q.action,
      messageId: q.messageId,
      direction: q.direction,
    };
  }

  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/message-log', { schema: { tags: ['message log'], querystring: listQuery, response: { 200: z.object({ items: z.array(view), total: z.number() }) } } }, async (req, reply) => {
      const q = req.query;
      const filter = { ...(await filterOf(req.caller, q)), failed: q.failed === undefined ? undefined : q.failed === 'true' };
      if (JSONL.test(req.headers.accept ?? '')) {
        // Streamed: every matching event, oldest first, a store page at a time (keyset by time and id).
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', 'attachment; filename="message-log.jsonl"')
          .send(Readable.from(jsonLines(deps.log, filter, q.limit ?? Infinity)) as never);
      }
      const limit = q.limit ?? DEFAULT_LIMIT;
      const page = await unavailable(deps.log.query(filter, { limit, offset: q.offset, order: q.order }));
      reply.header('x-total-count', String(page.total));
      const links: string[] = [];
      const at = (offset: number) => {
        const u = new URLSearchParams(req.url.split('?')[1] ?? '');
        u.set('limit', String(limit));
        u.set('offset', String(offset));
        return `</message-log?${u}>`;
      };
      if (q.offset + page.items.length < page.total) links.push(`${at(q.offset + limit)}; rel="next"`);
      if (q.offset > 0) links.push(`${at(Math.max(0, q.offset - limit))}; rel="prev"`);
      if (links.length) reply.header('link', links.join(', '));
      return { items: page.items.map(viewOf), total: page.total };
    });

    r.post(
      '/message-log/replay',
      {
        schema: {
          tags: ['message log'],
          body: replayBody,
          response: { 200: z.object({ published: z.number(), topic: z.string(), truncated: z.boolean(), next: z.string().nullable() }) },
        },
      },
      async (req) => {
        requireWrite(req.caller);
        if (!deps.bus) throw new AppError('UNAVAILABLE', 'no MQTT bus in this process');
        const filter = await filterOf(req.caller, req.body);
        const tenant = req.caller.tenant;
        if (replaying.has(tenant)) throw new AppError('REPLAY_BUSY', 'a replay of this tenant is already running');
        replaying.add(tenant);
        try {
          const result = await unavailable(replayRange({ store: deps.log, bus: deps.bus, topics: deps.topics }, filter, deps.replayMax));
          return { ...result, topic: deps.topics.ofTenant(tenant, 'events/replay', filter.device) };
        } finally {
          replaying.delete(tenant);
        }
      },
    );
  };
}
