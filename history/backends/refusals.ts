/**
 * What every backend does with a batch the server refuses as data (not as an outage): find the
 * bad points by halving the batch, write the rest, and report the bad ones with the reason.
 * InfluxDB answers 400 for a malformed line or a field type conflict ("no points were written"
 * in 2.x; a partial write in 1.x): rewriting the good half is harmless because points with the
 * same series and time replace each other.
 */
import type { Point, WriteResult } from '../types.ts';

export function nonFinite(p: Point): string | undefined {
  if (!Number.isFinite(p.time)) return 'time is not a number';
  for (const [k, v] of Object.entries(p.fields)) if (!Number.isFinite(v)) return `field ${k} is not a finite number`;
  if (Object.keys(p.fields).length === 0) return 'point has no fields';
  return undefined;
}

/**
 * `send` writes points or throws; `refusal` returns the reason when the error means "this data
 * is refused" and undefined when it means "try again later" (the error is then rethrown so the
 * persister spools the whole batch).
 */
export async function writeIsolatingRefusals(points: Point[], send: (ps: Point[]) => Promise<void>, refusal: (err: unknown) => string | undefined): Promise<WriteResult> {
  const rejected: WriteResult['rejected'] = [];
  const ok: Point[] = [];
  for (const p of points) {
    const reason = nonFinite(p);
    if (reason) rejected.push({ point: p, reason });
    else ok.push(p);
  }
  let written = 0;
  async function go(ps: Point[]): Promise<void> {
    if (ps.length === 0) return;
    try {
      await send(ps);
      written += ps.length;
    } catch (err) {
      const reason = refusal(err);
      if (reason === undefined) throw err;
      if (ps.length === 1) return void rejected.push({ point: ps[0]!, reason });
      const mid = ps.length >> 1;
      await go(ps.slice(0, mid));
      await go(ps.slice(mid));
    }
  }
  await go(ok);
  return { written, rejected };
}

/** InfluxDB refuses data with 400 (bad line, type conflict) and 422 (outside retention). */
export function influxRefusal(status: number | undefined, message: string): string | undefined {
  return status === 400 || status === 422 ? message : undefined;
}
