/**
 * Issue 17: a 2.1 station (ocpp-rpc's RPCClient, protocols ['ocpp2.1'], strict mode) boots and
 * runs a session like a 2.0.1 one; a raw WebSocket speaking OCPP-J 2.1 opens a periodic event
 * stream and sends NotifyPeriodicEventStream as a SEND (message type 6): it becomes telemetry
 * and is never answered (a barrier CALL's CALLRESULT is the next frame). A CALLRESULTERROR (5)
 * from the station is published as an event.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

const stateOf = (cpId: string) => (m: Received) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId;

/** A raw OCPP-J 2.1 peer: frames in order, and the frames it got back. */
async function rawStation(url: string) {
  const ws = new WebSocket(url, ['ocpp2.1']);
  await once(ws, 'open');
  const frames: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)) as unknown[]);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    ws,
    frames,
    send: (f: unknown[]) => ws.send(JSON.stringify(f)),
    async reply(id: string) {
      for (;;) {
        const f = frames.find((x) => x[1] === id);
        if (f) return f;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe('an OCPP 2.1 station', () => {
  it('boots and runs a session with the 2.1 schemas', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'BIDI-21', { protocols: ['ocpp2.1'] });
    expect(cp.protocol).toBe('ocpp2.1');
    expect(await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V2G', model: 'Bidi 11' } })).toMatchObject({ status: 'Accepted' });
    const base = (await platform.waitFor(stateOf('BIDI-21'))).topic.split('/')[0]!;
    await cp.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    const now = new Date().toISOString();
    await cp.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: now,
      triggerReason: 'CablePluggedIn',
      seqNo: 0,
      transactionInfo: { transactionId: 'V2G-1', chargingState: 'Charging' },
      evse: { id: 1, connectorId: 1 },
      meterValue: [{ timestamp: now, sampledValue: [{ value: 5000, measurand: 'Energy.Active.Import.Register' }, { value: 1200, measurand: 'Energy.Active.Export.Register' }, { value: -7.4, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'kW' } }] }],
    });
    const a = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['chargerTransactionId'] === 'V2G-1');
    // Import and export registers kept apart (bidirectional charging).
    expect(a.json).toMatchObject({ energy: 5000, energyExport: 1200, power: -7400, evseId: 1 });
    await cp.close();
  });

  it('takes 2.1 commands (a 2.1-only one included) and the neutral ones over HTTP, validated by the 2.1 schemas', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const cp = await connectCharger(sys, 'CMD-21', { protocols: ['ocpp2.1'] });
    const got: Array<[string, unknown]> = [];
    cp.handle(async ({ method, params }) => {
      got.push([method!, params]);
      return method === 'GetTariffs' ? { status: 'NoTariff' } : { status: 'Accepted' };
    });
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    await cp.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    const deviceId = (await platform.waitFor(stateOf('CMD-21'))).topic.split(/[:/]/)[1]!;
    const tariffs = await admin.post(`/devices/${deviceId}/commands`, { action: 'GetTariffs', payload: { evseId: 0 } });
    expect(tariffs.status).toBe(200);
    expect(tariffs.body.response).toEqual({ status: 'NoTariff' });
    const start = await admin.post(`/devices/${deviceId}/commands`, { action: 'remoteStart', payload: { idTag: 'NOA', connectorId: 1 } });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ action: 'remoteStart', response: { status: 'Accepted' }, ocpp: { action: 'RequestStartTransaction' } });
    // A 2.1 payload its schema refuses: named, never sent.
    const bad = await admin.post(`/devices/${deviceId}/commands`, { action: 'GetTariffs', payload: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.payload.evseId');
    expect(got.map(([m]) => m)).toEqual(['GetTariffs', 'RequestStartTransaction']);
    expect(got[1]![1]).toMatchObject({ idToken: { idToken: 'NOA', type: 'Central' }, evseId: 1 });
    await cp.close();
  });

  it('a NotifyPeriodicEventStream SEND becomes telemetry and is never answered; a CALLRESULTERROR is an event', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const st = await rawStation(`${sys.ocppUrl}/STREAM-21`);
    st.send([2, 'b1', 'BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } }]);
    expect((await st.reply('b1'))[0]).toBe(3);
    const base = (await platform.waitFor(stateOf('STREAM-21'))).topic.split('/')[0]!;
    st.send([2, 'o1', 'OpenPeriodicEventStream', { constantStreamData: { id: 7, variableMonitoringId: 42, params: { interval: 1, values: 2 } } }]);
    expect(await st.reply('o1')).toEqual([3, 'o1', { status: 'Accepted' }]);
    const basetime = '2026-12-01T12:00:00.000Z';
    st.send([6, 's1', 'NotifyPeriodicEventStream', { id: 7, pending: 0, basetime, data: [{ t: 0, v: '11.5' }, { t: 1.5, v: '11.7' }] }]);
    // A SEND with an invalid payload is not answered either.
    st.send([6, 's2', 'NotifyPeriodicEventStream', { id: 'seven' }]);
    st.send([5, 'r1', 'FormatViolation', 'that answer was not valid', {}]);
    st.send([2, 'h1', 'Heartbeat', {}]);
    expect((await st.reply('h1'))[0]).toBe(3);
    expect(st.frames.map((f) => f[1])).toEqual(['b1', 'o1', 'h1']);
    const first = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === basetime);
    expect(first.json).toEqual({ timestamp: basetime, connectorId: 0, variableMonitoringId: 42, context: 'PeriodicEventStream', stream_7: 11.5 });
    await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === '2026-12-01T12:00:01.500Z' && m.json['stream_7'] === 11.7);
    const refused = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'resultRefused');
    expect(refused.json).toMatchObject({ messageId: 'r1', error: { code: 'FormatViolation' } });
    st.ws.close();
  });
});
