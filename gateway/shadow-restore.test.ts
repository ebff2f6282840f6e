import { describe, expect, it } from 'vitest';
import { emptyShadow, reduceShadow, type Shadow, type ShadowEvent } from './shadow.ts';
import { offlineAtStart, persists, restoreShadow } from './shadow-restore.ts';

const device = { id: 'a1b2c3d4', tenant: 'admin', chargePointId: 'CP1', attrs: { vendor: 'ABB', model: 'Terra 54' } };
const t = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
const run = (events: ShadowEvent[], s: Shadow = emptyShadow(device)) => events.reduce(reduceShadow, s);
/** A shadow as the registry gives it back: JSON, through a round trip. */
const stored = (s: Shadow) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

const charging = () =>
  run([
    { type: 'connected', at: t(1), protocol: 'ocpp1.6', gateway: 'gw-1' },
    { type: 'boot', at: t(2), registration: 'Accepted', vendor: 'ABB', model: 'Terra 54', firmware: '1.6.2', serialNumber: 'T54-1' },
    { type: 'status', at: t(3), connectorId: 1, status: 'Charging', errorCode: 'OtherError', info: 'hot', vendorErrorCode: 'E42' },
    { type: 'transactionStarted', at: t(4), connectorId: 1, transactionId: 17, idTag: 'NOA' },
    { type: 'firmwareStatus', at: t(5), status: 'Installed' },
  ]);

describe('restoreShadow (a connection starts from the stored shadow, issue 16)', () => {
  it('nothing stored: the empty shadow with the registry attributes', () => {
    expect(restoreShadow(device, null)).toEqual(emptyShadow(device));
  });

  it('keeps what the last connection learnt: registration, identity, firmware, connectors with their transaction', () => {
    const s = charging();
    expect(restoreShadow(device, stored(s))).toEqual(s);
  });

  it('a reconnect without BootNotification or StatusNotification (OCPP 1.6 §4.2, §4.9): online again, everything else as last reported', () => {
    const before = reduceShadow(charging(), { type: 'disconnected', at: t(6), reason: 'closed' });
    const after = reduceShadow(restoreShadow(device, stored(before)), { type: 'connected', at: t(7), protocol: 'ocpp1.6', gateway: 'gw-2' });
    expect(after).toMatchObject({ online: true, connectedAt: t(7), offlineReason: null, gateway: 'gw-2', registration: 'Accepted', model: 'Terra 54', firmware: '1.6.2', serialNumber: 'T54-1', firmwareStatus: 'Installed' });
    expect(after.connectors['1']).toEqual({ status: 'Charging', errorCode: 'OtherError', info: 'hot', vendorErrorCode: 'E42', transactionId: 17, idTag: 'NOA', updatedAt: t(4) });
  });

  it('identity always from the registry, never from what was stored', () => {
    const s = restoreShadow(device, { ...stored(charging()), deviceId: 'ffffffff', tenant: 'other', chargePointId: 'X' });
    expect(s).toMatchObject({ deviceId: 'a1b2c3d4', tenant: 'admin', chargePointId: 'CP1' });
  });

  it.each([
    ['registration a number', { registration: 5 }, { registration: null }],
    ['model missing: the registry attribute', { model: undefined }, { model: 'Terra 54' }],
    ['connectors not an object', { connectors: [1, 2] }, { connectors: {} }],
    ['a connector without status', { connectors: { '1': { errorCode: 'NoError', updatedAt: t(1) } } }, { connectors: {} }],
    ['a connector id that is no connectorId', { connectors: { x: { status: 'Available', updatedAt: t(1) }, '-1': { status: 'Available', updatedAt: t(1) } } }, { connectors: {} }],
    ['a transactionId that is no integer', { connectors: { '1': { status: 'Charging', updatedAt: t(1), transactionId: '17' } } }, { connectors: { '1': { status: 'Charging', errorCode: 'NoError', transactionId: null, idTag: null, updatedAt: t(1) } } }],
  ])('a stored field of the wrong type is left out: %s', (_name, patch, expected) => {
    expect(restoreShadow(device, { ...stored(charging()), ...patch })).toMatchObject(expected);
  });
});

describe('offlineAtStart (the republish at start)', () => {
  it('a shadow stored offline is published as it is', () => {
    const s = reduceShadow(charging(), { type: 'disconnected', at: t(6), reason: 'shutdown' });
    expect(offlineAtStart(s, t(9))).toBe(s);
  });

  it('a shadow stored online (the process ended without seeing the close): offline since the start, reason restart, last state kept', () => {
    const s = offlineAtStart(charging(), t(9));
    expect(s).toMatchObject({ online: false, disconnectedAt: t(9), offlineReason: 'restart', registration: 'Accepted', lastSeen: t(5) });
    expect(s.connectors['1']).toMatchObject({ status: 'Charging', transactionId: 17 });
  });
});

describe('persists (which shadows are written to the registry)', () => {
  it.each([
    ['connected', true, true],
    ['disconnected', true, true],
    ['boot', true, true],
    ['status', true, true],
    ['transactionStarted', true, true],
    ['transactionStopped', true, true],
    ['firmwareStatus', true, true],
    ['seen', true, false], // Heartbeat, a presence refresh: lastSeen only
    ['seen', false, true], // back online after a heartbeat timeout
  ])('%s (online before: %s) -> %s', (type, wasOnline, expected) => {
    expect(persists(type, wasOnline)).toBe(expected);
  });
});
