/**
 * The message log's consumer over a real aedes broker (the embedded bus): every event of one
 * batch window goes to the sink in one batch (or sooner, once it holds the most events a batch may), and the backlog bound (MESSAGE_LOG_MAX_BACKLOG) drops what
 * arrives past it, counted, until the writer catches up. The sink here holds its batches, the way
 * a writer thread that has not answered yet does, so the bound is reached deterministically.
 */
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import { createLogger } from '../common/logger.ts';
import { BATCH_MS, createLogConsumer, type LogSink } from './consumer.ts';
import type { EventBatch } from './writer.ts';
import { topicsFor } from '../contracts/topics.ts';

const brokers: Aedes[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await new Promise<void>((r) => b.close(() => r()));
});

async function setup(maxBacklog: number, maxEvents?: number) {
  const aedes = await Aedes.createBroker();
  brokers.push(aedes);
  const bus = createEmbeddedBus(aedes, createLogger('silent'));
  const held: Array<{ batch: EventBatch; done: (n: number) => void }> = [];
  const sink: LogSink = { submit: (batch, done) => void held.push({ batch, done }) };
  const consumer = createLogConsumer({ bus, topics: topicsFor('dojot'), sink, maxBacklog, log: createLogger('silent'), maxBatchEvents: maxEvents });
  await consumer.start();
  const publish = (n: number, from = 0) => Promise.all(Array.from({ length: n }, (_, i) => bus.publishAsync(`acme:d1/events`, JSON.stringify({ type: 'ocpp', n: from + i, ts: new Date().toISOString() }), { qos: 1 })));
  // The consumer hands its batch over BATCH_MS after the first event of it: a timer of the same
  // length started after the publishes fires after the consumer's (Node runs timers of one
  // duration in the order they were started).
  const turn = () => new Promise<void>((r) => setTimeout(r, BATCH_MS));
  return { bus, held, consumer, publish, turn };
}

describe('message log consumer', () => {
  it('hands the events of a batch window to the sink as one batch of topic and payload', async () => {
    const { held, publish, turn, consumer } = await setup(1000);
    await publish(3);
    await turn();
    expect(held).toHaveLength(1);
    expect(held[0]!.batch.filter((_, i) => i % 2 === 0)).toEqual(['acme:d1/events', 'acme:d1/events', 'acme:d1/events']);
    expect(held[0]!.batch.filter((_, i) => i % 2 === 1).map((p) => JSON.parse(p).n)).toEqual([0, 1, 2]);
    expect(consumer.stats).toEqual({ received: 3, dropped: 0, backlog: 3 });
  });

  it('gathers the events of several event-loop turns into one batch', async () => {
    const { held, publish, turn } = await setup(1000);
    await publish(2);
    await new Promise<void>((r) => setImmediate(r));
    expect(held).toHaveLength(0);
    await publish(2, 2);
    await turn();
    expect(held).toHaveLength(1);
    expect(held[0]!.batch.filter((_, i) => i % 2 === 1).map((p) => JSON.parse(p).n)).toEqual([0, 1, 2, 3]);
  });

  it('hands a batch over at once when it holds the most events a batch may, the rest in the next', async () => {
    const { held, publish, turn } = await setup(1000, 4);
    await publish(6);
    // Four at once, without waiting for the window; the other two once it passed.
    expect(held.map((h) => h.batch.length / 2)).toEqual([4]);
    await turn();
    expect(held.map((h) => h.batch.length / 2)).toEqual([4, 2]);
    expect(held.flatMap((h) => h.batch.filter((_, i) => i % 2 === 1).map((p) => JSON.parse(p).n))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('asks the sink to write what it holds at once when draining (it may gather for longer)', async () => {
    const aedes = await Aedes.createBroker();
    brokers.push(aedes);
    const bus = createEmbeddedBus(aedes, createLogger('silent'));
    const calls: string[] = [];
    const sink: LogSink = { submit: (batch, done) => (calls.push(`submit ${batch.length / 2}`), done(batch.length / 2)), flush: () => void calls.push('flush') };
    const consumer = createLogConsumer({ bus, topics: topicsFor('dojot'), sink, maxBacklog: 1000, log: createLogger('silent') });
    await consumer.start();
    await bus.publishAsync('acme:d1/events', JSON.stringify({ type: 'ocpp', ts: new Date().toISOString() }), { qos: 1 });
    await consumer.drain(1000);
    expect(calls).toEqual(['submit 1', 'flush']);
  });

  it('does not take other topics', async () => {
    const { bus, held, turn, publish } = await setup(1000);
    await bus.publishAsync('acme:d1/attrs', '{}', { qos: 1 });
    await bus.publishAsync('acme:d1/events/replay', '{}', { qos: 1 });
    await publish(1); // the barrier: once this one is in a batch, the others would be too
    await turn();
    expect(held.flatMap((h) => h.batch.filter((_, i) => i % 2 === 0))).toEqual(['acme:d1/events']);
  });

  it('drops what arrives past the backlog bound, counted, and logs again once the writer caught up', async () => {
    const { held, publish, turn, consumer } = await setup(100);
    await publish(150);
    await turn();
    expect(consumer.stats).toEqual({ received: 150, dropped: 50, backlog: 100 });
    // The oldest are kept, the newest dropped.
    expect(held.flatMap((h) => h.batch.filter((_, i) => i % 2 === 1).map((p) => JSON.parse(p).n))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const h of held.splice(0)) h.done(h.batch.length / 2);
    expect(consumer.stats.backlog).toBe(0);
    await publish(10, 150);
    await turn();
    expect(consumer.stats).toEqual({ received: 160, dropped: 50, backlog: 10 });
    // drain waits for the writer: it resolves once the held batch is done, and takes nothing after.
    const drained = consumer.drain(10_000);
    for (const h of held.splice(0)) h.done(h.batch.length / 2);
    await drained;
    expect(consumer.stats.backlog).toBe(0);
    await publish(5, 160);
    await turn();
    expect(consumer.stats.received).toBe(160);
    expect(held).toEqual([]);
  });
});
