/**
 * End-to-end harness: the real system on port 0 with a temp DATA_DIR, a real OCPP-J client
 * (ocpp-rpc RPCClient, strict, so our answers are validated against the 1.6 schemas) and a
 * real MQTT client recording what a platform would receive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { createRequire } from 'node:module';
import { createValidator, RPCClient } from 'ocpp-rpc';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { startAll, type Running } from '../bin/start.ts';
import type { GatewayView } from '../bin/start.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface System extends Running {
  gateway: GatewayView;
  dir: string;
  ocppUrl: string;
  mqttUrl: string;
  httpUrl: string;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startSystem(env: Record<string, string> = {}, dir?: string): Promise<System> {
  const dataDir = dir ?? mkdtempSync(path.join(tmpdir(), 'chargebridge-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    OCPP_PORT: '0',
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    DATA_DIR: dataDir,
    API_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...env,
  });
  const running = await startAll(config, createLogger(config.LOG_LEVEL));
  return {
    ...running,
    dir: dataDir,
    ocppUrl: `ws://127.0.0.1:${running.ports.ocpp}`,
    mqttUrl: `mqtt://127.0.0.1:${running.ports.mqtt}`,
    httpUrl: `http://127.0.0.1:${running.ports.http}`,
    async stop(opts) {
      await running.close();
      if (!opts?.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChargerOptions {
  password?: string;
  strictMode?: boolean;
  path?: string;
  /** Default ['ocpp1.6']. */
  protocols?: string[];
}

/**
 * ocpp-rpc's strict mode for ocpp2.1, which it cannot do as shipped: its 2.1 schemas carry the
 * ids `urn:BootNotificationRequest` / `Response` while its validator looks up
 * `urn:BootNotification.req` / `.conf` ("Schema ... is missing from subprotocol schema
 * 'ocpp2.1'"). The same official schemas, re-keyed to what its validator looks for.
 */
export function ocpp21Validator(): ReturnType<typeof createValidator> {
  const schemas = createRequire(import.meta.url)('ocpp-rpc/lib/schemas/ocpp2_1.json') as Array<{ $id: string }>;
  const rekeyed = schemas.map((s) => ({ ...s, $id: s.$id.replace(/Request$/, '.req').replace(/Response$/, '.conf').replace(/^urn:NotifyPeriodicEventStream$/, 'urn:NotifyPeriodicEventStream.req') }));
  return createValidator('ocpp2.1', rekeyed);
}

export async function connectCharger(sys: { ocppUrl: string }, identity: string, opts: ChargerOptions = {}): Promise<RPCClient> {
  const client = new RPCClient({
    endpoint: sys.ocppUrl + (opts.path ?? ''),
    identity,
    protocols: opts.protocols ?? ['ocpp1.6'],
    strictMode: opts.strictMode ?? true,
    ...(opts.protocols?.includes('ocpp2.1') ? { strictModeValidators: [ocpp21Validator()] } : {}),
    reconnect: false,
    ...(opts.password !== undefined ? { password: opts.password } : {}),
  } as ConstructorParameters<typeof RPCClient>[0]);
  await client.connect();
  return client;
}

export interface Received {
  topic: string;
  json: Record<string, unknown>;
  retain: boolean;
}

/** A platform: subscribes, records every message, lets a test wait for one. */
export class Platform {
  readonly messages: Received[] = [];
  private waiters: Array<() => void> = [];
  readonly client: MqttClient;

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        json = { raw: payload.toString() };
      }
      this.messages.push({ topic, json, retain: packet.retain });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string, opts: { username?: string; password?: string; subscribe?: string[] } = {}): Promise<Platform> {
    const client = await mqtt.connectAsync(url, {
      username: opts.username ?? 'admin',
      password: opts.password ?? ADMIN_TOKEN,
      reconnectPeriod: 0,
    });
    const p = new Platform(client);
    for (const f of opts.subscribe ?? ['#']) await client.subscribeAsync(f, { qos: 1 });
    return p;
  }

  /** Resolves with the first recorded message (past or future) that matches. */
  async waitFor(pred: (m: Received) => boolean, timeoutMs = 5000, what = 'message'): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages: ${this.messages.slice(-5).map((m) => m.topic + ' ' + JSON.stringify(m.json)).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  on(suffix: string): Received[] {
    return this.messages.filter((m) => m.topic.endsWith(suffix));
  }

  async close(): Promise<void> {
    // force: the broker may have closed the connection (a denied publish).
    await this.client.endAsync(true);
  }
}
