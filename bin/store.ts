/**
 * The registry backend of this configuration, for the main thread (start.ts) and for the
 * gateway's thread (gateway-thread.ts): PostgreSQL when DATABASE_URL is set, else the embedded
 * SQLite file under DATA_DIR. Its storage failures and recoveries are reported to `health` as
 * check `registry`.
 */
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { createPostgresStore } from '../device-registry/store/postgres.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import { openRegistryThread } from '../device-registry/store/thread/client.ts';
import type { StoreHealth } from '../device-registry/store/storage-guard.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { GATEWAY_STORE_METHODS, type GatewayStore } from '../gateway/store-port.ts';

export function openStore(config: Config, health?: StoreHealth, log?: Logger): RegistryStore {
  if (config.DATABASE_URL) return createPostgresStore({ url: config.DATABASE_URL, health, log: log?.child({ component: 'registry' }) });
  return createSqliteStore({ file: registryFile(config), health });
}

/**
 * The gateway thread's store. PostgreSQL is asynchronous already; the SQLite file is served by
 * a registry thread of the gateway's own (device-registry/store/thread/), so that its commits
 * and their fsyncs never stop the OCPP event loop.
 */
export function openGatewayStore(config: Config, health?: StoreHealth, log?: Logger): GatewayStore & { close(): Promise<void>; ready?(): Promise<void> } {
  if (config.DATABASE_URL) return openStore(config, health, log);
  return openRegistryThread({ file: registryFile(config), methods: GATEWAY_STORE_METHODS, health, log: log?.child({ component: 'registry' }) });
}

const registryFile = (config: Config) => path.join(config.DATA_DIR, 'registry.db');
