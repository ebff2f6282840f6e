/**
 * Test-data builders for the gateway's unit tests (house style: `aThing(overrides)`): a device,
 * the configuration, OCPP frames, a session on an in-memory bus, and a dispatcher over the
 * in-memory store (memory-store.ts). No sockets: a session publishes into `RecordingBus`, a
 * CALL goes straight to dispatch.
 */
import { createLogger } from '../../common/logger.ts';
import { loadConfig, type Config } from '../../common/config.ts';
import type { Bus, MessageHandler, PublishOptions } from '../../broker/bus.ts';
import type { Device, IdTag } from '../../contracts/registry.ts';
import type { Problem } from '../../common/health.ts';
import { createDispatcher, type Call } from '../dispatch.ts';
import { adapterFor } from '../protocols/index.ts';
import { ChargerSession } from '../session.ts';
import type { Shadow } from '../shadow.ts';
import type { TelemetrySink, Ticket } from '../telemetry-sink.ts';
import { MemoryStore } from './memory-store.ts';
import { topicsFor } from '../../contracts/topics.ts';

export const silentLog = createLogger('silent');

export function aDevice(o: Partial<Device> = {}): Device {
  const id = o.id ?? 'dev-1';
  return {
    id,
    tenant: 'admin',
    chargePointId: `CP-${id}`,
    label: `CP-${id}`,
    enabled: true,
    passwordHash: null,
    pendingPasswordHash: null,
    lenient: null,
    securityProfile: 1,
    ocppProtocol: null,
    templates: [],
    attrs: {},
    site: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}

export function anIdTag(o: Partial<IdTag> = {}): IdTag {
  return { tenant: 'admin', idTag: 'TAG-1', status: 'Accepted', expiryDate: null, parentIdTag: null, ...o };
}

/** The configuration as loadConfig reads this environment (defaults for the rest). */
export function aConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATA_DIR: '/nonexistent-test-data-dir', ...env });
}

/** A CALL as the connection hands it to dispatch, with its payload text as the charger sent it. */
export function aCall(method: string, params: unknown = {}, messageId = `m-${method}`): Call {
  return { method, params, messageId, payloadText: JSON.stringify(params) };
}

export interface Published {
  topic: string;
  payload: string;
  opts: PublishOptions;
}

/** A Bus that keeps what was published, parsed on demand by topic suffix. */
export class RecordingBus implements Bus {
  readonly published: Published[] = [];
  pending = 0;
  publish(topic: string, payload: string | Buffer, opts: PublishOptions): void {
    this.published.push({ topic, payload: String(payload), opts });
  }
  async publishAsync(topic: string, payload: string | Buffer, opts: PublishOptions): Promise<void> {
    this.publish(topic, payload, opts);
  }
  async subscribe(_filter: string, _handler: MessageHandler): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  /** The payloads published on topics ending with `/${kind}`, parsed. */
  of(kind: 'attrs' | 'events' | 'state'): Array<Record<string, unknown>> {
    return this.published.filter((p) => p.topic.endsWith(`/${kind}`)).map((p) => JSON.parse(p.payload) as Record<string, unknown>);
  }
  /** The `events` of one type. */
  events(type: string): Array<Record<string, unknown>> {
    return this.of('events').filter((e) => e['type'] === type);
  }
  /** The last retained shadow published. */
  lastState(): Record<string, unknown> | undefined {
    return this.of('state').at(-1);
  }
}

/** A telemetry sink that keeps at once (or refuses, with `refusal`). */
export function aTelemetrySink(o: { refusal?: Problem | null } = {}): TelemetrySink & { kept: string[] } {
  const kept: string[] = [];
  return {
    kept,
    refusal: o.refusal ?? null,
    publish(_topic: string, payload: string): Ticket {
      kept.push(payload);
      return {};
    },
    settled: () => undefined,
  };
}

export interface SessionBuild {
  protocol?: string;
  device?: Partial<Device>;
  shadow?: Shadow;
  bus?: RecordingBus;
  telemetry?: TelemetrySink;
  persist?: (s: Shadow) => void;
}

/** A session of one charger on a RecordingBus (boot Accepted unless `shadow` says otherwise). */
export function aSession(o: SessionBuild = {}): { session: ChargerSession; bus: RecordingBus } {
  const bus = o.bus ?? new RecordingBus();
  const session = new ChargerSession({
    device: aDevice(o.device),
    adapter: adapterFor(o.protocol ?? 'ocpp1.6'),
    bus,
    topics: topicsFor('dojot'),
    log: silentLog,
    toleranceSeconds: 750,
    telemetry: o.telemetry ?? aTelemetrySink(),
    shadow: o.shadow,
    persist: o.persist,
  });
  return { session, bus };
}

/**
 * A session (boot Accepted unless `registration` says otherwise) and a dispatcher over an in-memory store: `send(call)` is what the connection does
 * with a CALL (its answer, or the RPC error it would turn into a CALLERROR).
 */
export function aDispatchHarness(o: SessionBuild & { store?: MemoryStore; config?: Config; registration?: 'Accepted' | 'Pending' | 'Rejected' | null } = {}) {
  const store = o.store ?? new MemoryStore();
  const config = o.config ?? aConfig();
  const telemetry = o.telemetry ?? aTelemetrySink();
  const { session, bus } = aSession({ ...o, telemetry });
  if (!store.devices.has(session.device.id)) store.devices.set(session.device.id, session.device);
  const dispatch = createDispatcher({ store, config, telemetry });
  // The boot's outcome the session starts from (null: no boot yet on this connection).
  const registration = o.registration === undefined ? 'Accepted' : o.registration;
  if (registration) session.update({ type: 'boot', at: new Date().toISOString(), registration, vendor: 'V', model: 'M' });
  const send = (call: Call): Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string }> =>
    dispatch(session, call).then(
      (result) => ({ ok: true as const, result: result as Record<string, unknown> }),
      (e: { rpcErrorCode: string; message: string }) => ({ ok: false as const, code: e.rpcErrorCode, message: e.message }),
    );
  return { store, config, session, bus, telemetry, dispatch, send };
}

/**
 * What the handlers' tests drive (protocols/{ocpp16,ocpp201}/handlers): aDispatchHarness over a
 * store that knows `idTags` (one anIdTag() unless given), the configuration of `env`, and
 * `ok(action, params)`, the result of a CALL that must be answered; `attrs()`, the telemetry
 * kept, parsed.
 */
export function aHandlerHarness(o: { protocol?: string; idTags?: IdTag[]; env?: Record<string, string> } = {}) {
  const telemetry = aTelemetrySink();
  const h = aDispatchHarness({ protocol: o.protocol, store: new MemoryStore({ idTags: o.idTags ?? [anIdTag()] }), telemetry, config: aConfig(o.env) });
  const ok = async (action: string, params: unknown) => {
    const r = await h.send(aCall(action, params));
    if (!r.ok) throw new Error(`${action}: ${r.code} ${r.message}`);
    return r.result;
  };
  const attrs = () => telemetry.kept.map((p) => JSON.parse(p) as Record<string, unknown>);
  return { ...h, ok, attrs };
}
