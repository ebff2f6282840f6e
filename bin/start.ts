/**
 * Composition root: builds the roles from the configuration and wires them through their
 * small interfaces. `npm start` runs them all in one process on embedded defaults.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Bus } from '../broker/bus.ts';
import { createClientBus } from '../broker/client-bus.ts';
import { createEmbeddedBroker, type EmbeddedBroker, type MqttAuthenticator } from '../broker/embedded.ts';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import { buildApp } from '../device-registry/app.ts';
import { createAdminToken } from '../device-registry/admin-token.ts';
import { createPostgresStore } from '../device-registry/store/postgres.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { createGateway, type Gateway } from '../gateway/index.ts';

export interface Running {
  ports: { ocpp: number; http: number; mqtt: number | null };
  gateway: Gateway;
  store: RegistryStore;
  bus: Bus;
  adminToken: string | null;
  close(): Promise<void>;
}

export function openStore(config: Config): RegistryStore {
  if (config.DATABASE_URL) return createPostgresStore({ url: config.DATABASE_URL });
  mkdirSync(config.DATA_DIR, { recursive: true });
  return createSqliteStore({ file: path.join(config.DATA_DIR, 'registry.db') });
}

export async function startAll(config: Config, log: Logger): Promise<Running> {
  const store = openStore(config);
  await store.migrate();
  const admin = await createAdminToken({ config, log, dataDir: config.DATA_DIR });
  const auth: MqttAuthenticator = admin.mqttAuthenticator();

  let broker: EmbeddedBroker | undefined;
  let bus: Bus;
  if (config.MQTT_URL) {
    bus = await createClientBus({ url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD }, log);
  } else {
    broker = await createEmbeddedBroker({ log, auth, host: config.HOST, port: config.MQTT_PORT });
    bus = createEmbeddedBus(broker.aedes, log);
  }

  const gateway = createGateway({ config, log, store, bus });
  const app = await buildApp({
    config,
    log,
    store,
    tokens: admin.tokenResolver(),
    online: (d) => gateway.session(d.chargePointId)?.online ?? false,
    deviceChanged: (d) => gateway.deviceChanged(d),
  });
  await app.listen({ port: config.HTTP_PORT, host: config.HOST });
  broker?.attachWebSocket(app.server, '/mqtt');
  const httpAddr = app.server.address();
  const httpPort = typeof httpAddr === 'object' && httpAddr ? httpAddr.port : config.HTTP_PORT;
  const { port: ocppPort } = await gateway.listen();

  return {
    ports: { ocpp: ocppPort, http: httpPort, mqtt: broker?.port ?? null },
    gateway,
    store,
    bus,
    adminToken: admin.generated,
    async close() {
      // Order matters: chargers first (their offline shadows are published), then the bus is
      // flushed, then listeners and storage go.
      await gateway.close();
      await bus.close();
      await app.close();
      await broker?.close();
      await store.close();
    },
  };
}
