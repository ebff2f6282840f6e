import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one root logger. Components take `log.child({ component })`, per-charger code
 * `log.child({ chargePointId })`, so every line can be filtered by charger.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { pid: process.pid } }, destination as never);
}
