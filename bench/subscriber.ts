/**
 * The platform side of a bench run: one MQTT subscriber on every device's attrs (QoS 1) taking every
 * charger's telemetry, from the gateway or from the bare pipeline.
 *
 * Frame-in → subscriber latency is the arrival time minus the sample timestamp the charger
 * wrote into the frame just before sending it (same machine, same clock, 1 ms resolution).
 */
import mqtt from 'mqtt';
import type { Topics } from '../contracts/topics.ts';

/**
 * Which telemetry a message is, from its text. The compliant simulated chargers always send
 * power (the gateway's attrs `"power"`, the bare pipeline's raw `"Power.Active.Import"`); the
 * flooders (bench/flood-worker.ts) send voltage without power; StartTransaction's meterStart,
 * which the gateway publishes too, has neither.
 */
export function classify(text: string): 'sample' | 'flood' | null {
  if (text.includes('"power"') || text.includes('"Power.Active.Import"')) return 'sample';
  if (text.includes('"voltage"') || text.includes('"Voltage"')) return 'flood';
  return null;
}

/** The sample time, read without parsing the whole message (`"timestamp":"<ISO 8601>"` comes first). */
export function sampleTime(text: string): number {
  const at = text.indexOf('"timestamp":"') + 13;
  return Date.parse(text.slice(at, text.indexOf('"', at)));
}

export interface Subscriber {
  /** Compliant chargers' samples received, all of the run. */
  readonly received: number;
  /** Compliant chargers' samples received during the window. */
  readonly windowReceived: number;
  /** Flooders' samples received, all of the run. */
  readonly floodReceived: number;
  /** Times the broker closed the subscriber's connection (each loses what was queued for it). */
  readonly disconnects: number;
  /**
   * Frame → subscriber latencies of the compliant samples taken during the window, whenever
   * they arrive (a sample held past the window's end still counts, with its whole delay), ms.
   */
  readonly e2e: number[];
  measure(on: boolean): void;
  close(): Promise<void>;
}

export async function subscribe(url: string, auth: { username?: string; password?: string }, topics: Topics): Promise<Subscriber> {
  let received = 0;
  let windowReceived = 0;
  let floodReceived = 0;
  let measuring = false;
  let from = Infinity;
  let until = Infinity;
  let disconnects = 0;
  let closing = false;
  const e2e: number[] = [];
  const client = await mqtt.connectAsync(url, { ...auth, clientId: `bench-${process.pid}-${Date.now()}` });
  client.on('message', (_topic, payload) => {
    const now = Date.now();
    // The subscriber shares the cores with what it measures: a string search, no JSON.parse.
    const text = payload.toString();
    const kind = classify(text);
    if (kind === 'flood') floodReceived++;
    if (kind !== 'sample') return;
    received++;
    if (measuring) windowReceived++;
    const at = sampleTime(text);
    if (at >= from && at < until) e2e.push(now - at);
  });
  client.on('close', () => {
    if (!closing) disconnects++;
  });
  await client.subscribeAsync(topics.every('attrs'), { qos: 1 });
  return {
    get received() {
      return received;
    },
    get windowReceived() {
      return windowReceived;
    },
    get floodReceived() {
      return floodReceived;
    },
    get disconnects() {
      return disconnects;
    },
    e2e,
    measure(on) {
      measuring = on;
      if (on) [from, until] = [Date.now(), Infinity];
      else until = Date.now();
    },
    close: () => {
      closing = true;
      return client.endAsync(true);
    },
  };
}
