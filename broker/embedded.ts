/**
 * The embedded broker: aedes on TCP (MQTT_PORT) and on WebSocket at `/mqtt` of the HTTP
 * server. Authentication and the tenant ACL are delegated to a small port so the broker does
 * not know where tokens live. What one tenant's clients may cost the others is bounded here
 * (docs/mqtt.md): each client's outgoing bytes (outbox.ts), each persistent session's queue
 * (session-queues.ts), failed logins (login-throttle.ts), and client ids live per tenant.
 */
import net from 'node:net';
import tls, { type SecureContextOptions } from 'node:tls';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { refuseUpgrade, requestPath } from '../common/http-upgrade.ts';
import type { Config } from '../common/config.ts';
import { coalesceWrites } from './coalesce.ts';
import type { Logger } from '../common/logger.ts';
import { mayPublish, mayReceive, maySubscribe, sessionId, sessionReceiver, type Principal } from './acl.ts';
import type { Topics } from '../contracts/topics.ts';
import { createLoginThrottle, type LoginLimits } from '../common/login-throttle.ts';
import { guardClient, Outbox, outboxVerdict, type OutboxLimits } from './outbox.ts';
import { boundSessionQueues, type SessionLimits, type SessionPersistence } from './session-queues.ts';
import { createRetainedStore, type RetainedLimits } from './retained-store.ts';

export interface MqttAuthenticator {
  /** Resolves the principal for username/password, or null to refuse (CONNACK 4/5). */
  authenticate(username: string | undefined, password: Buffer | undefined): Promise<Principal | null>;
}

export interface BrokerLimits {
  outbox: OutboxLimits;
  sessions: SessionLimits;
  logins: LoginLimits;
  retained: RetainedLimits;
}

/** The limits from the configuration (docs/configuration.md, MQTT_*). */
export function brokerLimits(c: Config): BrokerLimits {
  return {
    outbox: { qos0DropBytes: c.MQTT_QOS0_DROP_BYTES, maxBytes: c.MQTT_MAX_CLIENT_QUEUE_BYTES },
    sessions: { maxMessages: c.MQTT_MAX_OFFLINE_MESSAGES, maxTenantMessages: c.MQTT_MAX_TENANT_OFFLINE_MESSAGES },
    logins: { maxFailures: c.MQTT_AUTH_MAX_FAILURES, maxFailuresPerAddress: c.MQTT_AUTH_MAX_FAILURES_PER_ADDRESS, windowMs: c.MQTT_AUTH_WINDOW_MS, lockoutMs: c.MQTT_AUTH_LOCKOUT_MS },
    retained: { maxMessages: c.MQTT_MAX_RETAINED_MESSAGES, maxBytes: c.MQTT_MAX_RETAINED_BYTES },
  };
}

export interface EmbeddedBrokerDeps {
  log: Logger;
  auth: MqttAuthenticator;
  host: string;
  port: number;
  limits: BrokerLimits;
  /** The topic layout (MQTT_TOPIC_LAYOUT): which topics a persistent session of a tenant may queue. */
  topics: Topics;
  /** Certificate and key (TLS_CERT_FILE): the TCP listener speaks MQTT over TLS (mqtts) only. */
  tls?: SecureContextOptions | undefined;
  /**
   * Where retained messages are kept across restarts (normally `${DATA_DIR}/retained.db`);
   * absent: in memory only.
   */
  retainedFile?: string | undefined;
}

/** Counters and gauges for /metrics. */
export interface BrokerStats {
  clients: number;
  qos0Dropped: number;
  overflowDisconnects: number;
  sessionMessages: number;
  offlineDropped: number;
  authFailures: number;
  authLockouts: number;
  authThrottled: number;
  retainedMessages: number;
  retainedBytes: number;
  retainedRefused: number;
}

export interface EmbeddedBroker {
  aedes: Aedes;
  /** Port actually bound (MQTT_PORT may be 0 in tests). */
  port: number;
  /** A new certificate for the TLS listener (a reload, common/tls-files.ts); nothing without TLS. */
  setSecureContext(opts: SecureContextOptions): void;
  /** Serves MQTT over WebSocket on `path` of an existing HTTP server. */
  attachWebSocket(server: HttpServer, path?: string): void;
  stats(): BrokerStats;
  close(): Promise<void>;
}

