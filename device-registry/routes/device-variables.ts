/**
 * GET /devices/{id}/variables: an OCPP 2.0.1 station's device model as it last reported it
 * (NotifyReport, after a GetBaseReport or GetReport command; docs/ocpp-2.0.1-device-model.md).
 * JSON pages with X-Total-Count and Link, as /transactions; CSV with `Accept: text/csv`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { toCsv } from '../csv.ts';
import type { RegistryStore } from '../store/types.ts';
import { ATTRIBUTE_TYPES, DEVICE_VARIABLE_LIMITS, MUTABILITIES, VARIABLE_DATA_TYPES, type Device, type DeviceVariable, type DeviceVariableFilter } from '../../contracts/registry.ts';

const INT32_MAX = 2 ** 31 - 1;

export const deviceVariableView = z.object({
  component: z.string(),
  componentInstance: z.string().nullable(),
  /** null: the component belongs to the station as a whole. */
  evseId: z.number().nullable(),
  /** null: the EVSE as a whole (or no EVSE). */
  connectorId: z.number().nullable(),
  variable: z.string(),
  variableInstance: z.string().nullable(),
  attributeType: z.enum(ATTRIBUTE_TYPES),
  value: z.string().nullable(),
  mutability: z.enum(MUTABILITIES),
  persistent: z.boolean(),
  constant: z.boolean(),
  characteristics: z
    .object({
      dataType: z.enum(VARIABLE_DATA_TYPES),
      supportsMonitoring: z.boolean(),
      unit: z.string().optional(),
      minLimit: z.number().optional(),
      maxLimit: z.number().optional(),
      valuesList: z.string().optional(),
    })
    .nullable(),
  updatedAt: z.string(),
});

type View = z.infer<typeof deviceVariableView>;

const CSV_COLUMNS = [
  'deviceId', 'chargePointId', 'component', 'componentInstance', 'evseId', 'connectorId', 'variable', 'variableInstance', 'attributeType', 'value', 'mutability', 'persistent', 'constant',
  'dataType', 'unit', 'minLimit', 'maxLimit', 'valuesList', 'supportsMonitoring', 'updatedAt',
] as const;
/** Rows read from the store per step of a CSV export. */
const CSV_PAGE = 1000;
/** The JSON list's page size when `limit` is not given. */
const DEFAULT_LIMIT = 1000;

const listQuery = z.object({
  /** Case-insensitive, as OCPP 2.0.1 names are. */
  component: z.string().min(1).max(DEVICE_VARIABLE_LIMITS.name).optional(),
  variable: z.string().min(1).max(DEVICE_VARIABLE_LIMITS.name).optional(),
  evseId: z.coerce.number().int().min(0).max(INT32_MAX).optional(),
  /** JSON: page size (default 1000). CSV: at most this many rows (default: every match). */
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  offset: z.coerce.number().int().min(0).default(0),
});

function view(v: DeviceVariable): View {
  return {
    component: v.component,
    componentInstance: v.componentInstance,
    evseId: v.evseId,
    connectorId: v.connectorId,
    variable: v.variable,
    variableInstance: v.variableInstance,
    attributeType: v.attributeType,
    value: v.value,
    mutability: v.mutability,
    persistent: v.persistent,
    constant: v.constant,
    characteristics: v.characteristics,
    updatedAt: v.updatedAt,
  };
}

/**
 * The CSV export, a chunk per store page: keyset paging (`after` the last row's key), so a report
 * stored during a long export neither repeats nor skips a row that was there when it began. The
 * characteristics are flattened into columns of their own.
 */
async function* csvExport(store: RegistryStore, device: Device, filter: DeviceVariableFilter, offset: number, max: number): AsyncGenerator<string> {
  yield toCsv(CSV_COLUMNS, []);
  let after: DeviceVariable | undefined;
  let left = max;
  while (left > 0) {
    const limit = Math.min(CSV_PAGE, left);
    const page = await store.listDeviceVariables(device.id, { ...filter, after, limit, offset: after === undefined ? offset : 0 });
    const rows = page.items.map((v) => ({ ...v, ...v.characteristics, chargePointId: device.chargePointId }));
    if (rows.length) yield toCsv(CSV_COLUMNS, rows, { header: false });
    left -= page.items.length;
    if (page.items.length < limit) return;
    after = page.items.at(-1);
  }
}

export function deviceVariableRoutes(deps: { store: RegistryStore }) {
  const { store } = deps;
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/devices/:id/variables',
      {
        schema: {
          tags: ['devices'],
          params: z.object({ id: z.string().min(1) }),
          querystring: listQuery,
          response: { 200: z.object({ items: z.array(deviceVariableView), total: z.number() }) },
        },
      },
      async (req, reply) => {
        // Another tenant's device is answered exactly like a missing one: 404.
        const device = await store.getDevice(req.params.id);
        if (!device || device.tenant !== req.caller.tenant) throw new AppError('NOT_FOUND', `device ${req.params.id} not found`);
        const q = req.query;
        const filter = { component: q.component, variable: q.variable, evseId: q.evseId };
        if ((req.headers.accept ?? '').includes('text/csv')) {
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="device-${device.id}-variables.csv"`)
            .send(Readable.from(csvExport(store, device, filter, q.offset, q.limit ?? Infinity)) as never);
        }
        const limit = q.limit ?? DEFAULT_LIMIT;
        const page = await store.listDeviceVariables(device.id, { ...filter, limit, offset: q.offset });
        // Paging headers (RFC 8288 Link), as on /transactions.
        reply.header('x-total-count', String(page.total));
        const [path, search] = req.url.split('?') as [string, string | undefined];
        const links: string[] = [];
        const at = (offset: number) => {
          const u = new URLSearchParams(search ?? '');
          u.set('limit', String(limit));
          u.set('offset', String(offset));
          return `<${path}?${u}>`;
        };
        if (q.offset + page.items.length < page.total) links.push(`${at(q.offset + limit)}; rel="next"`);
        if (q.offset > 0) links.push(`${at(Math.max(0, q.offset - limit))}; rel="prev"`);
        if (links.length) reply.header('link', links.join(', '));
        return { items: page.items.map(view), total: page.total };
      },
    );
  };
}
