/**
 * History query parameters -> a backend SeriesQuery. Pure: validates what the HTTP layer can
 * not express in a schema (attribute names, from before to, window not too fine for the range)
 * and reports each problem with the parameter's name.
 */
import type { FieldProblem } from '../common/errors.ts';
import { MEASURANDS } from '../contracts/measurands.ts';
import { selectorFor } from './points.ts';
import type { AggregateFn, SeriesQuery } from './types.ts';

const ATTRS = new Set(Object.values(MEASURANDS).map((m) => m.attr));
/** A query may not ask for more windows than this: the answer would be unreadable and slow. */
export const MAX_WINDOWS = 10_000;
export const DEFAULT_RANGE_MS = 3_600_000;

export interface HistoryParams {
  attr: string;
  from?: string | undefined;
  to?: string | undefined;
  lastN?: number | undefined;
  every?: string | undefined;
  fn?: AggregateFn | undefined;
  transaction?: string | undefined;
  connector?: string | undefined;
}

/** "10s", "5m", "1h", "1d", or plain milliseconds. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n > 0 ? n * unit : null;
}

export function buildSeriesQuery(p: HistoryParams, target: { tenant: string; device: string }, now: number): { query: SeriesQuery } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const keys = p.attr.split(',').map((s) => s.trim()).filter(Boolean);
  if (keys.length === 0) problems.push({ field: 'query.attr', message: 'at least one attribute' });
  const series = keys.map(selectorFor);
  for (const s of series) {
    if (!ATTRS.has(s.field)) problems.push({ field: 'query.attr', message: `unknown attribute ${s.key}` });
  }
  const from = p.from !== undefined ? Date.parse(p.from) : undefined;
  const to = p.to !== undefined ? Date.parse(p.to) : undefined;
  if (from !== undefined && Number.isNaN(from)) problems.push({ field: 'query.from', message: 'expected an ISO 8601 date-time' });
  if (to !== undefined && Number.isNaN(to)) problems.push({ field: 'query.to', message: 'expected an ISO 8601 date-time' });
  if (from !== undefined && to !== undefined && from > to) problems.push({ field: 'query.from', message: 'from is after to' });
  let every: number | undefined;
  if (p.every !== undefined) {
    const e = parseDuration(p.every);
    if (e === null) problems.push({ field: 'query.every', message: 'expected a duration like 10s, 5m, 1h' });
    else every = e;
    if (!p.fn) problems.push({ field: 'query.fn', message: 'every needs fn (mean, min, max, sum, first, last, count)' });
  }
  if (p.fn && p.every === undefined) problems.push({ field: 'query.every', message: 'fn needs every' });
  if (every !== undefined && !Number.isNaN(from ?? 0) && !Number.isNaN(to ?? 0)) {
    const span = (to ?? now) - (from ?? (to ?? now) - DEFAULT_RANGE_MS);
    if (span / every > MAX_WINDOWS) problems.push({ field: 'query.every', message: `window too fine for the range: more than ${MAX_WINDOWS} windows` });
  }
  if (problems.length) return { problems };
  // Without from, lastN alone means "the last N ever"; otherwise the last hour.
  const effectiveFrom = from ?? (p.lastN !== undefined && p.every === undefined ? undefined : (to ?? now) - DEFAULT_RANGE_MS);
  return {
    query: {
      tenant: target.tenant,
      device: target.device,
      series,
      from: effectiveFrom,
      to,
      lastN: p.lastN,
      every,
      fn: p.fn,
      transaction: p.transaction,
      connector: p.connector,
    },
  };
}
