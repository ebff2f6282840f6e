/**
 * Retained messages of the embedded broker that survive its restart (issue 16): the `state`
 * shadows and `alerts` a platform finds on subscribing, even before a charger reconnects.
 *
 * aedes-persistence's in-memory persistence, as aedes uses by default, with `storeRetained`
 * replaced (as session-queues.ts replaces the queue methods): every retained message is kept
 * in memory, where aedes reads it for each new subscription, and in one SQLite file under
 * DATA_DIR (`retained.db`), read back into memory at start. Everything else (sessions, QoS 1
 * queues, wills) stays in memory as before. Why not aedes-persistence-level/-redis/-mongodb:
 * docs/dependencies.md.
 *
 * Writes are a group commit: the retained messages of an event-loop turn (and of every turn
 * while a commit runs) go to disk in one transaction, the latest per topic; a message whose
 * payload equals what is stored is not written again (the republish of every shadow at start).
 * `storeRetained` resolves once its message has been committed, so flushing the bus means
 * "on disk". synchronous = NORMAL in WAL mode: a commit survives a crash of the process and may
 * be lost on a power cut — what is retained here is derived (shadows are kept in the registry
 * and republished from it at start), so the fsync per commit is not worth its cost.
 *
 * Bounded (docs/mqtt.md "Retained messages"): at most `maxMessages` topics and `maxBytes` of
 * topic + payload. A message that would go past either is not retained (it is still delivered
 * to the subscribers connected now); what is retained stays. Counted, logged once per episode.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import memoryPersistence from 'aedes-persistence';
import { blobBuffer, openSqlite, prepare, transaction, type Database } from '../common/sqlite.ts';
import type { Logger } from '../common/logger.ts';

export interface RetainedLimits {
  maxMessages: number;
  maxBytes: number;
}

export interface RetainedStats {
  /** Topics with a retained message now. */
  readonly messages: number;
  /** Their topics and payloads, in bytes. */
  readonly bytes: number;
  /** Retained messages not kept because a limit was reached. */
  readonly refused: number;
}

interface RetainedPacket {
  cmd: 'publish';
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  [key: string]: unknown;
}

/** The part of an aedes persistence this file replaces or adds to. */
export interface RetainedPersistence {
  storeRetained(packet: RetainedPacket, cb?: (err: Error | null) => void): Promise<void> | void;
  destroy(cb?: () => void): Promise<void> | void;
  setup(broker: unknown): Promise<void>;
}

export interface RetainedStore {
  /** The persistence to give aedes (`Aedes.createBroker({ persistence })`). */
  persistence: RetainedPersistence;
  stats: RetainedStats;
  /** Commits what is pending and closes the file. */
  close(): Promise<void>;
}

// A CommonJS module whose export is the factory itself (as aedes imports it); its types declare
// it as `exports.default`.
const memory = memoryPersistence as unknown as () => unknown;

/** After a failed commit, the next attempt. */
const RETRY_MS = 5_000;

