/**
 * Issue 19: GET /metrics through prom-client, from every thread of the all-in-one process: OCPP
 * exchanges by action and result with latency histograms, commands' round trips, each thread's
 * event-loop lag and heap, the process's CPU and memory; read with a METRICS_TOKEN that opens
 * nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef';
let sys: System;
let cp: RPCClient;

beforeAll(async () => {
  sys = await startSystem({ METRICS_TOKEN });
  cp = await connectCharger(sys, 'MET-1');
  cp.handle('Reset', async () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
  for (let i = 0; i < 3; i++) await cp.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(1000 + i) }] }] });
});

afterAll(async () => {
  await cp?.close({ force: true });
  await sys?.stop();
});

const scrape = async (token = METRICS_TOKEN) => {
  const r = await api(sys.httpUrl, token).get('/metrics');
  return { status: r.status, text: String(r.text), type: r.type };
};
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('counts exchanges by action and result and times them, on the gateway thread', async () => {
    const admin = api(sys.httpUrl, ADMIN_TOKEN);
    const platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state'] });
    const device = (await platform.waitFor((m) => m.json['chargePointId'] === 'MET-1')).topic.split(/[:/]/)[1]!;
    await platform.close();
    expect((await admin.post(`/devices/${device}/commands`, { action: 'Reset', payload: { type: 'Soft' } })).status).toBe(200);
    // The gateway thread's registry reaches the main thread once a second.
    let text = '';
    await expect
      .poll(async () => (text = (await scrape()).text) && value(text, 'chargebridge_command_duration_seconds_count{action="Reset",result="ok",thread="gateway"}'), { timeout: 10_000 })
      .toBe(1);
    expect(value(text, 'chargebridge_ocpp_messages_total{direction="in",action="BootNotification",result="ok",thread="gateway"}')).toBe(1);
    expect(value(text, 'chargebridge_ocpp_messages_total{direction="in",action="MeterValues",result="ok",thread="gateway"}')).toBe(3);
    expect(value(text, 'chargebridge_ocpp_messages_total{direction="out",action="Reset",result="ok",thread="gateway"}')).toBe(1);
    expect(value(text, 'chargebridge_ocpp_frame_to_publish_seconds_count{action="MeterValues",thread="gateway"}')).toBe(3);
    expect(value(text, 'chargebridge_ocpp_call_duration_seconds_count{action="MeterValues",thread="gateway"}')).toBe(3);
    // Every bucket of a histogram is there, cumulative, ending at the count.
    expect(value(text, 'chargebridge_ocpp_call_duration_seconds_bucket{le="+Inf",action="MeterValues",thread="gateway"}')).toBe(3);
  });

  it('has each thread and the process, in valid exposition format', async () => {
    const { status, text, type } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    for (const thread of ['main', 'gateway', 'history']) {
      expect(value(text, `chargebridge_heap_used_bytes{thread="${thread}"}`)).toBeGreaterThan(0);
      expect(text).toContain(`chargebridge_event_loop_lag_seconds{quantile="0.99",thread="${thread}"}`);
    }
    expect(value(text, 'process_cpu_seconds_total{thread="main"}')).toBeGreaterThan(0);
    expect(value(text, 'process_resident_memory_bytes{thread="main"}')).toBeGreaterThan(0);
    expect(value(text, 'chargebridge_gateway_connections')).toBe(1);
    // Prometheus text format 0.0.4: comments, or `name{labels} value` (a Go float: NaN in any case).
    const bad = text.split('\n').filter((l) => l && !l.startsWith('# ') && !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|nan|[+-]inf)$/i.test(l));
    expect(bad).toEqual([]);
    // One HELP and TYPE per metric name.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('METRICS_TOKEN reads /metrics and nothing else; a tenant read-only token may not read it', async () => {
    expect((await api(sys.httpUrl, METRICS_TOKEN).get('/devices')).status).toBe(401);
    const ro = (await api(sys.httpUrl, ADMIN_TOKEN).post('/tokens', { role: 'read-only', tenant: 'acme' })).body.token as string;
    expect((await scrape(ro)).status).toBe(403);
    expect((await scrape('wrong-token-0123456789abcdef')).status).toBe(401);
  });
});
