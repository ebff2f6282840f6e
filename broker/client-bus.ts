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
    // MQTT 5 ends a session at disconnect unless it has an expiry (§3.1.2.11.2): a week lets a
    // stopped history process catch up on everything after maintenance.
    ...(opts.persistentSession && opts.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 7 * 86_400 } } : {}),
  };
  const pending = new PendingTracker();
  const handlers: Array<{ match: string; handler: MessageHandler }> = [];
  // A persistent session's queued messages arrive right after CONNACK, before the roles have
  // subscribed their handlers (MQTT.js acknowledges them on receipt): hold what no handler takes
  // yet, and hand it to the first matching handler that subscribes.
  let early: Array<[string, Buffer]> | null = opts.persistentSession ? [] : null;
  const EARLY_MAX = 100_000;
  // The roles subscribe within moments of the connection; after that nothing is early.
  if (early) setTimeout(() => (early = null), 30_000).unref();

  const client: MqttClient = mqtt.connect(opts.url, clientOpts);
  client.on('message', (topic, payload) => {
    let taken = false;
    for (const h of handlers) {
      if (matches(h.match, topic)) {
        taken = true;
        h.handler(topic, payload);
      }
    }
    if (!taken && early) {
      if (early.length < EARLY_MAX) early.push([topic, payload]);
      else log.error({ topic }, 'message from the persistent session dropped: no handler subscribed yet');
    }
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('error', fail);
    client.once('connect', () => {
      client.off('error', fail);
      resolve();
    });
  });
  let closing = false;
  client.on('error', (err) => {
    // An acknowledgement for a message that arrived while we disconnect has nowhere to go.
    if (closing && (err as NodeJS.ErrnoException).code === 'ERR_STREAM_WRITE_AFTER_END') return void log.debug({ err }, 'mqtt ack after disconnect');
    log.error({ err }, 'mqtt client error');
  });
  client.on('reconnect', () => log.warn({ url: opts.url }, 'mqtt reconnecting'));

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
      const match = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
      handlers.push({ match, handler });
      if (early?.length) {
        const mine = early.filter(([t]) => matches(match, t));
        early = early.filter(([t]) => !matches(match, t));
        for (const [t, p] of mine) handler(t, p);
      }
      await client.subscribeAsync(filter, { qos: o?.qos ?? 1 });
    },
    flush: () => pending.drain(),
    async close() {
      await pending.drain();
      closing = true;
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
