import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createAdmission, registerAdmission } from './admission.ts';
import { registerProblemHandler } from './problems.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('HTTP admission per event-loop turn', () => {
  it('starts at most perTurn requests in one turn, the rest on later turns in arrival order', async () => {
    const a = createAdmission({ perTurn: 2, maxQueued: 10 });
    const started: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => Promise.resolve(a.admit()).then(() => started.push(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(a.stats()).toMatchObject({ queued: 3, deferred: 3 });
    await turn();
    expect(started).toEqual([0, 1, 2, 3]);
    await turn();
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(a.stats().queued).toBe(0);
  });

  it('does not let a newcomer pass requests that wait', async () => {
    const a = createAdmission({ perTurn: 1, maxQueued: 10 });
    const order: string[] = [];
    void Promise.resolve(a.admit()).then(() => order.push('first'));
    void Promise.resolve(a.admit()).then(() => order.push('waiting'));
    await turn();
    // A new turn has begun and its one start went to the waiting request.
    void Promise.resolve(a.admit()).then(() => order.push('newcomer'));
    await turn();
    await turn();
    expect(order).toEqual(['first', 'waiting', 'newcomer']);
  });

  it('refuses past maxQueued with OVERLOADED, and admits again once the queue drains', async () => {
    const a = createAdmission({ perTurn: 1, maxQueued: 1 });
    a.admit();
    const waiting = a.admit();
    expect(() => a.admit()).toThrow(expect.objectContaining({ code: 'OVERLOADED', status: 503 }));
    expect(a.stats().refused).toBe(1);
    await waiting;
    await turn();
    await turn();
    expect(a.admit()).toBeUndefined();
  });

  it('answers 503 problem+json with Retry-After when the queue is full, and serves exempt paths', async () => {
    const app = Fastify();
    registerProblemHandler(app);
    registerAdmission(app, { perTurn: 1, maxQueued: 0, exempt: (p) => p === '/health' });
    app.get('/work', async () => ({ ok: true }));
    app.get('/health', async () => ({ status: 'ok' }));
    const [first, second, health] = await Promise.all([app.inject('/work'), app.inject('/work'), app.inject('/health')]);
    const statuses = [first.statusCode, second.statusCode].sort();
    expect(statuses).toEqual([200, 503]);
    const refused = first.statusCode === 503 ? first : second;
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(health.statusCode).toBe(200);
    await app.close();
  });
});
