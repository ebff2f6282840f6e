// The dashboard's pure core (dashboards/web/model.js), in Node: what the views show.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module served to the browser as is; no type declarations
import * as m from './web/model.js';

const shadow = (over: object = {}) => ({ deviceId: 'd1', tenant: 't', chargePointId: 'CP-1', online: true, lastSeen: '2026-01-01T00:00:00Z', connectedAt: '2026-01-01T00:00:00Z', vendor: 'ABB', model: 'Terra', connectors: { '0': { status: 'Available', errorCode: 'NoError' }, '1': { status: 'Charging', errorCode: 'NoError', transactionId: 7 } }, ...over });

describe('dashboard model', () => {
  it('formats power, energy and durations', () => {
    expect([m.formatPower(7400), m.formatPower(850.4), m.formatPower(150_000), m.formatPower(null), m.formatPower(Number.NaN)]).toEqual(['7.4 kW', '850 W', '150 kW', '—', '—']);
    expect([m.formatEnergy(12_345), m.formatEnergy(999), m.formatEnergy(undefined)]).toEqual(['12.3 kWh', '999 Wh', '—']);
    expect([m.formatDuration(3725), m.formatDuration(65)]).toEqual(['1 h 02 min', '1 min 05 s']);
  });

  it('splits a server-sent event stream into events, keeping an incomplete tail', () => {
    const a = m.parseSse(': live\n\ndata: {"topic":"t:d1/state","payload":{"online":true}}\n\ndata: {"topic":"t:d1/att');
    expect(a.events).toEqual([{ topic: 't:d1/state', payload: { online: true } }]);
    const b = m.parseSse(a.rest + 'rs","payload":{"power":1}}\n\n: keepalive\n\n');
    expect(b).toEqual({ events: [{ topic: 't:d1/attrs', payload: { power: 1 } }], rest: '' });
    const s = m.newStore();
    expect(m.applyMessage(s, 't:d1/attrs', { timestamp: '2026-01-01T00:00:00Z', power: 5 })).toBe('d1');
    expect(s.devices.get('d1').attrs.power).toBe(5);
  });

  it('keeps the active alerts of each device from GET /alerts and the retained alerts topic, critical first', () => {
    const s = m.newStore();
    m.applyDeviceList(s, [{ id: 'd1', label: 'Bus depot 1', chargePointId: 'CP-1' }]);
    m.applyAlertList(s, [{ id: 'a1', deviceId: 'd1', chargePointId: 'CP-1', rule: 'heartbeatMissing', severity: 'warning', since: '2026-01-01T00:00:00Z', connectorId: null }]);
    expect(m.activeAlerts(s).map((a: { id: string; name: string }) => [a.id, a.name])).toEqual([['a1', 'Bus depot 1']]);
    expect(m.applyMessage(s, 't:d1/alerts', { alerts: [{ id: 'a2', rule: 'connectorFault', severity: 'critical', since: '2026-01-01T00:01:00Z', connectorId: 1 }, { id: 'a1', rule: 'heartbeatMissing', severity: 'warning', since: '2026-01-01T00:00:00Z', connectorId: null }] })).toBe('d1');
    expect(m.activeAlerts(s).map((a: { id: string }) => a.id)).toEqual(['a2', 'a1']);
    m.applyMessage(s, 't:d1/alerts', { alerts: [] });
    expect(m.activeAlerts(s)).toEqual([]);
  });

  it('parses Dojot topics', () => {
    expect(m.parseTopic('acme:ab12/config/reply')).toEqual({ tenant: 'acme', deviceId: 'ab12', kind: 'config/reply' });
    expect(m.parseTopic('nonsense')).toBeNull();
  });

  it('builds a fleet row from shadow and attrs: power only while charging, unknown until a sample', () => {
    const s = m.newStore();
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow()));
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ online: true, charging: true, faulted: false, powerW: null, name: 'CP-1' });
    m.applyMessage(s, 't:d1/attrs', JSON.stringify({ timestamp: '2026-01-01T00:00:10Z', power: 7400, soc: 40 }));
    m.applyMessage(s, 't:d1/attrs', JSON.stringify({ timestamp: '2026-01-01T00:00:05Z', power: 1 })); // late: ignored for "now"
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ powerW: 7400, soc: 40 });
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ connectors: { '1': { status: 'Finishing', errorCode: 'NoError' } } })));
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ charging: false, powerW: 0 });
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ online: false, offlineReason: 'heartbeatTimeout', disconnectedAt: null })));
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ online: false, powerW: null, offlineReason: 'heartbeatTimeout', since: '2026-01-01T00:00:00Z' });
  });

  it('flags faults on any connector, including errorCode with a non-fault status and connector 0', () => {
    const f = (connectors: object) => {
      const s = m.newStore();
      m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ connectors })));
      return m.deviceSummary(s.devices.get('d1')).faulted;
    };
    expect(f({ '1': { status: 'Faulted', errorCode: 'GroundFailure' } })).toBe(true);
    expect(f({ '1': { status: 'Available', errorCode: 'HighTemperature' } })).toBe(true);
    expect(f({ '0': { status: 'Unavailable', errorCode: 'NoError' }, '1': { status: 'Available', errorCode: 'NoError' } })).toBe(true);
    expect(f({ '1': { status: 'Available', errorCode: 'NoError' } })).toBe(false);
  });

  it('totals and orders the fleet: faulted, offline, charging, then by name', () => {
    const rows = [
      { name: 'b', online: true, charging: false, faulted: false, powerW: 0 },
      { name: 'a', online: true, charging: true, faulted: false, powerW: 7400 },
      { name: 'c', online: false, charging: false, faulted: false, powerW: null },
      { name: 'd', online: true, charging: false, faulted: true, powerW: 0 },
    ];
    expect(m.fleetTotals(rows)).toEqual({ total: 4, online: 3, offline: 1, charging: 1, faulted: 1, powerW: 7400 });
    expect([...rows].sort(m.fleetOrder).map((r) => r.name)).toEqual(['d', 'c', 'a', 'b']);
  });

  it('keeps a bounded ring of events, newest first', () => {
    const s = m.newStore();
    for (let i = 0; i < m.EVENT_RING + 5; i++) m.applyMessage(s, 't:d1/events', JSON.stringify({ type: 'ocpp', direction: 'in', action: 'Heartbeat', n: i }));
    const ev = s.devices.get('d1').events;
    expect(ev).toHaveLength(m.EVENT_RING);
    expect(ev[0].n).toBe(m.EVENT_RING + 4);
    expect(m.describeEvent({ type: 'ocpp', direction: 'in', action: 'StatusNotification', request: { connectorId: 1, status: 'Faulted' }, response: {} })).toBe('← StatusNotification 1: Faulted');
    expect(m.describeEvent({ type: 'command', action: 'Reset', response: { status: 'Rejected' } })).toBe('command Reset: Rejected');
  });

  it('charts: history and live samples on one time axis, live appends in order only', () => {
    const series: Record<string, Array<{ ts: string; value: number }>> = { power: [{ ts: '2026-01-01T00:00:00.000Z', value: 1000 }], current_L1: [{ ts: '2026-01-01T00:00:10.000Z', value: 16 }] };
    expect(m.toChartData(['power', 'current_L1'], series, 1 / 1000)).toEqual([[1767225600, 1767225610], [1, null], [null, 0.016]]);
    expect(m.appendSample(series, ['power'], { timestamp: '2026-01-01T00:00:20.000Z', power: 2000 })).toBe(true);
    expect(m.appendSample(series, ['power'], { timestamp: '2026-01-01T00:00:15.000Z', power: 5 })).toBe(false);
    expect(series['power']!.map((p) => p.value)).toEqual([1000, 2000]);
  });

  it('merges the logged events with the live ones: newest first, each exchange once, bounded', () => {
    const ev = (ts: string, messageId: string, action = 'Heartbeat') => ({ type: 'ocpp', direction: 'in', action, messageId, ts });
    const logged = [ev('2026-01-01T00:00:02Z', 'b'), ev('2026-01-01T00:00:01Z', 'a')];
    const live = [ev('2026-01-01T00:00:03Z', 'c'), ev('2026-01-01T00:00:02Z', 'b')];
    expect(m.mergeEvents(live, logged).map((e: { messageId: string }) => e.messageId)).toEqual(['c', 'b', 'a']);
    expect(m.mergeEvents(live, logged, 2).map((e: { messageId: string }) => e.messageId)).toEqual(['c', 'b']);
    expect(m.mergeEvents([], [])).toEqual([]);
  });
});
