/**
 * The last line of defence: an error that escaped every handler (an exception thrown from an
 * event listener, a promise rejection nobody awaited). Node ends the process on either by
 * default, which would drop every charger of every tenant for one bad exchange. Every path from
 * a socket to a reply catches its own errors (issue 13), so anything that reaches this guard is
 * a bug: it is logged at error level with its stack, counted (`chargebridge_process_unexpected_errors_total`
 * in /metrics), and the process keeps serving. A flood of them is logged once per second.
 */
import type { Logger } from './logger.ts';

export interface ProcessGuard {
  /** Errors that reached the guard since the start. */
  readonly caught: number;
  uninstall(): void;
}

export function installProcessGuard(log: Logger): ProcessGuard {
  let caught = 0;
  let windowStart = 0;
  let inWindow = 0;
  const report = (kind: string, err: unknown) => {
    caught++;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      if (inWindow > 1) log.error({ suppressed: inWindow - 1 }, 'more unexpected errors in the last second were not logged');
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow++ === 0) log.error({ err, kind }, 'unexpected error escaped its handler; the process keeps serving (please report this)');
  };
  const onException = (err: unknown) => report('uncaughtException', err);
  const onRejection = (err: unknown) => report('unhandledRejection', err);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    get caught() {
      return caught;
    },
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}
