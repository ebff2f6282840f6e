/**
 * The one liveness clock (OcppConnection.lastHeardMs) and the one sweep (liveness.ts) for
 * keepalive and presence: the sweep's decisions as a table over fake targets, and the clock of a
 * real OcppConnection on an in-memory socket under fake timers. No sockets, no real waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OcppConnection } from '../common/ocpp-j/connection.ts';
import { FakeSocket } from '../common/ocpp-j/fake-socket.ts';
import { LivenessSweeper, sweepEveryMs, sweepLiveness, type LivenessOptions, type LivenessTarget } from './liveness.ts';

interface Target extends LivenessTarget {
  lastHeardMs: number;
  pingSentMs: number | undefined;
  readingPaused: boolean;
  present: boolean;
  did: string[];
}

function aTarget(o: Partial<Pick<Target, 'lastHeardMs' | 'pingSentMs' | 'readingPaused' | 'present'>> = {}): Target {
  const t: Target = {
    lastHeardMs: 0,
    pingSentMs: undefined,
    readingPaused: false,
    present: true,
    ...o,
    did: [],
    ping: (now) => {
      t.did.push(`ping@${now}`);
      t.pingSentMs = now;
    },
    terminate: () => t.did.push('terminate'),
    markOffline: (now, heard) => {
      t.did.push(`offline@${now} heard ${heard}`);
      t.present = false;
    },
    refreshSeen: (heard, maxAge) => t.did.push(`refresh ${heard} ${maxAge}`),
  };
  return t;
}

const opts: LivenessOptions = { pingIntervalMs: 30_000, toleranceMs: 60_000 };

describe('sweepLiveness: keepalive and presence from one clock', () => {
  it.each<[string, Partial<Target>, number, string[]]>([
    ['heard just now: presence refreshed (at most tolerance/2 behind), no ping', { lastHeardMs: 100_000 }, 100_000, ['refresh 100000 30000']],
    ['quiet for a ping interval: pinged; still present', { lastHeardMs: 70_000 }, 100_000, ['refresh 70000 30000', 'ping@100000']],
    ['pinged an interval ago and nothing since: terminated', { lastHeardMs: 60_000, pingSentMs: 70_000 }, 100_000, ['refresh 60000 30000', 'terminate']],
    ['pinged less than an interval ago: waiting for the pong', { lastHeardMs: 60_000, pingSentMs: 80_000 }, 100_000, ['refresh 60000 30000']],
    ['silent past the tolerance: offline, last heard when the clock says', { lastHeardMs: 39_999, pingSentMs: 90_000 }, 100_000, ['offline@100000 heard 39999']],
    ['reading paused (its CALLs in handling): the silence is ours, nothing done', { lastHeardMs: 0, pingSentMs: 1, readingPaused: true }, 100_000, []],
    ['replaced or already offline: no presence, keepalive still', { lastHeardMs: 0, present: false }, 100_000, ['ping@100000']],
  ])('%s', (_name, o, now, did) => {
    const t = aTarget(o);
    sweepLiveness([t], now, opts);
    expect(t.did).toEqual(did);
  });

  it('keepalive off (interval 0): presence only', () => {
    const t = aTarget({ lastHeardMs: 0 });
    expect(sweepLiveness([t], 50_000, { pingIntervalMs: 0, toleranceMs: 60_000 })).toEqual({ pinged: 0, terminated: 0, offline: 0 });
    expect(t.did).toEqual(['refresh 0 30000']);
  });

  it('reports what it did', () => {
    const r = sweepLiveness([aTarget({ lastHeardMs: 0 }), aTarget({ lastHeardMs: 60_000, pingSentMs: 60_000 }), aTarget({ lastHeardMs: 90_000 })], 100_000, opts);
    expect(r).toEqual({ pinged: 1, terminated: 1, offline: 1 });
  });

  it.each<[LivenessOptions, number]>([
    [{ pingIntervalMs: 30_000, toleranceMs: 750_000 }, 5_000],
    [{ pingIntervalMs: 2_000, toleranceMs: 3_500 }, 500],
    [{ pingIntervalMs: 0, toleranceMs: 600 }, 150],
    [{ pingIntervalMs: 0, toleranceMs: 100 }, 50],
    [{ pingIntervalMs: 400, toleranceMs: 60_000 }, 250],
  ])('sweeps every quarter of the shorter period, within bounds: %o -> %i ms', (o, every) => {
    expect(sweepEveryMs(o)).toBe(every);
  });
});

describe('the clock of an OcppConnection', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function connection(protocol = 'ocpp1.6') {
    const ws = new FakeSocket(protocol);
    const heard: number[] = [];
    const conn = new OcppConnection(ws.ws, { protocol, defaultTimeoutMs: 10_000, handler: async () => ({}), onHeard: (now) => heard.push(now) });
    return { ws, conn, heard };
  }

  it('moves for everything the charger sends: a CALL, a CALLRESULT and a CALLERROR to our CALL, a bad frame, a pong, a ping', async () => {
    const { ws, conn, heard } = connection();
    const at = (label: string, f: () => void) => {
      vi.advanceTimersByTime(1_000);
      f();
      return [label, conn.lastHeardMs, conn.pingSentMs];
    };
    const steps = [
      at('CALL', () => ws.fromPeer([2, 'a', 'Heartbeat', {}])),
      at('our ping: not heard', () => conn.ping(Date.now())),
      at('pong', () => ws.pong()),
    ];
    const r1 = conn.call('Reset', { type: 'Soft' });
    const id1 = ws.frames().find((f) => f[0] === 2)![1];
    steps.push(at('CALLRESULT', () => ws.fromPeer([3, id1, { status: 'Accepted' }])));
    await r1;
    const r2 = conn.call('Reset', { type: 'Hard' }).catch((e: unknown) => e);
    const id2 = ws.frames().filter((f) => f[0] === 2)[1]![1];
    steps.push(at('CALLERROR', () => ws.fromPeer([4, id2, 'NotSupported', 'no', {}])));
    await r2;
    steps.push(at('bad frame', () => ws.fromPeer('{"not json')));
    steps.push(at('ping from the charger', () => ws.pingFromPeer()));
    expect(steps).toEqual([
      ['CALL', 1_001_000, undefined],
      ['our ping: not heard', 1_001_000, 1_002_000],
      ['pong', 1_003_000, undefined],
      ['CALLRESULT', 1_004_000, undefined],
      ['CALLERROR', 1_005_000, undefined],
      ['bad frame', 1_006_000, undefined],
      ['ping from the charger', 1_007_000, undefined],
    ]);
    expect(heard).toEqual([1_001_000, 1_003_000, 1_004_000, 1_005_000, 1_006_000, 1_007_000]);
  });

  it('under the sweep: a quiet charger is pinged, its pong keeps it, one that stays silent is dropped, a busy one is never pinged', () => {
    const quiet = connection();
    const mute = connection();
    const busy = connection();
    const targets = [quiet.conn, mute.conn, busy.conn].map(asTarget);
    const sweeper = new LivenessSweeper(() => targets, { pingIntervalMs: 2_000, toleranceMs: 60_000 });
    sweeper.start();
    let answered = 0;
    for (let t = 0; t < 10_000; t += 100) {
      vi.advanceTimersByTime(100);
      if (t % 500 === 0) busy.ws.fromPeer([2, `hb${t}`, 'Heartbeat', {}]);
      // The quiet one answers each ping 100 ms later, as a charger's ws does by itself.
      if (quiet.ws.pings > answered) {
        answered = quiet.ws.pings;
        quiet.ws.pong();
      }
    }
    sweeper.stop();
    expect(quiet.ws.pings).toBeGreaterThanOrEqual(3);
    expect(quiet.ws.terminated).toBe(false);
    // Pinged after 2 s of silence, dropped 2 s later (sweeps every 500 ms).
    expect(mute.ws.pings).toBe(1);
    expect(mute.ws.terminated).toBe(true);
    expect(busy.ws.pings).toBe(0);
  });

  it('is not read while its CALLs are in handling, and an old ping is forgotten when reading resumes', async () => {
    const ws = new FakeSocket();
    let release: () => void = () => undefined;
    const conn = new OcppConnection(ws.ws, { protocol: 'ocpp1.6', defaultTimeoutMs: 10_000, handler: () => new Promise((r) => (release = () => r({}))) });
    conn.ping(Date.now());
    ws.fromPeer([2, 'a', 'Heartbeat', {}]);
    ws.fromPeer([2, 'b', 'Heartbeat', {}]); // held: reading pauses
    expect(conn.readingPaused).toBe(true);
    conn.ping(Date.now());
    vi.advanceTimersByTime(10_000);
    const t = asTarget(conn);
    expect(sweepLiveness([t], Date.now(), { pingIntervalMs: 2_000, toleranceMs: 5_000 })).toEqual({ pinged: 0, terminated: 0, offline: 0 });
    release();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.readingPaused).toBe(false);
    expect(conn.pingSentMs).toBeUndefined();
    expect(conn.lastHeardMs).toBe(1_000_000);
  });
});

/** A connection as the sweep sees it, without a session (no presence). */
function asTarget(c: OcppConnection): LivenessTarget {
  return {
    get lastHeardMs() {
      return c.lastHeardMs;
    },
    get pingSentMs() {
      return c.pingSentMs;
    },
    get readingPaused() {
      return c.readingPaused;
    },
    present: false,
    ping: (now) => c.ping(now),
    terminate: () => c.terminate(),
    markOffline: () => undefined,
    refreshSeen: () => undefined,
  };
}
