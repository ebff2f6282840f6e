/**
 * npm run bench:hot-path — what the pure steps of one MeterValues cost, alone and warm: the
 * gateway's normalization (gateway/meter-values/normalize.ts) and the alerts role's fold and rule
 * evaluation (alerts/model.ts observe, alerts/reduce.ts evaluateAlerts) over `--devices` devices in
 * turn, as the role sees 1,000 chargers. Samples come from the simulator's own DC and AC profiles
 * (simulator/profiles.ts), so the sampled values are those the end-to-end bench sends.
 *
 *   npm run bench:hot-path -- --calls 200000 --rounds 5
 *
 * Prints µs per MeterValues for each round (the first ones include the JIT's warm-up); the
 * figures in docs/benchmarks.md are the later rounds. A figure of one process on a shared
 * machine: compare two commits on the same machine, one right after the other.
 */
import { Command } from 'commander';
import { emptyDevice, observe } from '../alerts/model.ts';
import { bootWindowOf, evaluateAlerts, type AlertsDevice } from '../alerts/reduce.ts';
import { effectiveRules } from '../contracts/alert-rules.ts';
import { normalizeMeterValues, type MeterValueIn } from '../gateway/meter-values/normalize.ts';
import { newSession, PROFILES, step } from '../simulator/profiles.ts';

const opts = new Command()
  .option('--calls <n>', 'MeterValues per round', '200000')
  .option('--rounds <n>', 'rounds', '5')
  .option('--devices <n>', 'devices the alerts role follows, in turn', '1000')
  .parse(process.argv)
  .opts<{ calls: string; rounds: string; devices: string }>();
const CALLS = Number(opts.calls);
const ROUNDS = Number(opts.rounds);
const DEVICES = Number(opts.devices);

// 50 successive samples of each profile, as JSON.parse would hand them to the handler.
const frames: MeterValueIn[][] = [];
for (const profile of Object.values(PROFILES)) {
  let s = newSession(profile, profile.initialEnergyWh);
  for (let i = 0; i < 50; i++) {
    const r = step(profile, s, 5, 0.1);
    s = r.state;
    frames.push(JSON.parse(JSON.stringify([{ timestamp: new Date().toISOString(), sampledValue: r.sampledValue }])) as MeterValueIn[]);
  }
}

function time(fn: (i: number) => number): number {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < CALLS; i++) sink += fn(i);
  if (sink < 0) console.log(sink);
  return Number(process.hrtime.bigint() - t0) / 1e3 / CALLS;
}

const rules = effectiveRules(undefined);
const bootWindow = bootWindowOf(rules);
const devices = new Map<string, AlertsDevice>();
let now = Date.now();
for (let i = 0; i < DEVICES; i++) {
  const model = observe(emptyDevice('t', `d${i}`), { type: 'state', shadow: { chargePointId: `cp${i}`, online: true, connectors: { '1': { status: 'Charging', errorCode: 'NoError', transactionId: i + 1 } } } }, now, bootWindow);
  devices.set(`t:d${i}`, { model, active: {} });
}
const stamps = Array.from({ length: 64 }, (_, i) => new Date(now + i * 200).toISOString());
let energy = 1_000;

for (let round = 1; round <= ROUNDS; round++) {
  const normalize = time((i) => normalizeMeterValues(frames[i % frames.length]!).length);
  const alerts = time((i) => {
    const k = `t:d${i % DEVICES}`;
    const d = devices.get(k)!;
    now += 0.2;
    // One exchange as the role gets it: the attrs message and the ocpp event, then one evaluation.
    let model = observe(d.model, { type: 'attrs', attrs: { connectorId: 1, transactionId: (i % DEVICES) + 1, timestamp: stamps[i & 63]!, energy: ++energy } }, now, bootWindow);
    model = observe(model, { type: 'event', event: { type: 'ocpp', direction: 'in', action: 'MeterValues' } }, now, bootWindow);
    const r = evaluateAlerts({ model, active: d.active }, now, rules);
    devices.set(k, r.device);
    return r.transitions.length;
  });
  console.log(JSON.stringify({ round, normalizeUsPerMeterValues: Number(normalize.toFixed(2)), alertsUsPerMeterValues: Number(alerts.toFixed(2)) }));
}
