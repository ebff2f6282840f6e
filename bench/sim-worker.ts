/**
 * One simulator process of `npm run bench`, driven over IPC by bench/run.ts. Several of them
 * share the chargers: one process may hold at most 20,000 open files here.
 *   → {type:'ramped'} after its chargers are up; ← 'measure' resets counters for the
 *   steady-state window; ← 'quiesce' stops sending → {type:'done', ...} with its counts and
 *   latencies once the calls in flight completed; ← 'stop' closes the connections → {type:'stopped'}.
 */
import { startFleet } from '../simulator/fleet.ts';
import { ALL_16, parseProtocolMix } from '../simulator/protocol-mix.ts';

const o = JSON.parse(process.argv[2]!) as { url: string[]; chargers: number; offset: number; interval: number; ramp: number; sources: number; dcShare?: number; protocols?: string };
// Charger i's profile and version depend on i alone: the processes and URLs split one fleet.
const protocols = o.protocols ? parseProtocolMix(o.protocols) : ALL_16;
// A load balancer in front of several gateway workers: chargers go round robin over the URLs.
const fleets = await Promise.all(
  o.url.map((url, k) => {
    const share = Math.floor(o.chargers / o.url.length) + (k < o.chargers % o.url.length ? 1 : 0);
    const offset = o.offset + o.url.slice(0, k).reduce((a, _, j) => a + Math.floor(o.chargers / o.url.length) + (j < o.chargers % o.url.length ? 1 : 0), 0);
    return startFleet({ url, chargers: share, offset, intervalS: o.interval, ramp: o.ramp / o.url.length, sources: o.sources, dcShare: o.dcShare ?? 0.5, protocols, prefix: 'BENCH-', sessionS: [Infinity, Infinity], idleS: [0, o.interval], reconnect: false });
  }),
);
const stats = () => fleets.map((f) => f.stats);
const sum = (k: 'connected' | 'connectFailures' | 'meterValues' | 'callErrors' | 'calls' | 'callsAnswered') => stats().reduce((a, s) => a + s[k], 0);
process.send!({ type: 'ramped', connected: sum('connected'), failed: sum('connectFailures'), rampSeconds: Math.max(...fleets.map((f) => f.rampSeconds)), lastError: stats().map((s) => s.lastError).find(Boolean) ?? null });

let base = { meterValues: 0, callErrors: 0, calls: 0 };
process.on('message', async (m: string) => {
  if (m === 'measure') {
    for (const s of stats()) s.latencies.length = 0;
    base = { meterValues: sum('meterValues'), callErrors: sum('callErrors'), calls: sum('calls') };
  } else if (m === 'quiesce') {
    // Stop sending, let the calls in flight complete, report; the connections stay open (the
    // flood scenario's SIGTERM then finds every charger still connected).
    await Promise.all(fleets.map((f) => f.quiesce()));
    // A loaded system may hold answers longer than the fleet's 2 s: wait for every call in
    // flight to be answered or to time out (the call timeout is 30 s), so that "acknowledged"
    // is final before it is compared with what the subscriber received.
    const inFlight = () => sum('calls') - sum('callsAnswered') - sum('callErrors');
    for (const deadline = Date.now() + 35_000; inFlight() > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setImmediate(r));
    const window = { meterValues: sum('meterValues') - base.meterValues, callErrors: sum('callErrors') - base.callErrors, calls: sum('calls') - base.calls };
    const totals = { meterValues: sum('meterValues'), callErrors: sum('callErrors'), connected: sum('connected') };
    const latencies = stats().flatMap((s) => s.latencies);
    process.send!({ type: 'done', window, totals, inFlight: inFlight(), latencies: latencies.length > 50_000 ? latencies.filter((_, i) => i % Math.ceil(latencies.length / 50_000) === 0) : latencies });
  } else if (m === 'stop') {
    await Promise.all(fleets.map((f) => f.stop()));
    process.send!({ type: 'stopped' }, () => process.exit(0));
  }
});
