/**
 * Bus over an MQTT.js client: used when roles run as separate processes against an external
 * broker (MQTT_URL: Mosquitto, EMQX). MQTT.js queues publishes while reconnecting; QoS 1
 * publishes resolve on PUBACK, which is what flush() waits for.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../common/logger.ts';
import type { Bus, MessageHandler } from './bus.ts';
import { PendingTracker } from './pending.ts';

export interface ClientBusOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId?: string | undefined;
  /** Keep the broker-side session (QoS 1 subscriptions survive reconnects). */
  persistentSession?: boolean | undefined;
  /** 5 for shared subscriptions ($share) on brokers that only offer them to MQTT 5 clients. */
  protocolVersion?: 4 | 5 | undefined;
}

export async function createClientBus(opts: ClientBusOptions, log: Logger): Promise<Bus> {
  const clientOpts: IClientOptions = {
    username: opts.username,
    password: opts.password,
    clientId: opts.clientId ?? `chargebridge-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: !opts.persistentSession,
    protocolVersion: opts.protocolVersion ?? 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
  const client: MqttClient = await mqtt.connectAsync(opts.url, clientOpts);
  client.on('error', (err) => log.error({ err }, 'mqtt client error'));
  client.on('reconnect', () => log.warn({ url: opts.url }, 'mqtt reconnecting'));
  const pending = new PendingTracker();
  const handlers: Array<{ match: string; handler: MessageHandler }> = [];

  client.on('message', (topic, payload) => {
    for (const h of handlers) if (matches(h.match, topic)) h.handler(topic, payload);
  });

  async function publishAsync(topic: string, payload: string | Buffer, o: { qos: 0 | 1; retain?: boolean | undefined }) {
    await pending.track(client.publishAsync(topic, payload, { qos: o.qos, retain: o.retain ?? false }));
  }

  return {
    publish(topic, payload, o) {
      publishAsync(topic, payload, o).catch((err: unknown) => log.error({ err, topic }, 'publish failed'));
    },
    publishAsync,
    async subscribe(filter, handler, o) {
      // A shared subscription ($share/{group}/{filter}, MQTT 5 §4.8.2) delivers topics that
      // match {filter}.
      handlers.push({ match: filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter, handler });
      await client.subscribeAsync(filter, { qos: o?.qos ?? 1 });
    },
    flush: () => pending.drain(),
    async close() {
      await pending.drain();
      await client.endAsync();
    },
    get pending() {
      return pending.size;
    },
  };
}

/** MQTT topic filter matching (MQTT 3.1.1 §4.7): `+` one level, `#` the rest. */
export function matches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return !topic.startsWith('$') || i > 0;
    if (i >= t.length) return false;
    if (level === '+') {
      if (i === 0 && t[0]!.startsWith('$')) return false;
      continue;
    }
    if (level !== t[i]) return false;
  }
  return f.length === t.length;
}
