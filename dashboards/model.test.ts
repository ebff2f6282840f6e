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
    // the tenant-level layout (MQTT_TOPIC_LAYOUT=tenant-level)
    expect(m.parseTopic('acme/ab12/state')).toEqual({ tenant: 'acme', deviceId: 'ab12', kind: 'state' });
    expect(m.parseTopic('acme/ab12/config/reply')).toEqual({ tenant: 'acme', deviceId: 'ab12', kind: 'config/reply' });
    expect(m.parseTopic('acme//state')).toBeNull();
    expect(m.parseTopic('acme/state')).toBeNull();
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
    expect(f({ '0': { status: 'Faulted', errorCode: 'OtherError' }, '1': { status: 'Available', errorCode: 'NoError' } })).toBe(true);
    expect(f({ '1': { status: 'Available', errorCode: 'NoError' } })).toBe(false);
    // Unavailable on purpose (ChangeAvailability) is not a fault: counted apart.
    expect(f({ '0': { status: 'Unavailable', errorCode: 'NoError' }, '1': { status: 'Available', errorCode: 'NoError' } })).toBe(false);
  });

  it('gives the fault details of each faulted connector and counts unavailable chargers apart from faulted ones', () => {
    const s = m.newStore();
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ connectors: { '1': { status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-17', updatedAt: '2026-01-01T00:05:00Z' }, '2': { status: 'Unavailable', errorCode: 'NoError', updatedAt: '2026-01-01T00:01:00Z' } } })));
    m.applyMessage(s, 't:d2/state', JSON.stringify(shadow({ deviceId: 'd2', chargePointId: 'CP-2', connectors: { '1': { status: 'Unavailable', errorCode: 'NoError' } } })));
    const a = m.deviceSummary(s.devices.get('d1'));
    const b = m.deviceSummary(s.devices.get('d2'));
    expect(a).toMatchObject({ faulted: true, unavailable: false });
    expect(a.faults).toEqual([expect.objectContaining({ id: '1', status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-17', since: '2026-01-01T00:05:00Z' })]);
    expect(m.faultText(a.faults[0])).toBe('GroundFailure · RCD tripped · vendor code E-17');
    expect(a.connectors[1]).toMatchObject({ id: '2', unavailable: true, faulted: false });
    expect(b).toMatchObject({ faulted: false, unavailable: true });
    expect(m.fleetTotals([a, b])).toMatchObject({ faulted: 1, unavailable: 1 });
  });

  it('formats every time one way: 24-hour in any locale, the date when not today, the zone named once', () => {
    const clock = { timeZone: 'Europe/Berlin', locale: 'en-US', now: Date.parse('2026-01-12T15:00:00Z') };
    expect(m.formatTime('2026-01-12T13:04:05Z', clock)).toBe('14:04:05');
    expect(m.formatTime(Date.parse('2026-01-12T22:30:00Z'), clock)).toBe('23:30:00');
    expect(m.formatTime('2026-01-11T13:04:05Z', clock)).toBe('Jan 11, 14:04:05');
    expect(m.formatTime('2026-01-11T13:04:05Z', { ...clock, locale: 'de-DE' })).toBe('11. Jan., 14:04:05');
    expect(m.formatTime('2025-06-01T13:04:05Z', { ...clock, locale: 'en-GB' })).toBe('1 Jun 2025, 15:04:05');
    expect([m.formatTime(null), m.formatTime('nonsense')]).toEqual(['—', '—']);
    expect(m.timeZoneLabel(clock)).toBe('Europe/Berlin (UTC+01:00)');
    expect(m.timeZoneLabel({ timeZone: 'Europe/Berlin', now: Date.parse('2026-07-01T00:00:00Z') })).toBe('Europe/Berlin (UTC+02:00)');
    expect(m.timeZoneLabel({ timeZone: 'UTC' })).toBe('UTC (UTC+00:00)');
    expect(m.timeZoneLabel({ timeZone: 'America/St_Johns', now: Date.parse('2026-01-01T00:00:00Z') })).toBe('America/St_Johns (UTC-03:30)');
    // Chart axes: the same 24-hour times, the day on the first label and where it changes.
    const s = Date.parse('2026-01-12T22:00:00Z') / 1000;
    expect(m.axisTimeLabels([s, s + 3600, s + 7200], 3600, clock)).toEqual(['23:00\nJan 12', '00:00\nJan 13', '01:00']);
    expect(m.axisTimeLabels([s, s + 30], 30, clock)).toEqual(['23:00:00\nJan 12', '23:00:30']);
  });

  it('keeps chart ranges stable: from 0 to a round value above the largest seen, never zoomed into noise', () => {
    expect([0.3, 1, 23.1, 52.5, 420, 7.77].map(m.niceCeil)).toEqual([0.3, 1, 25, 60, 500, 8]);
    let seen = m.extendSeen(undefined, [[49.5, null, 50.5]]);
    expect(seen).toEqual({ min: 49.5, max: 50.5 });
    expect(m.chartRange('power', seen)).toEqual([0, 60]);
    seen = m.extendSeen(seen, [[10]]); // a lower value later: the range does not shrink
    expect(m.chartRange('power', seen)).toEqual([0, 60]);
    expect(m.chartRange('power', { min: null, max: null })).toEqual([0, 1]);
    expect(m.chartRange('power', { min: 0, max: 0.2 })).toEqual([0, 1]);
    expect(m.chartRange('power', { min: -3, max: 7 })).toEqual([-4, 8]);
    expect(m.chartRange('soc', { min: 40, max: 45 })).toEqual([0, 100]);
    expect(m.chartRange('voltage', { min: 229, max: 231 })).toEqual([0, 250]);
  });

  it('totals and orders the fleet: faulted, offline, charging, then by name', () => {
    const rows = [
      { name: 'b', online: true, charging: false, faulted: false, powerW: 0 },
      { name: 'a', online: true, charging: true, faulted: false, powerW: 7400 },
      { name: 'c', online: false, charging: false, faulted: false, powerW: null },
      { name: 'd', online: true, charging: false, faulted: true, powerW: 0 },
    ];
    expect(m.fleetTotals(rows)).toEqual({ total: 4, online: 3, offline: 1, charging: 1, faulted: 1, unavailable: 0, powerW: 7400, flowing: 0, reporting: 0 });
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

  it('power now: the sum of each delivering connector\'s latest sample, live or from history; incomplete until all report', () => {
    const s = m.newStore();
    const two = { '1': { status: 'Charging', errorCode: 'NoError', transactionId: 7, updatedAt: '2026-01-01T00:00:00Z' }, '2': { status: 'SuspendedEV', errorCode: 'NoError', transactionId: 8, updatedAt: '2026-01-01T00:00:00Z' } };
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ connectors: two })));
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ flowing: true, reporting: false, powerW: null });
    const asked = new Set<string>();
    const seeds = m.powerSeedsNeeded(s, asked);
    expect(seeds.map((x: { connectorId: string }) => x.connectorId)).toEqual(['1', '2']);
    expect(m.powerSeedQuery(seeds[0])).toBe('/devices/d1/history?attr=power,soc&connector=1&lastN=1&transaction=7');
    expect(m.powerSeedQuery({ deviceId: 'd1', connectorId: '1', transactionId: null, since: '2026-01-01T00:00:00Z' })).toBe('/devices/d1/history?attr=power,soc&connector=1&lastN=1&from=2026-01-01T00:00:00.000Z');
    for (const x of seeds) asked.add(x.key);
    expect(m.powerSeedsNeeded(s, asked)).toEqual([]);
    // Connector 1 from history, then connector 2 live: complete.
    expect(m.applySample(s, 'd1', '1', { ts: '2026-01-01T00:00:30Z', power: 11000 })).toBe(true);
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ reporting: false, powerW: 11000 });
    m.applyMessage(s, 't:d1/attrs', JSON.stringify({ timestamp: '2026-01-01T00:00:40Z', connectorId: 2, power: 3000, soc: 55 }));
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ reporting: true, powerW: 14000 });
    // SoC in a sample of its own, then power alone: each keeps the other's last value.
    m.applyMessage(s, 't:d1/attrs', JSON.stringify({ timestamp: '2026-01-01T00:00:45Z', connectorId: 2, power: 3100 }));
    expect(s.devices.get('d1').samples['2']).toEqual({ ts: '2026-01-01T00:00:45.000Z', power: 3100, soc: 55 });
    m.applyMessage(s, 't:d1/attrs', JSON.stringify({ timestamp: '2026-01-01T00:00:46Z', connectorId: 2, power: 3000 }));
    // A history point older than the live one does not overwrite it.
    expect(m.applySample(s, 'd1', '2', { ts: '2026-01-01T00:00:10Z', power: 1 })).toBe(false);
    expect(m.fleetTotals([m.deviceSummary(s.devices.get('d1'))])).toMatchObject({ powerW: 14000, flowing: 1, reporting: 1 });
    // A connector that stops delivering forgets its power; its next session starts unknown.
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow({ connectors: { ...two, '2': { status: 'Finishing', errorCode: 'NoError', transactionId: null } } })));
    expect(s.devices.get('d1').samples['2']).toBeUndefined();
    expect(m.deviceSummary(s.devices.get('d1'))).toMatchObject({ reporting: true, powerW: 11000 });
  });

  it('filters the fleet by text, status, site and model, and round-trips the filter through the hash', () => {
    const s = m.newStore();
    m.applyDeviceList(s, [
      { id: 'd1', label: 'Depot bay 1', chargePointId: 'CP-1', site: { name: 'Depot' }, enabled: true },
      { id: 'd2', label: 'Mall A', chargePointId: 'CP-2', site: { name: 'Mall' }, enabled: true },
      { id: 'd3', label: 'Spare', chargePointId: 'CP-3', site: null, enabled: false },
    ]);
    m.applyMessage(s, 't:d1/state', JSON.stringify(shadow()));
    m.applyMessage(s, 't:d2/state', JSON.stringify(shadow({ deviceId: 'd2', chargePointId: 'CP-2', vendor: 'Alfen', model: 'Eve', connectors: { '1': { status: 'Faulted', errorCode: 'GroundFailure' } } })));
    m.applyMessage(s, 't:d3/state', JSON.stringify(shadow({ deviceId: 'd3', chargePointId: 'CP-3', online: false, connectors: {} })));
    const rows = [...s.devices.values()].map(m.deviceSummary);
    const ids = (f: object) => m.filterFleet(rows, { q: '', status: '', site: '', model: '', ...f }).map((r: { id: string }) => r.id);
    expect(ids({})).toEqual(['d1', 'd2', 'd3']);
    expect(ids({ q: 'alfen' })).toEqual(['d2']);
    expect(ids({ q: 'cp- terra' })).toEqual(['d1', 'd3']);
    expect(ids({ q: 'bay' })).toEqual(['d1']);
    expect(ids({ status: 'faulted' })).toEqual(['d2']);
    expect(ids({ status: 'offline' })).toEqual(['d3']);
    expect(ids({ status: 'charging' })).toEqual(['d1']);
    expect(ids({ status: 'online' })).toEqual(['d1', 'd2']);
    expect(ids({ site: 'Depot' })).toEqual(['d1']);
    expect(ids({ site: m.NO_SITE })).toEqual(['d3']);
    expect(ids({ model: 'Alfen Eve' })).toEqual(['d2']);
    expect(m.filterChoices(rows)).toEqual({ sites: ['Depot', 'Mall', m.NO_SITE], models: ['ABB Terra', 'Alfen Eve'] });
    expect(rows[2]).toMatchObject({ site: null, enabled: false });
    const f = { q: 'bay 1', status: 'faulted', site: 'Depot & Co', model: '' };
    expect(m.fleetFilterHash(f)).toBe('#/?q=bay+1&status=faulted&site=Depot+%26+Co');
    expect(m.parseFleetFilter(m.fleetFilterHash(f))).toEqual(f);
    expect(m.parseFleetFilter('#/?status=bogus')).toEqual({ q: '', status: '', site: '', model: '' });
    expect(m.fleetFilterHash({ q: '', status: '', site: '', model: '' })).toBe('#/');
  });

  it('knows who may write, and warns before unlocking a connector with a session', () => {
    expect(['admin', 'operator', 'read-only'].map(m.canWrite)).toEqual([true, true, false]);
    const sh = shadow({ connectors: { '1': { status: 'Charging', errorCode: 'NoError', transactionId: 7, idTag: 'NOA' }, '2': { status: 'Available', errorCode: 'NoError', transactionId: null } } });
    expect(m.unlockWarning(sh, '1')).toBe('Connector 1 has a session running (transaction 7, NOA): unlocking it stops the session.');
    expect(m.unlockWarning(sh, 2)).toBeNull();
    expect(m.unlockWarning(null, 1)).toBeNull();
  });

  it('builds the management requests: device create and edit, charging limit, trigger per version', () => {
    expect(m.deviceBody({ chargePointId: ' CP-9 ', label: 'Bay 9', siteName: 'Depot', siteAddress: '', password: '', enabled: 'on' })).toEqual({ chargePointId: 'CP-9', label: 'Bay 9', site: { name: 'Depot' }, enabled: true });
    expect(m.deviceBody({ chargePointId: 'CP-9', label: '', siteName: '', siteAddress: '', password: 'x'.repeat(16) })).toEqual({ chargePointId: 'CP-9', enabled: false, ocppPassword: 'x'.repeat(16) });
    const existing = { site: { name: 'Old', lat: 52.5, lng: 13.4 } };
    expect(m.deviceBody({ label: 'New', siteName: 'Depot', siteAddress: 'Main St 1', enabled: 'on' }, existing)).toEqual({ label: 'New', site: { name: 'Depot', address: 'Main St 1', lat: 52.5, lng: 13.4 }, enabled: true });
    expect(m.deviceBody({ label: 'New', siteName: '', siteAddress: '' }, { site: { name: 'Old' } })).toEqual({ label: 'New', site: null, enabled: false });
    expect(m.chargingLimitBody({ connectorId: '1', limit: '16', unit: 'A' }, 60)).toEqual({ connectorId: 1, limit: 16, unit: 'A' });
    expect(m.chargingLimitBody({ connectorId: '0', limit: '11000', unit: 'W', daily: 'on', from: '18:00', to: '06:00' }, 60)).toEqual({ connectorId: 0, limit: 11000, unit: 'W', daily: { from: '18:00', to: '06:00' }, utcOffsetMinutes: 60 });
    expect(m.triggerCommand(shadow(), 'MeterValues', '1')).toEqual({ action: 'TriggerMessage', payload: { requestedMessage: 'MeterValues', connectorId: 1 } });
    expect(m.triggerCommand(shadow(), 'Heartbeat', '')).toEqual({ action: 'TriggerMessage', payload: { requestedMessage: 'Heartbeat' } });
    const v2 = shadow({ protocol: 'ocpp2.0.1', connectors: { '1': { status: 'Available', errorCode: 'NoError', evseId: 1, evseConnectorId: 2 } } });
    expect(m.triggerCommand(v2, 'StatusNotification', '1')).toEqual({ action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 2 } } });
    expect(m.triggerCommand(v2, 'MeterValues', '1')).toEqual({ action: 'TriggerMessage', payload: { requestedMessage: 'MeterValues', evse: { id: 1 } } });
    expect(m.TRIGGERS[m.familyOf('ocpp2.1')]).toContain('TransactionEvent');
    // Typed 24-hour local times (the page's zone is the process's here).
    expect(m.parseLocalDateTime('2031-03-04 05:06')?.getTime()).toBe(new Date(2031, 2, 4, 5, 6).getTime());
    expect(m.parseLocalDateTime('2031-03-04')?.getTime()).toBe(new Date(2031, 2, 4, 23, 59).getTime());
    expect([m.parseLocalDateTime('2031-02-30 10:00'), m.parseLocalDateTime('2031-03-04 24:00'), m.parseLocalDateTime('5 pm'), m.parseLocalDateTime('')]).toEqual([null, null, null, null]);
  });
  it('sums sessions and energy per local day (the day a session started), zero days included', () => {
    // Europe/Berlin, winter: UTC+1. 23:30Z on 30 Nov is 00:30 on 1 Dec in Berlin.
    const clock = { timeZone: 'Europe/Berlin', now: Date.parse('2026-12-02T10:00:00Z') };
    const sessions = [
      { startedAt: '2026-11-30T23:30:00Z', stoppedAt: '2026-12-01T01:00:00Z', energyWh: 5000, status: 'completed' },
      { startedAt: '2026-11-30T22:59:00Z', stoppedAt: '2026-11-30T23:40:00Z', energyWh: 1200, status: 'completed' }, // 23:59 on 30 Nov in Berlin
      { startedAt: '2026-12-01T22:30:00Z', stoppedAt: null, energyWh: null, status: 'active' }, // 23:30 on 1 Dec
      { startedAt: '2026-12-02T09:00:00Z', stoppedAt: '2026-12-02T09:30:00Z', energyWh: 2345, status: 'completed' },
      { startedAt: '2026-11-01T09:00:00Z', stoppedAt: '2026-11-01T10:00:00Z', energyWh: 9999, status: 'completed' }, // too old
    ];
    const rows = m.dailyTotals(sessions, 14, clock);
    expect(rows).toHaveLength(14);
    expect(rows[0].day).toBe('2026-11-19');
    expect(rows.slice(-3)).toEqual([
      { day: '2026-11-30', sessions: 1, energyKWh: 1.2 },
      { day: '2026-12-01', sessions: 2, energyKWh: 5 },
      { day: '2026-12-02', sessions: 1, energyKWh: 2.345 },
    ]);
    expect(rows.slice(0, 11).every((r: { sessions: number; energyKWh: number }) => r.sessions === 0 && r.energyKWh === 0)).toBe(true);
    // The same sessions in UTC: the first one is on 30 Nov.
    expect(m.dailyTotals(sessions, 3, { timeZone: 'UTC', now: clock.now })).toEqual([
      { day: '2026-11-30', sessions: 2, energyKWh: 6.2 },
      { day: '2026-12-01', sessions: 1, energyKWh: 0 },
      { day: '2026-12-02', sessions: 1, energyKWh: 2.345 },
    ]);
    expect(m.dailySummary(rows)).toEqual({ today: { sessions: 1, energyKWh: 2.345 }, total: { sessions: 4, energyKWh: 8.545 } });
    expect(m.dailyLine(rows)).toBe('today: 1 session, 2.3 kWh · last 14 days: 4 sessions, 8.5 kWh');
    expect(m.dayLabel('2026-12-01', { locale: 'en-GB' })).toBe('1 Dec');
    // Across a DST change (Berlin, 29 Mar 2026): calendar days, none skipped or doubled.
    const spring = m.dailyTotals([], 3, { timeZone: 'Europe/Berlin', now: Date.parse('2026-03-30T12:00:00Z') });
    expect(spring.map((r: { day: string }) => r.day)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(Date.parse(m.dailyFrom(14, clock))).toBeLessThan(Date.parse('2026-11-19T00:00:00Z'));
  });
});