/** What the broker knows of one connection. */
interface ClientState {
  /** Set once authenticated. */
  principal: Principal | null;
  outbox: Outbox;
  address: string;
  /** Dropping QoS 0 deliveries since the connection last drained (logged once per episode). */
  dropping: boolean;
}

const refusal = (returnCode: 3 | 4 | 5, message: string) => Object.assign(new Error(message), { returnCode });

export async function createEmbeddedBroker(deps: EmbeddedBrokerDeps): Promise<EmbeddedBroker> {
  const log = deps.log.child({ component: 'broker' });
  const { limits } = deps;
  const logins = createLoginThrottle(limits.logins, log);
  const counts = { qos0Dropped: 0, overflowDisconnects: 0 };
  const clients = new WeakMap<Client, ClientState>();
  const retained = await createRetainedStore({ file: deps.retainedFile, limits: limits.retained, log });

  const aedes = await Aedes.createBroker({
    // No limit on the messages mqemitter delivers at once, and so no queue in it: its queue had
    // no bound, and once a stalled subscriber held its slots it queued every publish and
    // recursed through the backlog (RangeError: Maximum call stack size exceeded). Deliveries
    // now finish the turn after their write (outbox.ts), so what is in flight is bounded by the
    // publishers: the gateway's GATEWAY_MAX_PENDING_PUBLISHES (gateway/backpressure.ts) and, for
    // an MQTT client, the packets of one socket read (aedes reads on only once they are done).
    concurrency: 0,
    // Retained messages (state shadows, alerts) in memory and on disk (retained-store.ts), so a
    // platform subscribing after a restart finds the fleet as it was (issue 16); sessions and
    // QoS 1 queues in memory only.
    persistence: retained.persistence,
    authenticate(client, username, password, done) {
      const s = clients.get(client);
      const address = s?.address ?? '';
      // Refused without looking at the token while the username or address backs off or is
      // locked out: CONNACK 5, not authorized (MQTT 3.1.1 §3.2.2.3).
      if (!logins.admit(username, address).allowed) return done(refusal(5, 'too many failed logins'), false);
      deps.auth.authenticate(username, password).then(
        (p) => {
          if (!p) {
            logins.failed(username, address);
            return done(refusal(4, 'bad username or password'), false);
          }
          logins.succeeded(username, address);
          if (s) s.principal = p;
          // Client ids are per tenant: aedes takes over (MQTT 3.1.1 §3.1.4 step 2) and resumes
          // sessions by client.id, which it reads only after this hook (lib/handlers/connect.js:
          // fetchSubs, registerClient), so from here on the id is the tenant's session id.
          (client as { id: string }).id = sessionId(p, client.id);
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err }, 'mqtt authentication failed');
          done(refusal(3, 'server unavailable'), false);
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      const p = clients.get(client)?.principal;
      if (p && maySubscribe(p, sub.topic)) return done(null, sub);
      log.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe denied');
      // A null subscription answers SUBACK 0x80 (MQTT 3.1.1 §3.9.3) and keeps the connection.
      done(null, null);
    },
    authorizePublish(client, packet, done) {
      // client is null for publishes made by this process (the gateway itself).
      if (!client) return done(null);
      const p = clients.get(client)?.principal;
      if (p && mayPublish(p, packet.topic)) {
        // A command is never retained: a retained one would run again at every gateway start
        // (it subscribes to +/config), and it would take a tenant's share of the retained
        // store's bounds. Delivered as an ordinary publish (docs/mqtt.md).
        if (p.role !== 'service') packet.retain = false;
        return done(null);
      }
      // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection of a client that
      // publishes outside what its token allows (the message goes nowhere).
      log.warn({ clientId: client.id, topic: packet.topic }, 'mqtt publish denied: disconnecting client');
      done(new Error(`not allowed: ${packet.topic}`));
    },
    // Runs for every message and every subscriber: no allocation.
    authorizeForward(client, packet) {
      const s = clients.get(client);
      if (s === undefined || s.principal === null || !mayReceive(s.principal, packet.topic) || client.closed) return null;
      if (outboxVerdict(s.outbox.queued, 1, limits.outbox) === 'disconnect') {
        overflow(client, s);
        return null; // a persistent session keeps it (session-queues.ts) for the next connection
      }
      return packet;
    },
  });
  // Persistence errors; no listener would make them end the process.
  (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error({ err }, 'mqtt broker error'));
  aedes.on('clientError', (client: Client, err: Error) => log.debug({ err, clientId: client.id }, 'mqtt client error'));

  function overflow(client: Client, s: ClientState) {
    if (client.closed) return;
    counts.overflowDisconnects++;
    log.warn({ clientId: client.id, queuedBytes: s.outbox.queued, maxBytes: limits.outbox.maxBytes }, 'mqtt client disconnected: its connection does not take what is sent to it');
    client.close();
    // Frees the buffered bytes now rather than once aedes has unsubscribed the client.
    client.conn.destroy();
  }

  const persistence = (aedes as unknown as { persistence: SessionPersistence }).persistence;
  // A full session keeps no new messages, whether its client is away or connected and not
  // acknowledging (a connected one is still sent them). It is not disconnected for it: a client
  // resuming a full session while telemetry flows would be disconnected before it could
  // acknowledge anything, again and again. One that stops reading altogether is disconnected by
  // its byte limit (outbox.ts).
  const sessions = boundSessionQueues(persistence, limits.sessions, {
    mayQueue: sessionReceiver(deps.topics),
    full(id, first) {
      if (first) log.warn({ session: id, ...limits.sessions }, 'mqtt session full: new messages are not kept for it until its client has acknowledged some');
    },
  });

  const outboxHooks = {
    dropped(client: Client, packet: { topic: string }) {
      const s = clients.get(client);
      if (!s?.principal || !mayReceive(s.principal, packet.topic)) return;
      counts.qos0Dropped++;
      if (!s.dropping) {
        s.dropping = true;
        log.warn({ clientId: client.id, queuedBytes: s.outbox.queued, qos0DropBytes: limits.outbox.qos0DropBytes }, 'mqtt client behind: dropping its QoS 0 messages until it catches up');
      }
    },
    overflow(client: Client) {
      const s = clients.get(client);
      if (s) overflow(client, s);
    },
  };

  function accept(conn: Duplex, ws: WebSocket | null, address: string, req?: IncomingMessage) {
    const client = aedes.handle(conn, req);
    const s: ClientState = { principal: null, outbox: new Outbox(conn, ws), address, dropping: false };
    clients.set(client, s);
    guardClient(client, s.outbox, limits.outbox, outboxHooks);
    conn.on('drain', () => (s.dropping = false));
  }

  // noDelay: without it Nagle holds a small packet (a PUBACK, a delivery) until the peer's
  // delayed ACK, ~40 ms on Linux; writes are already coalesced per event-loop turn (coalesce.ts).
  const onSocket = (socket: net.Socket) => accept(coalesceWrites(socket), null, socket.remoteAddress ?? '');
  // TLS 1.2 or above, as for chargers; the client is told apart only after the handshake.
  const tcp: net.Server = deps.tls
    ? tls.createServer({ ...deps.tls, minVersion: 'TLSv1.2' }, (socket) => {
        socket.setNoDelay(true);
        onSocket(socket);
      })
    : net.createServer({ noDelay: true }, onSocket);
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(deps.port, deps.host, () => resolve());
  });
  const address = tcp.address();
  const port = typeof address === 'object' && address ? address.port : deps.port;
  log.info({ port, tls: deps.tls !== undefined }, 'embedded MQTT broker listening');

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    accept(stream, ws, req.socket.remoteAddress ?? '', req);
  });

  return {
    aedes,
    port,
    setSecureContext(opts) {
      if (tcp instanceof tls.Server) tcp.setSecureContext(opts);
    },
    attachWebSocket(server, path = '/mqtt') {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        // The only WebSocket of the HTTP port: any other upgrade is answered and closed, never
        // left open (it would also hold the server's close forever).
        if (requestPath(req.url) !== path) return refuseUpgrade(socket, 404, `No WebSocket at ${requestPath(req.url).slice(0, 200)}`, { code: 'NOT_FOUND' });
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    stats: () => ({
      clients: aedes.connectedClients,
      ...counts,
      sessionMessages: sessions.queued,
      offlineDropped: sessions.dropped,
      authFailures: logins.stats.failures,
      authLockouts: logins.stats.lockouts,
      authThrottled: logins.stats.throttled,
      retainedMessages: retained.stats.messages,
      retainedBytes: retained.stats.bytes,
      retainedRefused: retained.stats.refused,
    }),
    async close() {
      // aedes first: it closes its clients, or net.Server.close would wait for them forever.
      const tcpClosed = new Promise<void>((r) => tcp.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await tcpClosed;
      // What is retained now is on disk for the next start.
      await retained.close();
    },
  };
}
