/**
 * The OCPP gateway's Prometheus metrics (prom-client, in the registry of the thread the gateway
 * runs on: common/metrics/thread.ts): exchanges by direction, action and result, the time from a
 * frame's arrival to its telemetry being handed to the broker or journal, the time to the answer,
 * and commands' round trips.
 *
 * Labels stay bounded whatever a charger sends: an action of no OCPP version is `other`, a
 * result is `ok` or one of the OCPP-J error codes.
 */
import { Counter, Histogram } from 'prom-client';
import { threadRegistry } from '../common/metrics/thread.ts';
import { CHARGER_ACTIONS, OCPP_COMMAND_ACTIONS } from '../ocpp/actions.ts';

const KNOWN = new Set<string>([...CHARGER_ACTIONS, ...OCPP_COMMAND_ACTIONS]);
const action = (a: string) => (KNOWN.has(a) ? a : 'other');
// 0.5 ms to 10 s: a hot-path publish is sub-millisecond, a journal sync a few ms, a command
// to a slow charger seconds.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let m: ReturnType<typeof create> | undefined;
function create() {
  const registers = [threadRegistry()];
  return {
    messages: new Counter({ name: 'chargebridge_ocpp_messages_total', help: 'OCPP exchanges by direction (in: the charger called; out: a command), action and result (ok or the OCPP-J error code)', labelNames: ['direction', 'action', 'result'], registers }),
    framePublish: new Histogram({ name: 'chargebridge_ocpp_frame_to_publish_seconds', help: "from a CALL's arrival to its telemetry handed to the broker (or the journal), for the calls that carry telemetry", labelNames: ['action'], buckets: BUCKETS, registers }),
    callDuration: new Histogram({ name: 'chargebridge_ocpp_call_duration_seconds', help: "from a charger's CALL arriving to its answer (telemetry kept first: acknowledged means durable)", labelNames: ['action'], buckets: BUCKETS, registers }),
    refusals: new Counter({ name: 'chargebridge_ocpp_handshake_refusals_total', help: 'charger handshakes refused, by reason (docs/chargers.md: refused connections)', labelNames: ['reason'], registers }),
    commandDuration: new Histogram({ name: 'chargebridge_command_duration_seconds', help: 'round trip of a command to a charger, from sending to its answer, error or timeout', labelNames: ['action', 'result'], buckets: BUCKETS, registers }),
  };
}
const metrics = () => (m ??= create());

// Per frame on the hot path: the labelled children are looked up once per label set, not hashed
// from a labels object at every observation.
type Children = { messages: ReturnType<Counter['labels']>; call: ReturnType<Histogram['labels']>; publish: ReturnType<Histogram['labels']> };
const inbound = new Map<string, Children>();
function childrenFor(a: string, result: string): Children {
  const key = `${a}\0${result}`;
  let c = inbound.get(key);
  if (!c) {
    const x = metrics();
    inbound.set(key, (c = { messages: x.messages.labels('in', a, result), call: x.callDuration.labels(a), publish: x.framePublish.labels(a) }));
  }
  return c;
}

/** A charger's CALL answered (or refused): `startMs` from performance.now() at its arrival. */
export function observeCall(name: string, result: string, startMs: number, publishedMs: number | null): void {
  const c = childrenFor(action(name), result);
  c.messages.inc();
  c.call.observe((performance.now() - startMs) / 1000);
  if (publishedMs !== null) c.publish.observe((publishedMs - startMs) / 1000);
}

/** A command's outcome, `seconds` after it was sent. */
export function observeCommand(name: string, result: string, seconds: number): void {
  const a = action(name);
  const x = metrics();
  x.messages.inc({ direction: 'out', action: a, result });
  x.commandDuration.observe({ action: a, result }, seconds);
}

/** A refused handshake; `reason` is one of the handshake's stable codes (bounded). */
export function observeRefusal(reason: string): void {
  metrics().refusals.inc({ reason });
}
