/**
 * What a slow subscriber may cost (docs/mqtt.md "Slow subscribers"): the bytes the broker has
 * written to one client that its connection has not yet taken.
 *
 * aedes (lib/write.js) holds the callback of a write whose socket is full until the socket
 * drains. For a delivery that callback is mqemitter's, and the publish is complete only when
 * every subscriber's is called: one subscriber that stops reading held every publish (and the
 * gateway's answers to every charger, through its backpressure) for aedes' whole drainTimeout.
 * Here a client's writes never wait: the bytes stay in its connection's buffer, and that buffer
 * is bounded by the policy below, checked for every delivery (`authorizeForward`, and the QoS 0
 * path) and for every write that finds the socket full (`waitForDrain`, which aedes calls then).
 *
 * - above `qos0DropBytes` a QoS 0 delivery is dropped (the subscriber asked for at most once);
 * - above `maxBytes` the client is disconnected: QoS 1 messages for a persistent session stay
 *   in the session (session-queues.ts) and are sent again when it reconnects.
 *
 * What a client is sent for itself, not for a publisher, still goes at the pace its connection
 * takes, as in aedes: the retained messages a new subscription gets (thousands of state shadows
 * for `#`) here, a resumed session's backlog in session-queues.ts. Otherwise a platform on a
 * slow link would overflow on every subscribe and never catch up.
 */
import type { Duplex } from 'node:stream';
import type { Client, PublishPacket } from 'aedes';
import type { WebSocket } from 'ws';

export interface OutboxLimits {
  /** Bytes waiting above which QoS 0 deliveries are dropped. */
  qos0DropBytes: number;
  /** Bytes waiting above which the client is disconnected. */
  maxBytes: number;
}

export type OutboxVerdict = 'send' | 'drop' | 'disconnect';

/** Pure: what to do with a delivery at `qos` to a client with `queued` bytes waiting. */
export function outboxVerdict(queued: number, qos: 0 | 1 | 2, limits: OutboxLimits): OutboxVerdict {
  if (qos === 0) return queued > limits.qos0DropBytes ? 'drop' : 'send';
  return queued > limits.maxBytes ? 'disconnect' : 'send';
}

/** One client's connection: the TCP socket, or the stream over a WebSocket at /mqtt. */
export class Outbox {
  private readonly conn: Duplex;
  /** The WebSocket under `conn`: its own buffer (`bufferedAmount`) counts too. */
  private readonly ws: WebSocket | null;

  constructor(conn: Duplex, ws: WebSocket | null = null) {
    this.conn = conn;
    this.ws = ws;
  }

  /** Bytes written to the client and not yet taken by its connection (kernel buffers aside). */
  get queued(): number {
    return this.conn.writableLength + (this.ws === null ? 0 : this.ws.bufferedAmount);
  }
}

export interface OutboxHooks {
  /** A QoS 0 delivery was dropped. */
  dropped(client: Client, packet: PublishPacket): void;
  /** The client is past `maxBytes`: disconnect it. */
  overflow(client: Client): void;
}

type Deliver = (packet: PublishPacket, cb: () => void) => void;
interface AedesClientInternals {
  /** Delivery at QoS 0 (aedes lib/client.js); QoS 1 deliveries of a QoS 0 message come here too. */
  deliver0: Deliver;
  /**
   * Delivery at QoS 1 or 2; also how aedes sends a new subscription its retained messages
   * (lib/handlers/subscribe.js completeSubscribe), the only deliveries with `retain` set: live
   * ones have it cleared (MQTT 3.1.1 §3.3.1.3; aedes speaks no MQTT 5 retain-as-published).
   */
  deliverQoS: Deliver;
  /** Called by aedes' write() when the socket's write returned false (lib/write.js). */
  waitForDrain(done: (err: Error | null, client: Client) => void): void;
}

/**
 * Installs the policy on a client aedes has just created for a connection, before it has read
 * anything. The QoS 1 check is the caller's, in `authorizeForward` (it knows the principal).
 */
export function guardClient(client: Client, outbox: Outbox, limits: OutboxLimits, hooks: OutboxHooks): void {
  const c = client as unknown as AedesClientInternals;
  const deliver0 = c.deliver0;
  c.deliver0 = function deliverQoS0OrDrop(packet, cb) {
    if (outboxVerdict(outbox.queued, 0, limits) === 'drop' && !client.closed) {
      hooks.dropped(client, packet);
      // As aedes does for a packet it does not forward: mqemitter's callback, a turn later.
      setImmediate(cb);
      return;
    }
    deliver0(packet, cb);
  };
  const deliverQoS = c.deliverQoS;
  c.deliverQoS = function deliverRetainedAtItsPace(packet, cb) {
    // `cb` here moves aedes' retained stream for this subscription on, nobody else's.
    if (packet.retain && !client.closed && (client.conn as Duplex).writableNeedDrain) {
      void whenDrained(client.conn as Duplex).then(() => deliverQoS(packet, cb));
      return;
    }
    deliverQoS(packet, cb);
  };
  c.waitForDrain = function neverWait(done) {
    if (outboxVerdict(outbox.queued, 1, limits) === 'disconnect') hooks.overflow(client);
    setImmediate(done, null, client);
  };
}

/** How long a client's own backlog waits for its socket to drain before it is dropped, as aedes' drainTimeout. */
const DRAIN_TIMEOUT_MS = 30_000;

/** Resolves once `conn` has drained or closed; destroys it past DRAIN_TIMEOUT_MS. */
export function whenDrained(conn: Duplex): Promise<void> {
  if (conn.destroyed || !conn.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      conn.destroy(new Error('drain timeout'));
      done();
    }, DRAIN_TIMEOUT_MS);
    conn.on('drain', done);
    conn.on('close', done);
  });
}
