import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import type { AlertTarget } from '../contracts/alerts.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { backoffDelay, createDeliveryQueue, type DeliveryQueue } from './delivery.ts';
import { DeliveryError, type Outgoing } from './senders.ts';

const log = createLogger('silent');

describe('retry delays', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [9, 256_000],
    [10, 300_000],
    [30, 300_000],
  ])('after %i failed attempts: %i ms', (attempts, ms) => {
    expect(backoffDelay(attempts, 1000, 300_000)).toBe(ms);
  });
});

describe('delivery queue (a real SQLite store)', () => {
  let dir = '';
  let store: RegistryStore | undefined;
  let queue: DeliveryQueue | undefined;
  afterEach(async () => {
    queue?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function setup(send: (t: AlertTarget, o: Outgoing) => Promise<void>, limits: { maxPending: number; maxAttempts: number }) {
    dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-delivery-'));
    store = createSqliteStore({ file: path.join(dir, 'registry.db') });
    await store.migrate();
    const target = await store.createAlertTarget({ tenant: 'acme', type: 'webhook', url: 'http://127.0.0.1:9/', secret: 'x'.repeat(16) });
    queue = createDeliveryQueue({ store, log, senders: { webhook: send, email: send }, limits: { ...limits, backoffMs: 10, backoffMaxMs: 40, concurrency: 1 } });
    return target;
  }

  const until = async (what: string, fn: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await fn())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('retries until delivered, recording each failed attempt', async () => {
    let calls = 0;
    await setup(async () => {
      if (++calls < 3) throw new DeliveryError('HTTP_STATUS', 'HTTP 503');
    }, { maxPending: 10, maxAttempts: 5 });
    await queue!.enqueue('acme', 'a1', 'alert.raised', '{"event":"alert.raised"}');
    await until('delivered', async () => (await store!.listDeliveries({ status: 'delivered' })).total === 1);
    const [d] = (await store!.listDeliveries({})).items;
    expect(d).toMatchObject({ attempts: 3, lastError: 'HTTP_STATUS: HTTP 503', status: 'delivered' });
  });

  it('keeps a delivery as failed after the last attempt', async () => {
    await setup(async () => {
      throw new DeliveryError('NETWORK', 'ECONNREFUSED');
    }, { maxPending: 10, maxAttempts: 2 });
    await queue!.enqueue('acme', 'a1', 'alert.raised', '{}');
    await until('failed', async () => (await store!.listDeliveries({ status: 'failed' })).total === 1);
    expect((await store!.listDeliveries({})).items[0]).toMatchObject({ attempts: 2, lastError: 'NETWORK: ECONNREFUSED' });
  });

  it('past the bound the oldest waiting delivery is dropped and kept as failed (QUEUE_FULL)', async () => {
    // A receiver that never answers holds the one send slot: the rest wait in the queue.
    const hold: Array<() => void> = [];
    await setup(() => new Promise<void>((resolve) => hold.push(resolve)), { maxPending: 2, maxAttempts: 5 });
    await queue!.enqueue('acme', 'a1', 'alert.raised', '{"id":"a1"}');
    await until('a1 in the receiver', async () => hold.length === 1);
    for (const id of ['a2', 'a3', 'a4']) await queue!.enqueue('acme', id, 'alert.raised', `{"id":"${id}"}`);
    await until('one dropped', async () => (await store!.listDeliveries({ status: 'failed' })).total === 1);
    const failed = (await store!.listDeliveries({ status: 'failed' })).items;
    // a1 is being sent; a2 was the oldest waiting when a4 came.
    expect(failed.map((d) => [d.alertId, d.lastError?.split(':')[0]])).toEqual([['a2', 'QUEUE_FULL']]);
    expect(queue!.pending).toBe(3);
    for (const r of hold.splice(0)) r();
  });

  it('resumes pending deliveries after a restart', async () => {
    let sent: string[] = [];
    const target = await setup(async (_t, o) => void sent.push(o.body), { maxPending: 10, maxAttempts: 5 });
    await store!.createDelivery({ tenant: 'acme', alertId: 'a9', targetId: target.id, event: 'alert.raised', payload: '{"left":"over"}' });
    await queue!.resume();
    await until('sent', async () => sent.length === 1);
    expect(sent).toEqual(['{"left":"over"}']);
    await until('delivered', async () => (await store!.listDeliveries({ status: 'delivered' })).total === 1);
    sent = [];
  });
});
