/**
 * Many simulated chargers in one process: ramped at a fixed rate, spread over several loopback
 * source addresses (one address gives ~28,000 ephemeral ports), with a mix of DC and AC profiles
 * and of OCPP versions: 1.6 charge points (charger.ts) beside 2.0.1 and 2.1 charging stations
 * (v201/station.ts).
 */
import { newStats, SimCharger, type ChargerOptions, type SimStats } from './charger.ts';
import type { ProfileName } from './profiles.ts';
import type { OcppProtocol } from '../ocpp/protocols.ts';
import { ALL_16, protocolAt, type ProtocolMix } from './protocol-mix.ts';
import { EVSES, SimStation } from './v201/station.ts';

/** A simulated charger of any version. */
export type SimulatedCharger = SimCharger | SimStation;

export interface FleetOptions {
  url: string;
  chargers: number;
  intervalS: number;
  /** New connections per second. */
  ramp: number;
  /** Spread connections over 127.0.0.1 … 127.0.0.N (loopback targets only). */
  sources: number;
  /** Fraction of DC fast chargers; the rest are AC wallboxes. */
  dcShare: number;
  /** Which OCPP version the chargers speak, by share (default: all 1.6). */
  protocols?: ProtocolMix;
  prefix: string;
  /** First index: several simulator processes share one identity space. */
  offset?: number;
  password?: string | undefined;
  sessionS?: [number, number];
  idleS?: [number, number];
  reconnect?: boolean;
  restartSessions?: boolean;
  onMeterValues?: ChargerOptions['onMeterValues'];
  onProgress?: (p: { started: number; stats: SimStats }) => void;
}

export interface Fleet {
  chargers: SimulatedCharger[];
  stats: SimStats;
  rampSeconds: number;
  /** Stop sending, let calls in flight finish. */
  quiesce(): Promise<void>;
  stop(): Promise<void>;
}

export function identityOf(prefix: string, i: number) {
  return `${prefix}${String(i).padStart(6, '0')}`;
}

/** Charger `index`'s profile and version: a function of the index alone (the same in every process and run). */
export function layoutOf(index: number, dcShare: number, protocols: ProtocolMix = ALL_16): { profile: ProfileName; protocol: OcppProtocol } {
  return { profile: (index * 0.618034) % 1 < dcShare ? 'dc' : 'ac', protocol: protocolAt(protocols, index) };
}

/**
 * How many outlets of chargers offset..offset+count-1 sample at once during sessions: one per
 * 1.6 charge point (one connector each), one per EVSE of a 2.0.1 / 2.1 station (the DC charger
 * has two). The offered rate is this ÷ the interval.
 */
export function meteredOutlets(count: number, dcShare: number, protocols: ProtocolMix = ALL_16, offset = 0): number {
  let n = 0;
  for (let i = offset; i < offset + count; i++) {
    const l = layoutOf(i, dcShare, protocols);
    n += l.protocol === 'ocpp1.6' ? 1 : EVSES[l.profile];
  }
  return n;
}

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const stats = newStats();
  const chargers: SimulatedCharger[] = [];
  const loopback = /^wss?:\/\/(127\.|localhost)/.test(o.url);
  const t0 = performance.now();
  const starts: Array<Promise<void>> = [];
  for (let n = 0; n < o.chargers; n++) {
    const i = (o.offset ?? 0) + n;
    const { profile, protocol } = layoutOf(i, o.dcShare, o.protocols);
    const common = {
      url: o.url,
      identity: identityOf(o.prefix, i),
      profile,
      intervalS: o.intervalS,
      password: o.password,
      localAddress: loopback && o.sources > 1 ? `127.0.0.${1 + (i % o.sources)}` : undefined,
      sessionS: o.sessionS,
      idleS: o.idleS,
      reconnect: o.reconnect,
      restartSessions: o.restartSessions,
      stats,
      onMeterValues: o.onMeterValues,
    } as ChargerOptions;
    const c = protocol === 'ocpp1.6' ? new SimCharger(common) : new SimStation({ ...common, protocol });
    chargers.push(c);
    starts.push(c.start().catch(() => undefined));
    // Hold the ramp rate: n+1 connections should have started by (n+1)/ramp seconds.
    const ahead = (n + 1) / o.ramp - (performance.now() - t0) / 1000;
    if (ahead > 0.005) await new Promise((r) => setTimeout(r, ahead * 1000));
    o.onProgress?.({ started: n + 1, stats });
  }
  await Promise.all(starts);
  return {
    chargers,
    stats,
    rampSeconds: (performance.now() - t0) / 1000,
    async quiesce() {
      for (const c of chargers) c.quiesce();
      // A CALL in flight is answered (or times out) within the call timeout; on loopback, ms.
      await new Promise((r) => setTimeout(r, 2000));
    },
    async stop() {
      await Promise.all(chargers.map((c) => c.stop()));
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
