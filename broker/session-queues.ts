/**
 * Bounds on the QoS 1 messages aedes keeps for persistent sessions (clean session = 0, MQTT
 * 3.1.1 §3.1.2.4) in its in-memory persistence, which has none of its own: a session whose
 * client is away, or does not acknowledge, would grow without end, and the queues of every
 * tenant share one process.
 *
 * - A session holds at most `maxMessages` (queued while away plus sent and not acknowledged),
 *   and all sessions of one tenant at most `maxTenantMessages`. Past either, a new message for
 *   the session is not kept (counted as dropped, `full` is told): the oldest are kept, as
 *   Mosquitto's max_queued_messages does (docs/mqtt.md). A connected client is still sent it.
 * - A session only ever holds its own tenant's messages: aedes queues a message for every
 *   persistent subscription that matches, so another tenant's `#` would otherwise fill it.
 * - A resuming session is sent its backlog as fast as its connection takes it, not faster
 *   (the broker's writes never wait for a slow socket, see outbox.ts).
 *
 * Done by replacing a few methods of the persistence instance aedes is given; the rest is
 * aedes-persistence as is.
 */
import { Readable, type Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { whenDrained } from './outbox.ts';

export interface SessionLimits {
  maxMessages: number;
  maxTenantMessages: number;
}

export interface SessionHooks {
  /** May the session (by its id) receive this topic (acl.ts `sessionMayReceive`). */
  mayQueue(sessionId: string, topic: string): boolean;
  /**
   * A message for this session was not kept: the session or its tenant is full. `first` for
   * the first message dropped since the session last held nothing (the one to log).
   */
  full(sessionId: string, first: boolean): void;
}

export interface SessionQueueStats {
  /** Messages held by all sessions now. */
  readonly queued: number;
  /** Messages not kept because a session or its tenant was full. */
  readonly dropped: number;
}

interface Sub {
  clientId: string;
}
interface Packet {
  topic: string;
  messageId?: number | undefined;
}
interface Counted {
  n: number;
  tenant: { n: number };
  dropping: boolean;
}
/** The methods of aedes-persistence replaced here (aedes calls them without callbacks). */
export interface SessionPersistence {
  outgoingEnqueue(sub: Sub, packet: Packet): Promise<void>;
  outgoingEnqueueCombi(subs: Sub[], packet: Packet): Promise<void>;
  outgoingUpdate(client: Pick<Client, 'id'>, packet: Packet): Promise<void>;
  outgoingClearMessageId(client: Pick<Client, 'id'>, packet: Packet): Promise<Packet | undefined>;
  outgoingStream(client: Pick<Client, 'id' | 'conn' | 'closed'>): Readable;
}

export function boundSessionQueues<P extends SessionPersistence>(persistence: P, limits: SessionLimits, hooks: SessionHooks): SessionQueueStats {
  const sessions = new Map<string, Counted>();
  const tenants = new Map<string, { n: number }>();
  let queued = 0;
  let dropped = 0;

  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  const update = persistence.outgoingUpdate.bind(persistence);
  const clear = persistence.outgoingClearMessageId.bind(persistence);
  const stream = persistence.outgoingStream.bind(persistence);

  function counted(id: string): Counted {
    let c = sessions.get(id);
    if (c === undefined) {
      const colon = id.indexOf(':');
      const tenant = colon < 0 ? '' : id.slice(0, colon);
      let t = tenants.get(tenant);
      if (t === undefined) tenants.set(tenant, (t = { n: 0 }));
      sessions.set(id, (c = { n: 0, tenant: t, dropping: false }));
    }
    return c;
  }

  /** Takes a place for the message in the session, or tells why not. */
  function admit(id: string): boolean {
    const c = counted(id);
    if (c.n >= limits.maxMessages || c.tenant.n >= limits.maxTenantMessages) {
      dropped++;
      hooks.full(id, !c.dropping);
      c.dropping = true;
      return false;
    }
    c.n++;
    c.tenant.n++;
    queued++;
    return true;
  }

  function release(id: string): void {
    const c = sessions.get(id);
    if (c === undefined || c.n === 0) return;
    c.n--;
    c.tenant.n--;
    queued--;
    if (c.n === 0) sessions.delete(id);
  }

  persistence.outgoingEnqueueCombi = async (subs, packet) => {
    if (subs.length === 0) return; // every QoS 1 publish: no persistent session wants it
    if (subs.length === 1) {
      if (hooks.mayQueue(subs[0]!.clientId, packet.topic) && admit(subs[0]!.clientId)) await enqueue(subs, packet);
      return;
    }
    // Also deduplicated per session: aedes lists a session once per matching subscription
    // (`#` and `+/attrs`), and would keep a second copy that is never acknowledged.
    const keep: Sub[] = [];
    const seen = new Set<string>();
    for (const sub of subs) {
      if (seen.has(sub.clientId)) continue;
      seen.add(sub.clientId);
      if (hooks.mayQueue(sub.clientId, packet.topic) && admit(sub.clientId)) keep.push(sub);
    }
    if (keep.length) await enqueue(keep, packet);
  };
  persistence.outgoingEnqueue = (sub, packet) => persistence.outgoingEnqueueCombi([sub], packet);

  persistence.outgoingUpdate = (client, packet) =>
    // aedes records the messageId of a message it sends to a connected persistent session,
    // and treats a message the session does not hold as an error that disconnects the client.
    // A message not kept because the session was full is still sent, once (MQTT 3.1.1 §4.3.2
    // at-least-once holds for what the session kept).
    update(client, packet).catch((err: unknown) => {
      if ((err as Error | undefined)?.message !== 'no such packet') throw err;
    });

  persistence.outgoingClearMessageId = async (client, packet) => {
    // aedes clears a message it did not forward (authorizeForward said no) by messageId before
    // one was given: the in-memory store would then remove whichever queued message has none
    // yet, another one of this session's. Either the session never held that message (mayQueue
    // is the forwarding rule) or it keeps it for the next connection (the client is closing, or
    // was disconnected for overflow): there is nothing to clear.
    if (packet.messageId === undefined) return undefined;
    const removed = await clear(client, packet);
    if (removed) release(client.id);
    return removed;
  };

  persistence.outgoingStream = (client) => Readable.from(paced(stream(client), client));

  return {
    get queued() {
      return queued;
    },
    get dropped() {
      return dropped;
    },
  };
}

async function* paced(source: Readable, client: Pick<Client, 'conn' | 'closed'>): AsyncGenerator<Packet> {
  const conn = client.conn as unknown as Duplex;
  for await (const packet of source) {
    if (conn.writableNeedDrain && !client.closed) await whenDrained(conn);
    yield packet as Packet;
  }
}