export async function createRetainedStore(opts: { file?: string | undefined; limits: RetainedLimits; log: Logger }): Promise<RetainedStore> {
  const log = opts.log.child({ component: 'retained' });
  const { limits } = opts;
  const p = memory() as unknown as RetainedPersistence;
  const inner = p.storeRetained.bind(p) as (packet: RetainedPacket) => Promise<void>;
  const innerDestroy = p.destroy.bind(p) as () => Promise<void>;
  /** The retained payload of each topic (the same Buffer memory holds: no copy). */
  const held = new Map<string, Buffer>();
  let bytes = 0;
  let refused = 0;
  let refusing = false;

  const db = opts.file ? openFile(opts.file, log) : null;
  const pending = new Map<string, { payload: Buffer | null; qos: number }>();
  let waiters: Array<() => void> = [];
  let scheduled = false;
  let failing = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  function commit(): void {
    scheduled = false;
    if (!db || closed) return;
    const batch = [...pending];
    pending.clear();
    const done = waiters;
    waiters = [];
    try {
      const put = prepare(db, 'INSERT INTO retained (topic, payload, qos) VALUES (?, ?, ?) ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos');
      const del = prepare(db, 'DELETE FROM retained WHERE topic = ?');
      transaction(db, () => {
        for (const [topic, m] of batch) (m.payload ? put.run(topic, m.payload, m.qos) : del.run(topic));
      }).immediate();
      if (failing) log.info({ file: opts.file }, 'retained messages are written to disk again');
      failing = false;
    } catch (err) {
      // Kept for the next attempt (a newer message of the same topic replaces it). The broker
      // goes on from memory; only a restart before the disk recovers would lose them.
      for (const [topic, m] of batch) if (!pending.has(topic)) pending.set(topic, m);
      if (!failing) log.error({ err, file: opts.file }, 'retained messages cannot be written to disk; they are kept in memory and written once it works again');
      failing = true;
      clearTimeout(retry);
      retry = setTimeout(schedule, RETRY_MS);
      retry.unref();
    }
    for (const w of done) w();
  }

  function schedule(): void {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(commit);
  }

  function toDisk(topic: string, payload: Buffer | null, qos: number): Promise<void> {
    if (!db) return Promise.resolve();
    pending.set(topic, { payload, qos });
    schedule();
    return new Promise<void>((resolve) => waiters.push(resolve));
  }

  /** Memory and disk, within the limits; `load` for what comes from the file (not written back). */
  function keep(packet: RetainedPacket, load: boolean): Promise<void> {
    const { topic, payload } = packet;
    const prev = held.get(topic);
    if (payload.length === 0) {
      // MQTT 3.1.1 §3.3.1.3: a retained message with an empty payload removes the topic's.
      if (prev === undefined) return inner(packet);
      held.delete(topic);
      bytes -= Buffer.byteLength(topic) + prev.length;
      return both(inner(packet), toDisk(topic, null, 0));
    }
    const size = Buffer.byteLength(topic) + payload.length;
    const nextBytes = bytes - (prev === undefined ? 0 : Buffer.byteLength(topic) + prev.length) + size;
    const nextCount = held.size + (prev === undefined ? 1 : 0);
    if (nextCount > limits.maxMessages || nextBytes > limits.maxBytes) {
      refused++;
      if (!refusing) log.warn({ topic, messages: held.size, bytes, ...limits }, 'retained message not kept: the retained store is full (MQTT_MAX_RETAINED_MESSAGES, MQTT_MAX_RETAINED_BYTES); what is retained stays');
      refusing = true;
      return Promise.resolve();
    }
    refusing = false;
    const same = prev !== undefined && prev.equals(payload);
    held.set(topic, payload);
    bytes = nextBytes;
    const stored = inner(packet);
    return load || same ? stored : both(stored, toDisk(topic, payload, packet.qos));
  }

  // The disk write is queued at once, in the order `held` changes, never after memory's own
  // promise: those settle in their own order, and a removal queued behind the store of the
  // message it removes left that message on disk, back after the next start.
  function both(memory: Promise<void>, disk: Promise<void>): Promise<void> {
    return Promise.all([memory, disk]).then(() => undefined);
  }

  if (db) {
    const rows = prepare(db, 'SELECT topic, payload, qos FROM retained ORDER BY rowid').all() as Array<{ topic: string; payload: Uint8Array; qos: number }>;
    for (const r of rows) await keep({ cmd: 'publish', topic: r.topic, payload: blobBuffer(r.payload), qos: r.qos as 0 | 1 | 2, retain: true }, true);
    if (rows.length) log.info({ messages: held.size, bytes, file: opts.file }, 'retained messages loaded');
  }

  p.storeRetained = (packet, cb) => {
    const r = keep(packet, false);
    if (!cb) return r;
    r.then(() => cb(null), cb);
  };

  async function close(): Promise<void> {
    if (closed) return;
    clearTimeout(retry);
    if (db) {
      if (pending.size) commit();
      closed = true;
      db.close();
    }
    closed = true;
  }
  p.destroy = (cb) => {
    const r = close().then(innerDestroy);
    if (!cb) return r;
    r.then(() => cb(), () => cb());
  };

  return {
    persistence: p,
    stats: {
      get messages() {
        return held.size;
      },
      get bytes() {
        return bytes;
      },
      get refused() {
        return refused;
      },
    },
    close,
  };
}

/**
 * The file, or null when it cannot be used (corrupt, unreadable): the broker then starts with
 * retained messages in memory only (logged), rather than not at all; the gateway republishes
 * every shadow from the registry at start.
 */
function openFile(file: string, log: Logger): Database | null {
  let db: Database | undefined;
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = openSqlite(file, ['busy_timeout = 5000', 'journal_mode = WAL', 'synchronous = NORMAL']);
    db.exec('CREATE TABLE IF NOT EXISTS retained (topic TEXT NOT NULL PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL) STRICT');
    prepare(db, 'SELECT count(*) FROM retained').get();
    return db;
  } catch (err) {
    db?.close();
    log.error({ err, file }, 'retained messages file unusable: retained messages are kept in memory only until the next start (move the file away to start afresh)');
    return null;
  }
}
