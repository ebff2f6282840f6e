/**
 * Bounded waits for shutdown: a step that does not finish within its share of SHUTDOWN_TIMEOUT
 * is logged and left behind, so the process exits on time whatever is stuck (a stalled broker, a
 * full disk, a subscriber that stopped reading).
 */
import type { Logger } from './logger.ts';

/** Resolves true when `work` settled within `ms`, false when the time ran out first. Never rejects. */
export async function within(work: Promise<unknown> | (() => Promise<unknown>), ms: number, what: string, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const p = typeof work === 'function' ? Promise.resolve().then(work) : work;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, ms))));
  const r = await Promise.race([p.then(() => 'done' as const, (err: unknown) => (log.warn({ err, step: what }, 'shutdown step failed'), 'done' as const)), late]);
  clearTimeout(timer);
  if (r === 'late') log.warn({ step: what, ms: Math.round(ms) }, 'shutdown step did not finish in time: left behind');
  return r === 'done';
}
