/**
 * `chargebridge simulate`: realistic OCPP 1.6J charge points and 2.0.1 / 2.1 charging stations
 * against any Central System / CSMS. A progress line while it ramps and runs, a summary at the
 * end (or on Ctrl-C).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ALL_16, formatProtocolMix, parseProtocolMix, type ProtocolMix } from './protocol-mix.ts';

// Parsed by commander, so a bad value ends the command with one line naming the option (exit 1),
// never a stack trace, and never silently accepted.
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};
const count = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};
const fraction = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be between 0 and 1`);
  return n;
};
/** `1.6=0.5,2.0.1=0.3,2.1=0.2` (protocol-mix.ts). */
export const protocolMix = (v: string): ProtocolMix => {
  try {
    return parseProtocolMix(v);
  } catch (err) {
    throw new InvalidArgumentError(`--protocols: ${(err as Error).message}`);
  }
};
/** `min-max` seconds (or one number for both), 0 ≤ min ≤ max. */
export const secondsRange = (name: string) => (v: string): [number, number] => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`${name}: expected min-max seconds, e.g. 30-300`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a > b) throw new InvalidArgumentError(`${name}: min ${a} is greater than max ${b}`);
  return [a, b];
};

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('simulate OCPP chargers (1.6J charge points, 2.0.1 and 2.1 charging stations; DC fast chargers and three-phase AC wallboxes) against a Central System / CSMS')
    .option('--url <url>', 'OCPP endpoint; the charger identity is appended as the last path segment', 'ws://127.0.0.1:9000')
    .option('--chargers <n>', 'number of chargers', (v) => {
      const n = count('--chargers')(v);
      if (n === 0) throw new InvalidArgumentError('--chargers must be at least 1');
      return n;
    }, 10)
    .option('--interval <s>', 'MeterValues interval during a session, seconds', positive('--interval'), 10)
    .option('--ramp <n>', 'new connections per second', positive('--ramp'), 200)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positive('--duration'))
    .option('--sources <n>', 'spread connections over 127.0.0.1..N (loopback URLs only)', positive('--sources'), 1)
    .option('--dc-share <f>', 'fraction of DC fast chargers, the rest AC wallboxes', fraction('--dc-share'), 0.5)
    .addOption(new Option('--protocols <mix>', 'OCPP versions by share, e.g. 1.6=0.5,2.0.1=0.3,2.1=0.2 (or one version for all)').argParser(protocolMix).default(ALL_16, '1.6=1'))
    .option('--prefix <s>', 'identity prefix', 'SIM-')
    .option('--offset <n>', 'first identity index (several simulator processes)', count('--offset'), 0)
    .option('--password <p>', 'HTTP Basic password of every charger (security profile 1)')
    .option('--session <min-max>', 'session length range, seconds', secondsRange('--session'), [600, 3600] as [number, number])
    .option('--idle <min-max>', 'idle time between sessions, seconds', secondsRange('--idle'), [30, 300] as [number, number])
    .option('--json', 'print the summary as JSON')
    .action(async (o: { url: string; chargers: number; interval: number; ramp: number; duration?: number; sources: number; dcShare: number; protocols: ProtocolMix; prefix: string; offset: number; password?: string; session: [number, number]; idle: [number, number]; json?: boolean }) => {
      const tty = process.stderr.isTTY;
      const t0 = Date.now();
      let lastLine = 0;
      // On a terminal one line rewritten in place; otherwise (a log file, a pipe) a line every
      // 5 s at most, counted from the last line written.
      const show = (line: string, force = false) => {
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (force || Date.now() - lastLine >= 5000) {
          process.stderr.write(`${line}\n`);
          lastLine = Date.now();
        }
      };
      // Loaded here, not at the top: `chargebridge --help` must not load the simulator.
      const { percentile, startFleet } = await import('./fleet.ts');
      const { SimStation } = await import('./v201/station.ts');
      const fleet = await startFleet({
        url: o.url,
        chargers: o.chargers,
        intervalS: o.interval,
        ramp: o.ramp,
        sources: o.sources,
        dcShare: o.dcShare,
        protocols: o.protocols,
        prefix: o.prefix,
        offset: o.offset,
        password: o.password,
        sessionS: o.session,
        idleS: o.idle,
        onProgress: ({ started, stats }) => {
          if (started % 50 === 0 || started === o.chargers) show(`ramping ${started}/${o.chargers} · connected ${stats.connected} · failed ${stats.connectFailures}`);
        },
      });
      const s = fleet.stats;
      show(`ramped ${s.connected}/${o.chargers} in ${fleet.rampSeconds.toFixed(1)} s (${(s.connected / fleet.rampSeconds).toFixed(0)}/s)`, true);
      if (tty) process.stderr.write('\n');
      let lastMv = s.meterValues;
      const ticker = setInterval(() => {
        const rate = (s.meterValues - lastMv) / 2;
        lastMv = s.meterValues;
        show(`${Math.round((Date.now() - t0) / 1000)} s · online ${s.connected}/${o.chargers} · charging sessions ${s.sessionsStarted - s.sessionsStopped} · MeterValues ${s.meterValues} (${rate.toFixed(0)}/s) · errors ${s.callErrors} · reconnects ${s.reconnects}`);
      }, 2000);
      await new Promise<void>((resolve) => {
        if (o.duration) setTimeout(resolve, o.duration * 1000);
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(ticker);
      await fleet.stop();
      const seconds = (Date.now() - t0) / 1000;
      const versions: Record<string, number> = {};
      for (const c of fleet.chargers) {
        const v = c instanceof SimStation ? c.protocol : 'ocpp1.6';
        versions[v] = (versions[v] ?? 0) + 1;
      }
      const summary = {
        chargers: o.chargers,
        protocols: formatProtocolMix(o.protocols),
        chargersByProtocol: versions,
        connects: s.connects,
        connectFailures: s.connectFailures,
        reconnects: s.reconnects,
        rampSeconds: Number(fleet.rampSeconds.toFixed(1)),
        runSeconds: Number(seconds.toFixed(1)),
        calls: s.calls,
        callErrors: s.callErrors,
        meterValues: s.meterValues,
        meterValuesPerSecond: Number((s.meterValues / seconds).toFixed(1)),
        sessionsStarted: s.sessionsStarted,
        sessionsStopped: s.sessionsStopped,
        commandsAnswered: s.commandsAnswered,
        sends: s.sends,
        callLatencyMs: { p50: percentile(s.latencies, 50), p95: percentile(s.latencies, 95), p99: percentile(s.latencies, 99), max: Math.max(...s.latencies, 0) },
        lastError: s.lastError,
      };
      if (tty) process.stderr.write('\n');
      if (o.json) console.log(JSON.stringify(summary));
      else {
        const { callLatencyMs: l, chargersByProtocol: byProtocol, ...rest } = summary;
        console.table({ ...rest, chargersByProtocol: Object.entries(byProtocol).map(([v, n]) => `${v} ${n}`).join(', '), 'CALL→RESULT p50/p95/p99/max ms': [l.p50, l.p95, l.p99, l.max].map((v) => v.toFixed(1)).join(' / ') });
      }
      process.exit(s.callErrors > 0 || s.connectFailures > 0 ? 1 : 0);
    });
}
