/**
 * The history role: a persister that follows telemetry on MQTT (so it serves an external broker
 * and several gateways alike) and writes it to the configured time-series backend, and the
 * query side behind the history API.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import { createEmbeddedHistory } from './backends/embedded.ts';
import { createInflux1History } from './backends/influx1.ts';
import { createInflux2History } from './backends/influx2.ts';
import { createPersister, type PersisterStats } from './persister.ts';
import type { HistoryBackend } from './types.ts';
import type { Journal } from '../common/journal/journal.ts';

export function openHistoryBackend(config: Config): HistoryBackend {
  if (config.INFLUX_URL && config.INFLUX_BUCKET) {
    return createInflux2History({ url: config.INFLUX_URL, token: config.INFLUX_TOKEN!, org: config.INFLUX_ORG!, bucket: config.INFLUX_BUCKET, retentionDays: config.HISTORY_RETENTION_DAYS });
  }
  if (config.INFLUX_URL && config.INFLUX_DATABASE) {
    return createInflux1History({ url: config.INFLUX_URL, database: config.INFLUX_DATABASE, username: config.INFLUX_USERNAME, password: config.INFLUX_PASSWORD });
  }
  return createEmbeddedHistory({ file: path.join(config.DATA_DIR, 'history.db'), retentionDays: config.HISTORY_RETENTION_DAYS });
}

export interface History {
  backend: HistoryBackend;
  /** Persister counters and backlog: the backpressure gauges of GET /metrics. */
  stats(): PersisterStats;
  start(): Promise<void>;
  /** Stores what it can within `deadlineMs`; the journal or spool keeps the rest. */
  stop(deadlineMs?: number): Promise<void>;
}

export function createHistory(deps: { config: Config; bus: Bus; log: Logger; backend?: HistoryBackend; journal?: Journal | undefined }): History {
  const backend = deps.backend ?? openHistoryBackend(deps.config);
  const log = deps.log.child({ component: 'history', backend: backend.name });
  const persister = createPersister({ bus: deps.bus, journal: deps.journal, backend, spoolDir: path.join(deps.config.DATA_DIR, 'history-spool'), log });
  return {
    backend,
    stats: () => persister.stats(),
    async start() {
      // A backend that is down at start is not fatal: points wait in the spool.
      await backend.init().catch((err: unknown) => log.warn({ err }, 'history backend not ready; buffering'));
      await persister.start();
      log.info('history persister started');
    },
    async stop(deadlineMs) {
      await persister.stop(deadlineMs);
      await backend.close();
    },
  };
}
