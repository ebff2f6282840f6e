/**
 * The message log's store for a configuration (docs/message-log.md): PostgreSQL when
 * DATABASE_URL is set (the table `message_log` beside the registry's), else the embedded SQLite
 * store under DATA_DIR.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import { createEmbeddedLog } from './backends/embedded.ts';
import { createPostgresLog } from './backends/postgres.ts';
import type { MessageLogStore } from './types.ts';

export function openMessageLogStore(config: Config, opts: { readOnly?: boolean } = {}): MessageLogStore {
  const common = { retentionDays: config.MESSAGE_LOG_RETENTION_DAYS, readOnly: opts.readOnly ?? false };
  if (config.DATABASE_URL) return createPostgresLog({ url: config.DATABASE_URL, ...common });
  return createEmbeddedLog({ file: path.join(config.DATA_DIR, 'message-log.db'), ...common });
}
