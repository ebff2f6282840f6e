/**
 * The message log's transactions: what the writer was handed, gathered for up to TRANSACTION_MS
 * or TRANSACTION_EVENTS events, then written in one transaction, one write at a time.
 *
 * Why here, on the writer's thread, and not in the consumer: the size of a transaction decides
 * what a row costs (a transaction writes each index page it touched once: 250 events a
 * transaction cost 44-50 us and 18.6 KiB written per event, 5,000 cost 24 us and 7.6 KiB;
 * docs/benchmarks.md, "The writers' page writes"), but a second of events held on the broker's
 * thread survives its young-generation collections (some 5 MB of strings at 5,000 events/s,
 * copied at every scavenge and then promoted) and lengthens the pauses of the thread that
 * delivers every MQTT message. So the consumer hands its events over every 50 ms
 * (consumer.ts), and this thread, which answers nobody, keeps them until the transaction is worth
 * writing. A crash loses at most what was gathered here and not yet committed: events are never
 * acknowledged to a charger on the log's account (docs/reliability.md).
 */
import type { EventBatch } from './writer.ts';

/** How long handed-over events gather before they are written in one transaction. */
export const TRANSACTION_MS = 1000;
/** A transaction is written at once when it holds this many events (5,000/s: one a second). */
export const TRANSACTION_EVENTS = 5000;

export interface Gather {
  /** Takes a batch; it is written within `ms`, or at once if the events gathered reach `maxEvents`. */
  add(batch: EventBatch): void;
  /** Writes what is gathered now; resolves once every write so far is done. */
  flush(): Promise<void>;
  /** Events gathered and not yet handed to `write`. */
  readonly gathered: number;
}

/**
 * `write` gets the gathered batches as one and resolves with how many events they held; it is
 * called one at a time (the next waits for the one before). `stored` hears of every write's
 * events once it is over, even one that threw, so that the backlog counted upstream always comes
 * down. `write` should not reject (the log writer reports store errors in its counters); if it
 * does, `onError` hears of it and the writes after it go on.
 */
export function createGather(opts: { write: (batch: EventBatch) => Promise<number>; stored: (events: number) => void; onError: (err: unknown) => void; ms?: number; maxEvents?: number }): Gather {
  const ms = opts.ms ?? TRANSACTION_MS;
  const maxEvents = opts.maxEvents ?? TRANSACTION_EVENTS;
  let pending: EventBatch[] = [];
  let events = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length) {
      const batches = pending;
      pending = [];
      events = 0;
      const all = batches.length === 1 ? batches[0]! : batches.flat();
      writing = writing
        .then(async () => {
          let written = all.length / 2;
          try {
            written = await opts.write(all);
          } finally {
            opts.stored(written);
          }
        })
        .catch(opts.onError);
    }
    return writing;
  };

  return {
    add(batch) {
      if (!batch.length) return;
      pending.push(batch);
      events += batch.length / 2;
      if (events >= maxEvents) void flush();
      else timer ??= setTimeout(flush, ms);
    },
    flush,
    get gathered() {
      return events;
    },
  };
}
