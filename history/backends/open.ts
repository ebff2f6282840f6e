/** The configured time-series backend: InfluxDB 2.x, InfluxDB 1.x, or the embedded store. */
import path from 'node:path';
import type { Config } from '../../common/config.ts';
import type { HistoryBackend } from '../types.ts';
import { createEmbeddedHistory } from './embedded.ts';
import { createInflux1History } from './influx1.ts';
import { createInflux2History } from './influx2.ts';

/** `readOnly`: a second connection for queries beside the writer (the embedded store only; the InfluxDB clients are stateless). */
export function openHistoryBackend(config: Config, opts: { readOnly?: boolean } = {}): HistoryBackend {
  if (config.INFLUX_URL && config.INFLUX_BUCKET) {
    return createInflux2History({ url: config.INFLUX_URL, token: config.INFLUX_TOKEN!, org: config.INFLUX_ORG!, bucket: config.INFLUX_BUCKET, retentionDays: config.HISTORY_RETENTION_DAYS });
  }
  if (config.INFLUX_URL && config.INFLUX_DATABASE) {
    return createInflux1History({ url: config.INFLUX_URL, database: config.INFLUX_DATABASE, username: config.INFLUX_USERNAME, password: config.INFLUX_PASSWORD });
  }
  return createEmbeddedHistory({ file: path.join(config.DATA_DIR, 'history.db'), retentionDays: config.HISTORY_RETENTION_DAYS, readOnly: opts.readOnly === true });
}
