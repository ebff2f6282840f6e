/**
 * Bus over the in-process aedes instance: a publish is a function call, no socket, no
 * MQTT encoding on the gateway side (the hot path's cheapest route to subscribers).
 */
import type { Aedes, PublishPacket } from 'aedes';
import type { Logger } from '../common/logger.ts';
import type { Bus, MessageHandler, PublishOptions } from './bus.ts';
import { PendingTracker } from './pending.ts';

export function createEmbeddedBus(aedes: Aedes, log: Logger): Bus {
  const pending = new PendingTracker();
  const subs: Array<{ filter: string; fn: (packet: PublishPacket, cb: () => void) => void }> = [];

  const persistence = (aedes as unknown as { persistence: { storeRetained(p: object): Promise<void> } }).persistence;

  function publishWithCallback(topic: string, payload: string | Buffer, opts: PublishOptions, cb: (err?: Error) => void): void {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const packet = { cmd: 'publish', topic, payload: buf, qos: opts.qos, retain: false, dup: false } as PublishPacket;
    pending.begin();
    if (!opts.retain) {
      aedes.publish(packet, (err) => {
        pending.end();
        cb(err ?? undefined);
      });
      return;
    }
    // aedes (1.2) awaits the retained store before emitting a retained publish; publishes
    // issued meanwhile are emitted first with a higher brokerCounter, and each subscriber's
    // dedupe (lib/client.js) then drops the retained one: live subscribers would miss state
    // changes. So we store the retained copy ourselves (synchronously ordered per topic) and
    // emit the live message as an ordinary publish, in order. Late subscribers get the stored
    // copy with retain=1; live ones get retain=0, as MQTT 3.1.1 §3.3.1.3 prescribes.
    //
    // The stored copy gets its own right-sized memory: `Buffer.from(string)` of a small
    // payload is a slice of a shared 8 KiB pool slab, and keeping one retained slice alive
    // pins the whole slab (measured with bench/memory.ts: ~3 KiB per charger).
    const own = Buffer.allocUnsafeSlow(buf.length);
    buf.copy(own);
    // Answered once both the store and the emit are done, with the first error of either.
    let waiting = 2;
    let failed: Error | undefined;
    const settle = (err?: Error | null) => {
      if (err && !failed) failed = err;
      if (--waiting > 0) return;
      pending.end();
      cb(failed);
    };
    persistence.storeRetained({ cmd: 'publish', topic, payload: own, qos: opts.qos, retain: true }).then(() => settle(), settle);
    aedes.publish(packet, settle);
  }

  function publishAsync(topic: string, payload: string | Buffer, opts: PublishOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => publishWithCallback(topic, payload, opts, (err) => (err ? reject(err) : resolve())));
  }

  return {
    publish(topic, payload, opts) {
      publishAsync(topic, payload, opts).catch((err: unknown) => log.error({ err, topic }, 'publish failed'));
    },
    publishAsync,
    publishWithCallback,
    async subscribe(filter: string, handler: MessageHandler) {
      const fn = (packet: PublishPacket, cb: () => void) => {
        try {
          handler(packet.topic, packet.payload as Buffer);
        } finally {
          cb();
        }
      };
      subs.push({ filter, fn });
      await new Promise<void>((resolve) => aedes.subscribe(filter, fn as never, () => resolve()));
    },
    flush: () => pending.drain(),
    async close() {
      await pending.drain();
      for (const s of subs.splice(0)) {
        await new Promise<void>((resolve) => aedes.unsubscribe(s.filter, s.fn as never, () => resolve()));
      }
    },
    get pending() {
      return pending.size;
    },
  };
}
