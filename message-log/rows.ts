/**
 * What the message log stores of one `events` message (docs/message-log.md), and the filter a
 * query applies. Pure: a topic and its payload text in, a row out; no storage, no MQTT.
 */
import type { Topics } from '../contracts/topics.ts';

export type Direction = 'in' | 'out';

/** One logged event: the columns a query filters on, and the event as it was published. */
export interface LogRow {
  /** The event's `ts` (gateway time), ms since the epoch. */
  time: number;
  tenant: string;
  device: string;
  /** The event's `type`: `ocpp`, `command`, `connected`, ... (docs/mqtt.md). */
  type: string;
  /** `in` for a charger's CALL (`ocpp`), `out` for a command we sent (`command`); null for the rest. */
  direction: Direction | null;
  action: string | null;
  /** The OCPP message id (`ocpp`, `protocolWarning`, ...) or the command's id (`command`). */
  messageId: string | null;
  /** The error code the exchange ended with (a CALLERROR, `timeout`, `offline`, ...), if any. */
  error: string | null;
  /** The event's JSON text exactly as published. */
  payload: string;
}

/** A stored row: `id` orders rows of the same time (assigned by the store, increasing). */
export interface StoredRow extends LogRow {
  id: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : null);

const REQUEST = ',"request":';
/** `"ts":"<ISO time>"` closing the head: the field ocppEventPayload writes last before the request. */
const TS_LAST = /"ts":"[0-9T:.Z+-]{10,40}"$/;

/**
 * The event as JSON, or of an `ocpp` event as the gateway writes it (contracts/payloads.ts,
 * ocppEventPayload) only its head: every field but the request, `ts` the last of them, then
 * `"request":` and the CALL's own text. The row needs only the head's fields (the payload is
 * stored as it came), and parsing a MeterValues event of 1 KB whole took 4 µs of the writer
 * thread per event, the head alone 1.3. Only gateways publish on `events` topics (the broker's
 * ACL lets clients publish commands only, docs/mqtt.md), and of the gateway's layouts only
 * ocppEventPayload's has `ts` right before `"request":` (eventPayload writes ts last), with
 * the response or the error in the head. Anything else is parsed whole, and so is a head cut in
 * the wrong place (a `"request":` key inside the response): that leaves an object open, which
 * does not parse.
 */
function parseEvent(payload: string): unknown {
  const at = payload.indexOf(REQUEST);
  if (at > 0) {
    const head = payload.slice(0, at);
    if (TS_LAST.test(head.slice(-48))) {
      try {
        // An answered CALL has its response or its error in the head; without either, the
        // error may come after the request: read it whole.
        const v = JSON.parse(head + '}') as Record<string, unknown>;
        if (v['response'] !== undefined || v['error'] !== undefined) return v;
      } catch {
        // parsed whole below
      }
    }
  }
  return JSON.parse(payload);
}

/**
 * The row of an `events` message, or a reason it cannot be one: the topic is not a device's
 * `events` topic, the payload is not a JSON object with a `type` and a valid `ts`.
 */
export function toRow(topics: Topics, topic: string, payload: string): LogRow | { skip: string } {
  const t = topics.parse(topic);
  if (!t || t.kind !== 'events') return { skip: 'not an events topic' };
  let e: Record<string, unknown>;
  try {
    const v: unknown = parseEvent(payload);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { skip: 'not a JSON object' };
    e = v as Record<string, unknown>;
  } catch {
    return { skip: 'not JSON' };
  }
  const type = str(e['type']);
  const time = typeof e['ts'] === 'string' ? Date.parse(e['ts']) : Number.NaN;
  if (!type) return { skip: 'no type' };
  if (!Number.isFinite(time)) return { skip: 'no valid ts' };
  const err = e['error'];
  const direction: Direction | null = type === 'ocpp' ? (e['direction'] === 'out' ? 'out' : 'in') : type === 'command' ? 'out' : null;
  return {
    time,
    tenant: t.tenant,
    device: t.deviceId,
    type,
    direction,
    action: str(e['action']),
    messageId: str(type === 'command' ? e['id'] : e['messageId']),
    error: typeof err === 'object' && err !== null ? str((err as Record<string, unknown>)['code']) : null,
    payload,
  };
}

/** What a query selects (every field but `tenant` optional); from inclusive, to exclusive. */
export interface LogFilter {
  tenant: string;
  device?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  type?: readonly string[] | undefined;
  action?: readonly string[] | undefined;
  messageId?: string | undefined;
  direction?: Direction | undefined;
  /** Only exchanges that ended in an error (true) or without one (false). */
  failed?: boolean | undefined;
}

/**
 * The SQL condition of a filter over one day table's columns, with its parameters (positional,
 * in order). Shared by every SQL backend; unit-tested.
 */
export function whereOf(f: LogFilter): { sql: string; params: Array<string | number> } {
  const where = ['tenant = ?'];
  const params: Array<string | number> = [f.tenant];
  if (f.device !== undefined) (where.push('device = ?'), params.push(f.device));
  if (f.from !== undefined) (where.push('time >= ?'), params.push(f.from));
  if (f.to !== undefined) (where.push('time < ?'), params.push(f.to));
  if (f.type?.length) (where.push(`type IN (${f.type.map(() => '?').join(', ')})`), params.push(...f.type));
  if (f.action?.length) (where.push(`action IN (${f.action.map(() => '?').join(', ')})`), params.push(...f.action));
  if (f.messageId !== undefined) (where.push('message_id = ?'), params.push(f.messageId));
  if (f.direction !== undefined) (where.push('direction = ?'), params.push(f.direction));
  if (f.failed !== undefined) where.push(f.failed ? 'error IS NOT NULL' : 'error IS NULL');
  return { sql: where.join(' AND '), params };
}

/** A stored row as the API shows it: the columns, and the event itself under `event`. */
export interface LogView {
  id: number;
  ts: string;
  deviceId: string;
  type: string;
  direction: Direction | null;
  action: string | null;
  messageId: string | null;
  error: string | null;
  event: unknown;
}

const head = (r: StoredRow) => ({ id: r.id, ts: new Date(r.time).toISOString(), deviceId: r.device, type: r.type, direction: r.direction, action: r.action, messageId: r.messageId, error: r.error });

export function viewOf(r: StoredRow): LogView {
  return { ...head(r), event: JSON.parse(r.payload) as unknown };
}

/** The same as one JSON line (export): the stored event text is spliced in, not parsed again. */
export function jsonLine(r: StoredRow): string {
  return `${JSON.stringify(head(r)).slice(0, -1)},"event":${r.payload}}\n`;
}

/** The payload republished by a replay: the stored event with `"replayed": true`. */
export function replayedPayload(payload: string): string {
  return `${payload.slice(0, payload.lastIndexOf('}'))},"replayed":true}`;
}
