/** The message log's store for a configuration (docs/message-log.md: the embedded SQLite store). */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import { createEmbeddedLog } from './backends/embedded.ts';
import type { MessageLogStore } from './types.ts';

export function openMessageLogStore(config: Config, opts: { readOnly?: boolean } = {}): MessageLogStore {
  return createEmbeddedLog({ file: path.join(config.DATA_DIR, 'message-log.db'), retentionDays: config.MESSAGE_LOG_RETENTION_DAYS, readOnly: opts.readOnly ?? false });
}
