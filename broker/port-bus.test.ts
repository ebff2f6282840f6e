/**
 * The bus across threads (port-bus.ts) over a real MessageChannel, against a recording bus on
 * the other end: order, batching per event-loop turn, pending until the other side has taken
 * them, failures reported to the publisher, subscriptions forwarded.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, MessageHandler } from './bus.ts';
import { bridgePortBus, createPortBus, type ToMain, type ToWorker } from './port-bus.ts';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

let withCallback = false;

function setup(opts: { fail?: (topic: string) => boolean; sendIntervalMs?: number } = {}) {
  const ch = new MessageChannel();
  channels.push(ch);
  const published: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  const subs: Array<{ filter: string; h: MessageHandler }> = [];
  let release: (() => void) | undefined;
  let holding = false;
  const main: Bus = {
    publish() {},
    publishAsync: async (topic, payload, o) => {
      published.push({ topic, payload: String(payload), qos: o.qos, retain: o.retain === true });
      if (opts.fail?.(topic)) throw new Error(`refused ${topic}`);
      if (holding) await new Promise<void>((r) => (release = r));
    },
    subscribe: async (filter, h) => void subs.push({ filter, h }),
    flush: async () => {},
    close: async () => {},
    pending: 0,
  };
  // The embedded bus's form (no promise per publish), over the same recording.
  if (withCallback) main.publishWithCallback = (topic, payload, o, cb) => void main.publishAsync(topic, payload, o).then(() => cb(), cb);
  const bridge = bridgePortBus(ch.port1 as never, main, () => undefined);
  ch.port1.on('message', (m: ToMain) => bridge.receive(m));
  const bus = createPortBus(ch.port2 as never, { sendIntervalMs: opts.sendIntervalMs });
  const batches: number[] = [];
  ch.port2.on('message', (m: ToWorker) => bus.receive(m));
  ch.port1.on('message', (m: ToMain) => m.type === 'publish' && batches.push(m.topics.length));
  return { bus, published, subs, batches, hold: () => (holding = true), release: () => ((holding = false), release?.()) };
}

describe.each([
  ['a bus with publishAsync only', false],
  ['a bus with publishWithCallback (the embedded one)', true],
])('port bus, to %s', (_name, callback) => {
  beforeEach(() => {
    withCallback = callback;
  });

  it('sends one turn of publishes as one batch, in order, and counts them pending until taken', async () => {
    const { bus, published, batches } = setup();
    for (let i = 0; i < 100; i++) bus.publish(`t/${i}`, `p${i}`, { qos: i % 2 ? 1 : 0, retain: i === 7 });
    expect(bus.pending).toBe(100);
    await bus.flush();
    expect(bus.pending).toBe(0);
    expect(batches).toEqual([100]);
    expect(published.map((p) => p.topic)).toEqual(Array.from({ length: 100 }, (_, i) => `t/${i}`));
    expect(published[7]).toEqual({ topic: 't/7', payload: 'p7', qos: 1, retain: true });
    expect(published[8]).toMatchObject({ qos: 0, retain: false });
  });

  it('under load sends at most one batch per send interval: publishes of the turns in between go in the next', async () => {
    // An interval far longer than the turns below take, so that nothing here races the clock.
    const interval = 300;
    const { bus, published, batches } = setup({ sendIntervalMs: interval });
    bus.publish('t/0', 'a', { qos: 1 });
    await bus.flush();
    // Right after a batch: the next turns' publishes wait for the interval, then go as one.
    for (let i = 1; i <= 3; i++) {
      bus.publish(`t/${i}`, 'b', { qos: 1 });
      await new Promise((r) => setImmediate(r));
    }
    expect(batches).toEqual([1]);
    await new Promise((r) => setTimeout(r, interval + 5));
    await bus.flush();
    expect(batches).toEqual([1, 3]);
    expect(published.map((p) => p.topic)).toEqual(['t/0', 't/1', 't/2', 't/3']);
  });

  it('carries string and Buffer payloads byte for byte, multi-byte characters and empty ones included', async () => {
    const { bus, published } = setup();
    const payloads = ['{"name":"Ladesäule Ost","sign":"€"}', '', '😀 ☃', 'x'.repeat(70_000)];
    for (const [i, p] of payloads.entries()) bus.publish(`s/${i}`, p, { qos: 1 });
    bus.publish('b/0', Buffer.from([0x7b, 0xc3, 0xa9, 0x7d]), { qos: 0 });
    await bus.flush();
    expect(published.map((p) => p.payload)).toEqual([...payloads, '{é}']);
  });

  it('resolves publishAsync once the other side took it, and rejects when it refused', async () => {
    const s = setup({ fail: (t) => t === 'bad' });
    s.hold();
    const ok = s.bus.publishAsync('good', 'x', { qos: 1 });
    let settled = false;
    void ok.then(() => (settled = true));
    // Barrier: the batch reached the other side (it is holding it).
    while (s.published.length === 0) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(s.bus.pending).toBe(1);
    s.release();
    await ok;
    expect(s.bus.pending).toBe(0);
    await expect(s.bus.publishAsync('bad', 'y', { qos: 1 })).rejects.toThrow(/refused bad/);
  });

  it('subscribes through the other side and delivers what matches, bytes intact', async () => {
    const { bus, subs } = setup();
    const got: Array<[string, string]> = [];
    await bus.subscribe('+/state', (t, p) => got.push([t, p.toString()]), { qos: 1 });
    expect(subs.map((x) => x.filter)).toEqual(['+/state']);
    subs[0]!.h('a:1/state', Buffer.from('{"é":1}'));
    subs[0]!.h('a:2/state', Buffer.from('{}'));
    while (got.length < 2) await new Promise((r) => setImmediate(r));
    expect(got).toEqual([['a:1/state', '{"é":1}'], ['a:2/state', '{}']]);
  });
});
