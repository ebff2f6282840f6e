/**
 * One charger's connection from admission to close (charger-connection.ts), on an in-memory
 * socket (common/ocpp-j/fake-socket.ts), the real dispatcher and the in-memory store: what is
 * published when it opens, is replaced and closes; the CALLERROR frame per version; one CALL in
 * handling at a time; presence from the one clock under fake timers. No sockets.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../common/ocpp-j/fake-socket.ts';
import { ChargerConnections, openChargerConnection, type Admitted, type ChargerConnectionDeps } from './charger-connection.ts';
import { createDispatcher } from './dispatch.ts';
import { sweepLiveness } from './liveness.ts';
import { aConfig, aDevice, aTelemetrySink, RecordingBus, silentLog } from './testing/builders.ts';
import { MemoryStore } from './testing/memory-store.ts';
import type { Shadow } from './shadow.ts';
import { topicsFor } from '../contracts/topics.ts';

afterEach(() => vi.useRealTimers());

function aGatewaySide(o: { store?: MemoryStore; closing?: boolean } = {}) {
  const store = o.store ?? new MemoryStore();
  const config = aConfig({ HEARTBEAT_INTERVAL: '60', HEARTBEAT_TOLERANCE: '150' });
  const bus = new RecordingBus();
  const telemetry = aTelemetrySink();
  const chargers = new ChargerConnections();
  const saved: Shadow[] = [];
  const certs: string[] = [];
  const deps: ChargerConnectionDeps = {
    gatewayId: 'gw-test',
    config,
    log: silentLog,
    bus,
    topics: topicsFor('dojot'),
    telemetry,
    dispatch: createDispatcher({ store, config, telemetry }),
    backpressure: { hold: () => undefined },
    certificates: { connected: () => certs.push('connected'), answered: () => certs.push('answered'), closed: () => certs.push('closed') },
    shadows: { pending: () => undefined, save: (s) => saved.push(s) },
    chargers,
    closing: () => o.closing ?? false,
  };
  const open = (protocol = 'ocpp1.6', admitted: Partial<Admitted> = {}) => {
    const ws = new FakeSocket(protocol);
    const device = admitted.device ?? aDevice();
    store.devices.set(device.id, device);
    const conn = openChargerConnection(ws.ws, { protocol, remoteAddress: '192.0.2.7' }, { device, stored: null, certificate: null, ...admitted }, deps);
    return { ws, conn };
  };
  return { store, bus, chargers, saved, certs, open, config };
}

/** Lets the dispatcher's promises settle (no timers involved). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('a charger connection, admission to close', () => {
  it('opens: registered, `connected` published (shadow and event), certificates told', () => {
    const g = aGatewaySide();
    const { conn } = g.open();
    expect(g.chargers.get('CP-dev-1')).toBe(conn);
    expect(g.chargers.forDevice('dev-1')).toBe(conn);
    expect(g.bus.lastState()).toMatchObject({ online: true, protocol: 'ocpp1.6', gateway: 'gw-test' });
    expect(g.bus.events('connected')).toEqual([expect.objectContaining({ remoteAddress: '192.0.2.7', protocol: 'ocpp1.6', gateway: 'gw-test' })]);
    expect(g.certs).toEqual(['connected']);
  });

  it('answers a CALL through dispatch, and tells certificates after the answer', async () => {
    const g = aGatewaySide();
    const { ws } = g.open();
    ws.fromPeer([2, 'hb', 'Heartbeat', {}]);
    await settle();
    expect(ws.frames()).toEqual([[3, 'hb', { currentTime: expect.any(String) }]]);
    expect(g.certs).toEqual(['connected', 'answered']);
  });

  it.each([
    ['ocpp1.6', 'OccurenceConstraintViolation', 'NotImplemented', 'FormationViolation'],
    ['ocpp2.0.1', 'OccurrenceConstraintViolation', 'NotImplemented', 'RpcFrameworkError'],
  ])('%s: the CALLERROR frames carry that version\'s codes (%s, %s, %s)', async (protocol, missing, unknown, framing) => {
    const g = aGatewaySide();
    const { ws } = g.open(protocol, { device: aDevice({ lenient: false }) });
    ws.fromPeer([2, 'a', 'BootNotification', {}]);
    await settle();
    ws.fromPeer([2, 'b', 'MakeCoffee', {}]);
    await settle();
    ws.fromPeer('{"not json');
    await settle();
    expect(ws.frames().map((f) => [f[0], f[1], f[2]])).toEqual([
      [4, 'a', missing],
      [4, 'b', unknown],
      [4, '-1', framing],
    ]);
    // The bad frame is an event too, with the code the charger got.
    expect(g.bus.events('badMessage')).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: framing }) })]);
  });

  it('handles one CALL at a time (OCPP-J 1.6 §4.1.1): a second waits, unread, until the first is answered', async () => {
    let release: () => void = () => undefined;
    const store = new MemoryStore();
    const getIdTag = store.getIdTag.bind(store);
    store.getIdTag = async (tenant, tag) => {
      await new Promise<void>((r) => (release = r));
      return getIdTag(tenant, tag);
    };
    const g = aGatewaySide({ store });
    const { ws, conn } = g.open();
    ws.fromPeer([2, 'a', 'Authorize', { idTag: 'TAG-1' }]);
    ws.fromPeer([2, 'b', 'Heartbeat', {}]);
    await settle();
    expect(ws.frames()).toEqual([]);
    expect(conn.readingPaused).toBe(true);
    expect(conn.client.heldCalls).toBe(1);
    release();
    await settle();
    await settle();
    expect(ws.frames().map((f) => f[1])).toEqual(['a', 'b']);
    expect(conn.readingPaused).toBe(false);
  });

  it('presence: silent past the tolerance is offline; anything it sends then (a pong) brings it back', () => {
    vi.useFakeTimers({ now: Date.parse('2026-06-01T10:00:00Z') });
    const g = aGatewaySide();
    const { ws, conn } = g.open();
    const o = { pingIntervalMs: 0, toleranceMs: g.config.HEARTBEAT_TOLERANCE * 1000 };
    vi.advanceTimersByTime(100_000);
    expect(sweepLiveness(g.chargers.all(), Date.now(), o).offline).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(sweepLiveness(g.chargers.all(), Date.now(), o).offline).toBe(1);
    expect(g.bus.lastState()).toMatchObject({ online: false });
    expect(g.bus.events('offline')).toEqual([expect.objectContaining({ lastSeen: '2026-06-01T10:00:00.000Z', toleranceSeconds: 150 })]);
    ws.pong();
    expect(g.bus.lastState()).toMatchObject({ online: true, lastSeen: '2026-06-01T10:02:40.000Z' });
    expect(conn.lastHeardMs).toBe(Date.now());
  });

  it('presence: a charger that only answers our commands keeps its published lastSeen at most half a tolerance old', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-06-01T10:00:00Z') });
    const g = aGatewaySide();
    const { ws, conn } = g.open();
    const o = { pingIntervalMs: 0, toleranceMs: 150_000 };
    vi.advanceTimersByTime(80_000);
    const answer = conn.client.call('ClearCache', {});
    ws.fromPeer([3, ws.frames().at(-1)![1], { status: 'Accepted' }]);
    await answer;
    sweepLiveness(g.chargers.all(), Date.now(), o);
    expect(g.bus.lastState()).toMatchObject({ online: true, lastSeen: '2026-06-01T10:01:20.000Z' });
  });

  it('replaced by a new connection of the same identity: the new one takes over its shadow; the old one closes quietly', async () => {
    const g = aGatewaySide();
    const first = g.open();
    first.conn.session.registers.set(7, 1234);
    const second = g.open();
    expect(g.chargers.get('CP-dev-1')).toBe(second.conn);
    expect(second.conn.session.registers.get(7)).toBe(1234);
    expect(g.bus.events('replaced')).toHaveLength(1);
    expect(first.conn.session.replaced).toBe(true);
    await settle();
    expect(first.ws.closed).toEqual({ code: 1000, reason: 'Replaced by a new connection' });
    // The old one's close did not unregister the new one, nor publish it offline.
    expect(g.chargers.get('CP-dev-1')).toBe(second.conn);
    expect(g.bus.lastState()).toMatchObject({ online: true });
    expect([...g.chargers.all()]).toEqual([second.conn]);
  });

  it('closes: unregistered, `disconnected` published (shutdown while the gateway closes), certificates told', () => {
    const g = aGatewaySide({ closing: true });
    const { ws } = g.open();
    ws.peerCloses(1001, 'bye');
    expect(g.chargers.size).toBe(0);
    expect([...g.chargers.all()]).toEqual([]);
    expect(g.bus.events('disconnected')).toEqual([expect.objectContaining({ code: 1001, reason: 'bye', gateway: 'gw-test' })]);
    expect(g.bus.lastState()).toMatchObject({ online: false });
    expect(g.saved.at(-1)).toMatchObject({ online: false });
    expect(g.certs).toEqual(['connected', 'closed']);
  });
});
