/**
 * The command router's forwarding, against a bus where the test plays the broker and the other
 * gateway: a command for a charger held elsewhere leaves with the time it already spent, and
 * one arriving forwarded is executed with its deadline counted from the first gateway's receipt.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus, MessageHandler } from '../../broker/bus.ts';
import { createLogger } from '../../common/logger.ts';
import type { Gateway } from '../index.ts';
import type { Command, CommandReply } from '../../contracts/commands.ts';
import { createCommandRouter, forwardTopic } from './router.ts';
import { topicsFor } from '../../contracts/topics.ts';

function aBus() {
  const published: Array<{ topic: string; json: Record<string, unknown> }> = [];
  const subs = new Map<string, MessageHandler>();
  const bus: Bus = {
    publish: (topic, payload) => void published.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }),
    publishAsync: async (topic, payload) => void published.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }),
    subscribe: async (filter, handler) => void subs.set(filter, handler),
    flush: async () => undefined,
    close: async () => undefined,
    pending: 0,
  };
  const deliver = (filter: string, topic: string, msg: unknown) => subs.get(filter)!(topic, Buffer.from(JSON.stringify(msg)));
  return { bus, published, deliver };
}

function aGateway(execute: Gateway['execute']): Gateway {
  return { id: 'gw-a', execute, takenOver: () => undefined } as unknown as Gateway;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('forwarding between gateways', () => {
  it('forwards a command for a charger held by another gateway with the time already spent', async () => {
    const b = aBus();
    const execute = vi.fn<Gateway['execute']>(() => null);
    await createCommandRouter({ bus: b.bus, gateway: aGateway(execute), log: createLogger('silent'), sharedSubscription: false, topics: topicsFor('dojot') }).start();
    b.deliver('+/state', 'admin:dev1/state', { online: true, gateway: 'gw-b', connectedAt: null });
    b.deliver('+/config', 'admin:dev1/config', { id: 'c1', action: 'Reset', payload: { type: 'Soft' }, timeoutMs: 2000 });
    await vi.waitFor(() => expect(b.published).toHaveLength(1));
    const [fwd] = b.published;
    expect(fwd!.topic).toBe(forwardTopic('gw-b'));
    expect(fwd!.json).toMatchObject({ tenant: 'admin', deviceId: 'dev1', command: { id: 'c1', action: 'Reset', timeoutMs: 2000 } });
    expect(typeof fwd!.json['elapsedMs']).toBe('number');
    expect(fwd!.json['elapsedMs'] as number).toBeGreaterThanOrEqual(0);
  });

  it('executes a forwarded command as accepted elapsedMs ago (no elapsedMs: now)', async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const b = aBus();
    const calls: Array<[string, Command, number | undefined]> = [];
    const execute = vi.fn<Gateway['execute']>((deviceId, cmd, acceptedAt) => {
      calls.push([deviceId, cmd, acceptedAt]);
      return Promise.resolve<CommandReply>({ id: cmd.id, action: cmd.action, status: 'ok', response: {} });
    });
    await createCommandRouter({ bus: b.bus, gateway: aGateway(execute), log: createLogger('silent'), sharedSubscription: false, topics: topicsFor('dojot') }).start();
    const command = { id: 'c2', action: 'Reset', payload: { type: 'Soft' }, timeoutMs: 2000 };
    b.deliver(forwardTopic('gw-a'), forwardTopic('gw-a'), { tenant: 'admin', deviceId: 'dev1', command, elapsedMs: 1500 });
    b.deliver(forwardTopic('gw-a'), forwardTopic('gw-a'), { tenant: 'admin', deviceId: 'dev1', command: { ...command, id: 'c3' } });
    expect(calls.map(([d, c, at]) => [d, c.id, at])).toEqual([
      ['dev1', 'c2', 1_000_000 - 1500],
      ['dev1', 'c3', 1_000_000],
    ]);
    await vi.waitFor(() => expect(b.published.map((p) => [p.topic, p.json['id']])).toEqual([
      ['admin:dev1/config/reply', 'c2'],
      ['admin:dev1/config/reply', 'c3'],
    ]));
  });

  it('a charger held nowhere is answered offline, sent: false', async () => {
    const b = aBus();
    await createCommandRouter({ bus: b.bus, gateway: aGateway(() => null), log: createLogger('silent'), sharedSubscription: false, topics: topicsFor('dojot') }).start();
    b.deliver('+/config', 'admin:dev9/config', { id: 'c4', action: 'Reset', payload: { type: 'Soft' } });
    await vi.waitFor(() => expect(b.published.find((p) => p.topic === 'admin:dev9/config/reply')?.json).toMatchObject({ id: 'c4', error: { code: 'offline', sent: false } }));
  });
});
