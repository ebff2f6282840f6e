/**
 * The embedded broker: aedes on TCP (MQTT_PORT) and on WebSocket at `/mqtt` of the HTTP
 * server. Authentication and the tenant ACL are delegated to a small port so the broker does
 * not know where tokens live.
 */
import net from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { coalesceWrites } from './coalesce.ts';
import type { Logger } from '../common/logger.ts';
import { mayPublish, mayReceive, maySubscribe, type Principal } from './acl.ts';

export interface MqttAuthenticator {
  /** Resolves the principal for username/password, or null to refuse (CONNACK 4/5). */
  authenticate(username: string | undefined, password: Buffer | undefined): Promise<Principal | null>;
}

export interface EmbeddedBrokerDeps {
  log: Logger;
  auth: MqttAuthenticator;
  host: string;
  port: number;
}

export interface EmbeddedBroker {
  aedes: Aedes;
  /** Port actually bound (MQTT_PORT may be 0 in tests). */
  port: number;
  /** Serves MQTT over WebSocket on `path` of an existing HTTP server. */
  attachWebSocket(server: HttpServer, path?: string): void;
  close(): Promise<void>;
}

const principals = new WeakMap<Client, Principal>();

export async function createEmbeddedBroker(deps: EmbeddedBrokerDeps): Promise<EmbeddedBroker> {
  const log = deps.log.child({ component: 'broker' });
  const aedes = await Aedes.createBroker({
    drainTimeout: 30_000,
    // Messages aedes delivers at once (mqemitter). A QoS 1 delivery holds its slot until the
    // turn after its socket write, so the default 100 caps the broker at ~100 messages per
    // event-loop turn: at 10k MeterValues/s (20k publishes) a burst of frames queues behind it
    // and the tail latency grows to hundreds of ms (docs/benchmarks.md). The bound on what is in
    // flight is the gateway's own (GATEWAY_MAX_PENDING_PUBLISHES, gateway/backpressure.ts).
    concurrency: 10_000,
    // Retained state shadows and QoS 1 queues live in memory: the all-in-one default. The
    // gateway republishes every shadow on connect, so a restart loses nothing durable.
    authenticate(client, username, password, done) {
      deps.auth.authenticate(username, password).then(
        (p) => {
          if (!p) {
            const err = Object.assign(new Error('bad username or password'), { returnCode: 4 as const });
            log.warn({ clientId: client.id, username }, 'mqtt client refused');
            return done(err, false);
          }
          principals.set(client, p);
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err }, 'mqtt authentication failed');
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      const p = principals.get(client);
      if (p && maySubscribe(p, sub.topic)) return done(null, sub);
      log.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe denied');
      // A null subscription answers SUBACK 0x80 (MQTT 3.1.1 §3.9.3) and keeps the connection.
      done(null, null);
    },
    authorizePublish(client, packet, done) {
      // client is null for publishes made by this process (the gateway itself).
      if (!client) return done(null);
      const p = principals.get(client);
      if (p && mayPublish(p, packet.topic)) return done(null);
      // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection of a client that
      // publishes outside what its token allows (the message goes nowhere).
      log.warn({ clientId: client.id, topic: packet.topic }, 'mqtt publish denied: disconnecting client');
      done(new Error(`not allowed: ${packet.topic}`));
    },
    authorizeForward(client, packet) {
      const p = principals.get(client);
      return p && mayReceive(p, packet.topic) ? packet : null;
    },
  });

  const tcp = net.createServer((socket) => aedes.handle(coalesceWrites(socket)));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(deps.port, deps.host, () => resolve());
  });
  const address = tcp.address();
  const port = typeof address === 'object' && address ? address.port : deps.port;
  log.info({ port }, 'embedded MQTT broker listening');

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    aedes.handle(stream, req);
  });

  return {
    aedes,
    port,
    attachWebSocket(server, path = '/mqtt') {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!req.url || new URL(req.url, 'http://x').pathname !== path) return;
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    async close() {
      // aedes first: it closes its clients, or net.Server.close would wait for them forever.
      const tcpClosed = new Promise<void>((r) => tcp.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await tcpClosed;
    },
  };
}
