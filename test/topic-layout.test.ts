/**
 * Issue 18: the all-in-one process (`npm start`, embedded broker) with MQTT_TOPIC_LAYOUT=tenant-level.
 * Every role takes the layout from the configuration: the gateway publishes and takes commands on
 * `{tenant}/{deviceId}/...`, history stores the attrs it reads back from the journal, the message
 * log the events, the alerts role publishes on `.../alerts`, HTTP commands and the dashboard's
 * live feed use the same topics, a replay says where it went; nothing is published in the Dojot
 * form.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

describe('MQTT_TOPIC_LAYOUT=tenant-level, every role in one process', () => {
  let sys: System;
  let platform: Platform;
  let charger: RPCClient;
  let id: string;
  const resets: string[] = [];
  const http = () => api(sys.httpUrl, ADMIN_TOKEN);
  const T0 = Date.parse('2026-12-02T10:00:00.000Z');

  beforeAll(async () => {
    sys = await startSystem({ MQTT_TOPIC_LAYOUT: 'tenant-level' });
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['#'] });
    charger = await connectCharger(sys, 'LAYOUT-1');
    charger.handle('Reset', async ({ params }) => {
      resets.push((params as { type: string }).type);
      return { status: 'Accepted' };
    });
    await charger.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    const st = await platform.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === 'LAYOUT-1' && m.json['registration'] === 'Accepted', 10_000, 'state');
    id = st.json['deviceId'] as string;
    await charger.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' });
    await charger.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date(T0).toISOString(), sampledValue: [{ value: '7400', measurand: 'Power.Active.Import', unit: 'W' }] }] });
  }, 60_000);

  afterAll(async () => {
    await charger?.close({ force: true }).catch(() => undefined);
    await platform?.close().catch(() => undefined);
    await sys?.stop();
  });

  it('the gateway and the alerts role publish on {tenant}/{deviceId}/...', async () => {
    expect((await platform.waitFor((m) => m.topic === `admin/${id}/attrs`, 10_000, 'attrs')).json['power']).toBe(7400);
    await platform.waitFor((m) => m.topic === `admin/${id}/events` && m.json['action'] === 'BootNotification', 10_000, 'event');
    await platform.waitFor((m) => m.topic === `admin/${id}/alerts` && (m.json['alerts'] as unknown[]).length > 0, 10_000, 'alerts');
    expect(platform.messages.filter((m) => m.topic.includes(':')).map((m) => m.topic)).toEqual([]);
  });

  it('history stores the attrs, the message log the events', async () => {
    await expect.poll(async () => ((await http().get(`/devices/${id}/history?attr=power&lastN=1`)).body.power ?? []).map((p: { value: number }) => p.value), { timeout: 15_000 }).toEqual([7400]);
    await expect.poll(async () => (await http().get('/message-log?chargePointId=LAYOUT-1&type=ocpp')).body.items?.map((i: { action: string }) => i.action), { timeout: 15_000 }).toContain('BootNotification');
  });

  it('commands over MQTT and HTTP reach the charger; the reply comes on {tenant}/{deviceId}/config/reply', async () => {
    await platform.client.publishAsync(`admin/${id}/config`, JSON.stringify({ id: 'layout-mqtt', action: 'Reset', payload: { type: 'Soft' } }), { qos: 1 });
    expect((await platform.waitFor((m) => m.topic === `admin/${id}/config/reply` && m.json['id'] === 'layout-mqtt', 10_000, 'reply')).json).toMatchObject({ status: 'ok' });
    const r = await http().post(`/devices/${id}/commands`, { action: 'Reset', payload: { type: 'Hard' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', response: { status: 'Accepted' } });
    expect(resets).toEqual(['Soft', 'Hard']);
  });

  it("a replay publishes on {tenant}/{deviceId}/events/replay and names that topic", async () => {
    const r = await http().post('/message-log/replay', { deviceId: id, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    expect(r.status).toBe(200);
    expect(r.body.topic).toBe(`admin/${id}/events/replay`);
    await platform.waitFor((m) => m.topic === `admin/${id}/events/replay` && m.json['replayed'] === true, 10_000, 'replay');
  });

  it("the dashboard's live feed carries the tenant-level topics", async () => {
    const ac = new AbortController();
    const res = await fetch(`${sys.httpUrl}/live`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: ac.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes(`"admin/${id}/state"`) && Date.now() < deadline) {
      const r = await Promise.race([reader.read(), new Promise<{ value: string }>((ok) => setTimeout(() => ok({ value: '' }), 500))]);
      text += r.value ?? '';
    }
    ac.abort();
    expect(text).toContain(`"topic":"admin/${id}/state"`);
  });
});
