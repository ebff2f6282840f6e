/**
 * The registry backend of this configuration, for the main thread (start.ts) and for the
 * gateway's thread, which opens its own connection (gateway-thread.ts): PostgreSQL when
 * DATABASE_URL is set, else the embedded SQLite file under DATA_DIR. Its storage failures and
 * recoveries are reported to `health` as check `registry`.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { createPostgresStore } from '../device-registry/store/postgres.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import type { StoreHealth } from '../device-registry/store/storage-guard.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';

export function openStore(config: Config, health?: StoreHealth, log?: Logger): RegistryStore {
  if (config.DATABASE_URL) return createPostgresStore({ url: config.DATABASE_URL, health, log: log?.child({ component: 'registry' }) });
  return createSqliteStore({ file: path.join(config.DATA_DIR, 'registry.db'), health });
}
