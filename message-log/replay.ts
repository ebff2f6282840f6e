/**
 * A replay of a stored range to MQTT (docs/message-log.md): each event is published again, in
 * time order, on `{tenant}:{deviceId}/events/replay` (`{tenant}/{deviceId}/events/replay`) with `"replayed": true` (never on `events`
 * itself, so live consumers and the log do not take it for a new exchange). Bounded: at most
 * `max` events per replay, read and published `CHUNK` at a time, each chunk handed to the broker
 * (`flush`) before the next is read, so a replay holds at most one chunk in memory.
 */
import type { Bus } from '../broker/bus.ts';
import type { Topics } from '../contracts/topics.ts';
import { replayedPayload, type LogFilter } from './rows.ts';
import type { LogCursor, MessageLogStore } from './types.ts';

const CHUNK = 500;
export const REPLAY_SUFFIX = 'events/replay' as const;

export interface ReplayResult {
  published: number;
  /** More events matched than `max`: a further replay from `next` (ISO time) goes on. */
  truncated: boolean;
  next: string | null;
}

export async function replayRange(deps: { store: MessageLogStore; bus: Bus; topics: Topics }, filter: LogFilter, max: number): Promise<ReplayResult> {
  let after: LogCursor | null = null;
  let published = 0;
  for (;;) {
    const want = Math.min(CHUNK, max - published);
    // One more than wanted: whether the range goes on.
    const rows = await deps.store.scan(filter, after, want + 1);
    const take = rows.slice(0, want);
    for (const r of take) deps.bus.publish(deps.topics.device(r.tenant, r.device, REPLAY_SUFFIX), replayedPayload(r.payload), { qos: 1 });
    published += take.length;
    await deps.bus.flush();
    if (rows.length <= want) return { published, truncated: false, next: null };
    if (published >= max) return { published, truncated: true, next: new Date(rows[want]!.time).toISOString() };
    after = { time: take.at(-1)!.time, id: take.at(-1)!.id };
  }
}
