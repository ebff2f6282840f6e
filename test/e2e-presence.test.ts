/**
 * Issue 16 "Presence counts only the charger's CALLs": everything a charger sends proves it is
 * there — an answer (CALLRESULT or CALLERROR) to our command, a pong to our WebSocket ping —
 * and the shadow runs on the server's clock, never the charger's (docs/mqtt.md `state`).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createRPCError } from 'ocpp-rpc';
import WebSocket from 'ws';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System | undefined;
let platform: Platform | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

const states = (p: Platform, cpId: string) => p.messages.filter((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId);
async function baseOf(p: Platform, cpId: string): Promise<string> {
  return (await p.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId)).topic.split('/')[0]!;
}
const after = (p: Platform, n: number, pred: (m: Received) => boolean) => (m: Received) => p.messages.indexOf(m) >= n && pred(m);

describe('presence from any frame of the charger', () => {
  it('a charger that only answers pings stays online past the heartbeat tolerance', async () => {
    // Pinged within 2.5 s of silence (the keepalive sweeps every 500 ms), flagged after 3.5 s
    // of it: a second of slack for a loaded machine. A charger that does not answer is dropped
    // after about two intervals (4 s), so the barrier below comes after a whole tolerance.
    sys = await startSystem({ HEARTBEAT_TOLERANCE: '3.5', WS_PING_INTERVAL: '2' });
    platform = await Platform.connect(sys.mqttUrl);
    const pongs = await connectCharger(sys, 'PONG-ONLY'); // ws answers pings by itself
    const connectedAt = Date.now();
    await baseOf(platform, 'PONG-ONLY');
    // The barrier: a charger connected after it that sends nothing and answers no ping. It is
    // flagged offline (or dropped) only after a whole tolerance of silence, and the sweep that
    // flags it would have flagged the pong-only charger first (same sweep, connected earlier).
    const mute = new WebSocket(`${sys.ocppUrl}/PONG-MUTE`, ['ocpp1.6'], { autoPong: false });
    sockets.push(mute);
    await once(mute, 'open');
    const muteBase = await baseOf(platform, 'PONG-MUTE');
    await platform.waitFor((m) => m.topic === `${muteBase}/state` && m.json['online'] === false, 10_000, 'the mute charger offline');
    expect(Date.now() - connectedAt).toBeGreaterThan(3500);

    const mine = states(platform, 'PONG-ONLY');
    expect(mine.filter((m) => m.json['online'] === false)).toEqual([]);
    // lastSeen moved on with the pongs (republished at most half a tolerance behind).
    const last = mine.at(-1)!.json;
    expect(Date.parse(last['lastSeen'] as string)).toBeGreaterThan(Date.parse(last['connectedAt'] as string));
    await pongs.close();
  });

  it('an answer to a command, CALLRESULT or CALLERROR, brings a charger flagged offline back online', async () => {
    sys = await startSystem({ HEARTBEAT_TOLERANCE: '0.6', WS_PING_INTERVAL: '0' });
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'ANSWERS');
    let fail = true;
    cp.handle('GetConfiguration', async () => {
      if (fail) throw createRPCError('NotSupported', 'not on this model');
      return { configurationKey: [] };
    });
    const base = await baseOf(platform, 'ANSWERS');
    const deviceId = base.split(':')[1]!;
    const http = api(sys.httpUrl, ADMIN_TOKEN);

    for (const outcome of ['CALLERROR', 'CALLRESULT'] as const) {
      fail = outcome === 'CALLERROR';
      const n = platform.messages.length;
      // Silent: no Heartbeat, no ping (WS_PING_INTERVAL 0).
      const off = await platform.waitFor(after(platform, n, (m) => m.topic === `${base}/state` && m.json['offlineReason'] === 'heartbeatTimeout'), 5000, 'offline');
      const m = platform.messages.length;
      const r = await http.post(`/devices/${deviceId}/commands`, { action: 'GetConfiguration', payload: {} });
      // The charger's CALLERROR is a 502 problem (docs/api.md), its CALLRESULT a 200.
      expect(r.status, outcome).toBe(outcome === 'CALLRESULT' ? 200 : 502);
      const on = await platform.waitFor(after(platform, m, (x) => x.topic === `${base}/state` && x.json['online'] === true), 5000, `online after a ${outcome}`);
      expect(Date.parse(on.json['lastSeen'] as string), outcome).toBeGreaterThanOrEqual(Date.parse(off.json['disconnectedAt'] as string));
    }
    await cp.close();
  });

  it('lastSeen and a connector\'s updatedAt take the server\'s clock, not a queued message\'s', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'OLD-CLOCK');
    const base = await baseOf(platform, 'OLD-CLOCK');
    const before = Date.now();
    // Queued during an outage a day ago, delivered now.
    const dayAgo = new Date(before - 86_400_000).toISOString();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: dayAgo });
    const st = await platform.waitFor((m) => m.topic === `${base}/state` && (m.json['connectors'] as Record<string, { status: string }>)['1']?.status === 'Preparing');
    const connector = (st.json['connectors'] as Record<string, { updatedAt: string }>)['1']!;
    // Whole milliseconds: the shadow's ISO time and Date.now() agree to the millisecond.
    expect(Date.parse(connector.updatedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(st.json['lastSeen'] as string)).toBeGreaterThanOrEqual(before);
    // The charger's own start time stays in the ledger.
    const started = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'NOA', meterStart: 0, timestamp: dayAgo })) as { transactionId: number };
    const tx = await api(sys.httpUrl, ADMIN_TOKEN).get(`/transactions?deviceId=${base.split(':')[1]}`);
    expect(tx.body.items.find((t: { id: number }) => t.id === started.transactionId)).toMatchObject({ startedAt: dayAgo });
    const st2 = await platform.waitFor((m) => m.topic === `${base}/state` && (m.json['connectors'] as Record<string, { transactionId: number }>)['1']?.transactionId === started.transactionId);
    expect(Date.parse((st2.json['connectors'] as Record<string, { updatedAt: string }>)['1']!.updatedAt)).toBeGreaterThanOrEqual(before);
    await cp.close();
  });
});
