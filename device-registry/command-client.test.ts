/**
 * The HTTP side of commands against a bus where the test plays the gateway (fake timers): it
 * waits for the gateway's own deadline answer, and when no gateway answers at all it says the
 * outcome is unknown rather than claiming anything about the charger.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus, MessageHandler } from '../broker/bus.ts';
import type { CommandReply } from '../contracts/commands.ts';
import { createCommandClient, REPLY_MARGIN_MS } from './command-client.ts';
import { topicsFor } from '../contracts/topics.ts';

/** A bus that records publishes and lets the test deliver replies to the subscriber. */
function aBus() {
  const published: Array<{ topic: string; json: Record<string, unknown> }> = [];
  const handlers: MessageHandler[] = [];
  const bus: Bus = {
    publish: (topic, payload) => void published.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }),
    publishAsync: async (topic, payload) => void published.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }),
    subscribe: async (_filter, handler) => void handlers.push(handler),
    flush: async () => undefined,
    close: async () => undefined,
    pending: 0,
  };
  return {
    bus,
    published,
    reply(deviceId: string, r: CommandReply) {
      for (const h of handlers) h(`admin:${deviceId}/config/reply`, Buffer.from(JSON.stringify(r)));
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('command client', () => {
  it('sends the timeout it will wait for, explicitly, even when the caller gave none', async () => {
    const b = aBus();
    const client = createCommandClient({ bus: b.bus, topics: topicsFor('dojot'), defaultTimeoutMs: 7000 });
    await client.start();
    void client.send('admin', 'dev1', { action: 'Reset', payload: { type: 'Soft' } });
    expect(b.published).toEqual([{ topic: 'admin:dev1/config', json: expect.objectContaining({ action: 'Reset', timeoutMs: 7000 }) }]);
  });

  it("takes the gateway's deadline answer that arrives after timeoutMs, within the margin", async () => {
    vi.useFakeTimers();
    const b = aBus();
    const client = createCommandClient({ bus: b.bus, topics: topicsFor('dojot'), defaultTimeoutMs: 30_000 });
    await client.start();
    const p = client.send('admin', 'dev1', { action: 'Reset', payload: { type: 'Soft' }, timeoutMs: 2000 });
    const id = String(b.published[0]!.json['id']);
    vi.advanceTimersByTime(REPLY_MARGIN_MS + 1999);
    b.reply('dev1', { id, action: 'Reset', status: 'error', error: { code: 'timeout', message: 'not sent', sent: false } });
    expect(await p).toEqual({ id, action: 'Reset', status: 'error', error: { code: 'timeout', message: 'not sent', sent: false } });
  });

  it('with no reply at all it answers timeout with `sent` unknown (absent)', async () => {
    vi.useFakeTimers();
    const b = aBus();
    const client = createCommandClient({ bus: b.bus, topics: topicsFor('dojot'), defaultTimeoutMs: 30_000 });
    await client.start();
    let settled: CommandReply | undefined;
    void client.send('admin', 'dev1', { action: 'Reset', payload: { type: 'Soft' }, timeoutMs: 2000 }).then((r) => (settled = r));
    await vi.advanceTimersByTimeAsync(REPLY_MARGIN_MS + 1999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ status: 'error', error: { code: 'timeout' } });
    expect(settled!.status === 'error' && 'sent' in settled!.error).toBe(false);
  });
});
