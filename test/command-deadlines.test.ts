/**
 * Issue 13 "Commands have one outcome": a command the caller was told timed out is never sent
 * afterwards. The charger is a real OCPP-J client (ocpp-rpc, strict) that takes ~1.9 s to answer
 * each call; commands with timeoutMs 2000 sent at once queue behind each other (one CALL at a
 * time, OCPP-J 1.6 §4.1.1). Each is answered ok, `timeout` with `sent: true` (it reached the
 * charger), `timeout` with `sent: false` (it never will), or `busy` past the per-charger bound.
 *
 * "Never reaches the charger" is proven with a barrier: after the burst, a marker command goes
 * down the same connection; once the charger has it, anything queued before it has either been
 * delivered already or been dropped (FIFO, one at a time).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { forwardTopic } from '../gateway/commands/router.ts';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api, type HttpResult } from './http.ts';

const ANSWER_AFTER_MS = 1900;
const MAX_QUEUED = 4;

let sys: System;
let platform: Platform;
let charger: RPCClient;
let deviceId: string;
/** The DataTransfer messageIds the charger received, in order. */
const received: string[] = [];
const http = () => api(sys.httpUrl, ADMIN_TOKEN);

beforeAll(async () => {
  sys = await startSystem({ OCPP_MAX_QUEUED_COMMANDS: String(MAX_QUEUED) });
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/config/reply', '+/events', '+/state'] });
  charger = await connectCharger(sys, 'SLOW-1');
  charger.handle(async ({ params }) => {
    received.push(String((params as { messageId?: string }).messageId));
    await new Promise((r) => setTimeout(r, ANSWER_AFTER_MS));
    return { status: 'Accepted' };
  });
  deviceId = (await platform.waitFor((m) => m.json['chargePointId'] === 'SLOW-1')).topic.split(/[:/]/)[1]!;
});
afterAll(async () => {
  await charger?.close({ force: true });
  await platform?.close();
  await sys?.stop();
});

const tag = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const dataTransfer = (messageId: string) => ({ vendorId: 'chargebridge-test', messageId });

type Outcome = 'ok' | 'sent' | 'unsent' | 'busy';

/** The barrier: the marker is the next thing the charger sees after everything that was sent. */
async function assertOnlyDeliveredReachedTheCharger(before: number, outcomes: Map<string, Outcome>, marker: string, sendMarker: () => Promise<void>) {
  await sendMarker();
  const seen = received.slice(before);
  expect(seen.at(-1)).toBe(marker);
  const delivered = [...outcomes].filter(([, o]) => o === 'ok' || o === 'sent').map(([t]) => t);
  expect([...seen.slice(0, -1)].sort()).toEqual(delivered.sort());
}

function httpOutcome(r: HttpResult): Outcome {
  if (r.status === 200) return 'ok';
  // Every failure is the gateway's own answer, which knows whether it was sent.
  expect(r.type).toContain('application/problem+json');
  expect(typeof r.body.sent).toBe('boolean');
  if (r.status === 429) {
    expect(r.body).toMatchObject({ code: 'CHARGER_BUSY', sent: false });
    return 'busy';
  }
  expect(r).toMatchObject({ status: 504, body: { code: 'CHARGER_TIMEOUT' } });
  return r.body.sent ? 'sent' : 'unsent';
}

describe('over HTTP', () => {
  it('five commands with timeoutMs 2000 at once: the timed-out ones that were not sent never reach the charger', async () => {
    const before = received.length;
    const tags = tag('h', 5);
    const replies = await Promise.all(tags.map((t) => http().post(`/devices/${deviceId}/commands`, { action: 'DataTransfer', payload: dataTransfer(t), timeoutMs: 2000 })));
    const outcomes = new Map(tags.map((t, i) => [t, httpOutcome(replies[i]!)]));
    expect([...outcomes.values()]).not.toContain('busy');
    // At most one can be on the wire at its deadline; the charger takes 1.9 s per call.
    expect([...outcomes.values()].filter((o) => o === 'unsent').length).toBeGreaterThanOrEqual(1);
    await assertOnlyDeliveredReachedTheCharger(before, outcomes, 'h-marker', async () => {
      const r = await http().post(`/devices/${deviceId}/commands`, { action: 'DataTransfer', payload: dataTransfer('h-marker'), timeoutMs: 10_000 });
      expect(r.status).toBe(200);
    });
  });

  it(`past ${MAX_QUEUED} commands waiting, one more is refused at once with 429 CHARGER_BUSY and never sent`, async () => {
    const before = received.length;
    const tags = tag('b', MAX_QUEUED + 2);
    const replies = await Promise.all(tags.map((t) => http().post(`/devices/${deviceId}/commands`, { action: 'DataTransfer', payload: dataTransfer(t), timeoutMs: 2000 })));
    const outcomes = new Map(tags.map((t, i) => [t, httpOutcome(replies[i]!)]));
    // One on the wire, MAX_QUEUED waiting, the last refused.
    expect([...outcomes.values()].filter((o) => o === 'busy')).toHaveLength(1);
    await assertOnlyDeliveredReachedTheCharger(before, outcomes, 'b-marker', async () => {
      expect((await http().post(`/devices/${deviceId}/commands`, { action: 'DataTransfer', payload: dataTransfer('b-marker'), timeoutMs: 10_000 })).status).toBe(200);
    });
  });
});

describe('over MQTT', () => {
  let seq = 0;
  async function viaMqtt(messageId: string, timeoutMs: number) {
    const id = `dl-${++seq}`;
    await platform.client.publishAsync(`admin:${deviceId}/config`, JSON.stringify({ id, action: 'DataTransfer', payload: dataTransfer(messageId), timeoutMs }), { qos: 1 });
    return (await platform.waitFor((m) => m.topic === `admin:${deviceId}/config/reply` && m.json['id'] === id, timeoutMs + 8000)).json;
  }

  it('commands that time out behind a longer one are answered sent: false at their deadline and never arrive', async () => {
    const before = received.length;
    const tags = tag('m', 3);
    // Published in this order on one MQTT session, so taken in this order: m1 goes out at once
    // with 5 s to be answered in; m2 and m3 run out of their 1 s while m1 is on the wire.
    const replies = await Promise.all(tags.map((t, i) => viaMqtt(t, i === 0 ? 5000 : 1000)));
    const outcomes = new Map<string, Outcome>();
    for (const [i, r] of replies.entries()) {
      if (r['status'] === 'ok') {
        outcomes.set(tags[i]!, 'ok');
        continue;
      }
      const error = r['error'] as { code: string; sent?: unknown };
      expect(error.code).toBe('timeout');
      expect(typeof error.sent).toBe('boolean');
      outcomes.set(tags[i]!, error.sent ? 'sent' : 'unsent');
      // The command event carries the same error, `sent` included.
      const ev = await platform.waitFor((m) => m.topic === `admin:${deviceId}/events` && m.json['type'] === 'command' && m.json['id'] === r['id']);
      expect(ev.json['error']).toEqual(r['error']);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ m1: 'ok', m2: 'unsent', m3: 'unsent' });
    await assertOnlyDeliveredReachedTheCharger(before, outcomes, 'm-marker', async () => {
      expect(await viaMqtt('m-marker', 10_000)).toMatchObject({ status: 'ok' });
    });
  });
});

describe('forwarded from another gateway', () => {
  it('the time the command already spent before it was forwarded counts against its timeout', async () => {
    const before = received.length;
    const reply = (id: string) => platform.waitFor((m) => m.topic === `admin:${deviceId}/config/reply` && m.json['id'] === id, 10_000).then((m) => m.json);
    // What a gateway not holding the charger publishes (gateway/commands/router.ts).
    const forward = (id: string, timeoutMs: number, elapsedMs: number) =>
      sys.bus.publish(forwardTopic(sys.gateway!.id), JSON.stringify({ tenant: 'admin', deviceId, command: { id, action: 'DataTransfer', payload: dataTransfer(id), timeoutMs }, elapsedMs }), { qos: 1 });
    await platform.client.publishAsync(`admin:${deviceId}/config`, JSON.stringify({ id: 'f1', action: 'DataTransfer', payload: dataTransfer('f1'), timeoutMs: 5000 }), { qos: 1 });
    await vi.waitFor(() => expect(received.slice(before)).toEqual(['f1']));
    // f1 is on the wire for 1.9 s. f2 has 1 s of its 4 s left: it runs out behind f1 (with
    // its full 4 s it would have been sent after f1). f3 has none left.
    forward('f2', 4000, 3000);
    forward('f3', 2000, 2500);
    const [r1, r2, r3] = await Promise.all([reply('f1'), reply('f2'), reply('f3')]);
    expect(r1).toMatchObject({ status: 'ok' });
    expect(r2).toMatchObject({ status: 'error', error: { code: 'timeout', sent: false } });
    expect(r3).toMatchObject({ status: 'error', error: { code: 'timeout', sent: false } });
    await assertOnlyDeliveredReachedTheCharger(before, new Map<string, Outcome>([['f1', 'ok'], ['f2', 'unsent'], ['f3', 'unsent']]), 'f-marker', async () => {
      expect((await http().post(`/devices/${deviceId}/commands`, { action: 'DataTransfer', payload: dataTransfer('f-marker'), timeoutMs: 10_000 })).status).toBe(200);
    });
  });
});
