/**
 * The alerts role: a real subscriber of the broker (the embedded one in the all-in-one process,
 * MQTT_URL's when run on its own) following the retained `+/state` shadows, `+/events` and
 * `+/attrs`; it feeds the pure core (reduce.ts) and hands what it raises and clears to the
 * store (durable, reloaded at start), to MQTT (`{tenant}:{deviceId}/alerts`, retained) and to
 * the delivery queue (webhooks, e-mail). Acknowledgements and rule changes made through the
 * HTTP API reach it on CONTROL_TOPIC, wherever the registry runs.
 */
import type { Bus } from '../broker/bus.ts';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { AlertStore } from '../device-registry/store/alert-types.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { topicsFor } from '../contracts/topics.ts';
import { createDeliveryQueue, type DeliveryQueue } from './delivery.ts';
import { emptyDevice, observe, unseenDevice, type AlertInput } from './model.ts';
import { CONTROL_TOPIC, deviceAlertsPayload, eventName, webhookBody, type ControlMessage } from './payloads.ts';
import { bootWindowOf, evaluateAlerts, type AlertsDevice } from './reduce.ts';
import { slicedTick } from './tick.ts';
import { effectiveRules, type Rule, type TenantRules } from '../contracts/alert-rules.ts';
import { emailSender, webhookSender } from './senders.ts';
import { alertKey, type Alert, type AlertTransition } from '../contracts/alerts.ts';

export interface AlertsRole {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Deliveries waiting or in flight. */
  readonly pendingDeliveries: number;
  /** For GET /metrics (no tenant in them). */
  stats(): { active: number; raised: number; cleared: number; deliveriesPending: number; delivered: number; deliveryFailures: number };
  /** Resolves once the control messages received so far (rule reloads) and the transitions so far are handled: a barrier for tests. */
  idle(): Promise<void>;
}

export interface AlertsDeps {
  config: Config;
  bus: Bus;
  store: AlertStore & Pick<RegistryStore, 'listDevices'>;
  log: Logger;
  now?: (() => number) | undefined;
}

/** Devices evaluated per turn by the periodic tick (tick.ts: about a millisecond of the broker's thread). */
export const TICK_SLICE = 500;

const HEAD = /^\{"type":"([A-Za-z]+)"(?:,"direction":"(in|out)","action":"([A-Za-z0-9]+)")?/;
/** Events the rules read in full; every other ocpp event is judged by its head alone. */
const FULL_EVENTS = new Set(['securityRefused', 'handshakeRefused']);

/**
 * The event's type, direction and action from its first bytes; null when the whole event must
 * be parsed (a SecurityEventNotification, a refused handshake, an unexpected layout); 'skip'
 * for events no rule reads.
 */
export function eventHead(payload: Buffer): { type: string; direction: string; action: string } | null | 'skip' {
  const m = HEAD.exec(payload.toString('latin1', 0, Math.min(payload.length, 160)));
  if (!m) return null;
  const [, type, direction, action] = m;
  if (FULL_EVENTS.has(type!)) return null;
  if (type !== 'ocpp') return 'skip';
  if (!direction || !action || action === 'SecurityEventNotification') return null;
  return { type, direction, action };
}

export function createAlerts(deps: AlertsDeps): AlertsRole {
  const { config, bus, store } = deps;
  const topics = topicsFor(config.MQTT_TOPIC_LAYOUT);
  const log = deps.log.child({ component: 'alerts' });
  const now = deps.now ?? Date.now;
  const devices = new Map<string, AlertsDevice>(); // `${tenant}:${deviceId}`
  const rulesByTenant = new Map<string, Rule[]>();
  const email = emailSender({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs: config.ALERTS_WEBHOOK_TIMEOUT_MS });
  const deliveries: DeliveryQueue = createDeliveryQueue({
    store,
    log,
    senders: { webhook: webhookSender({ timeoutMs: config.ALERTS_WEBHOOK_TIMEOUT_MS }), email: email.send },
    limits: { maxPending: config.ALERTS_MAX_PENDING_DELIVERIES, maxAttempts: config.ALERTS_DELIVERY_MAX_ATTEMPTS, backoffMs: config.ALERTS_DELIVERY_BACKOFF_MS, backoffMaxMs: config.ALERTS_DELIVERY_BACKOFF_MAX_MS },
  });
  const defaults = effectiveRules(undefined);
  const rulesOf = (tenant: string) => rulesByTenant.get(tenant) ?? defaults;
  let tick: NodeJS.Timeout | null = null;
  let retention: NodeJS.Timeout | null = null;

  async function prune(): Promise<void> {
    const before = new Date(now() - config.ALERTS_RETENTION_DAYS * 86_400_000).toISOString();
    const n = await store.pruneAlerts(before).catch((err: unknown) => (log.warn({ err }, 'alert retention failed'), null));
    if (n && (n.alerts || n.deliveries)) log.info({ ...n, before }, 'old alerts and deliveries deleted');
  }
  // Transitions are stored, published and queued in the order they happened, one at a time.
  let chain: Promise<void> = Promise.resolve();
  const reloads = new Set<Promise<void>>();

  async function loadRules(tenant?: string): Promise<void> {
    const rows = await store.listAlertRules(tenant);
    const own = new Map<string, TenantRules>();
    for (const r of rows) own.set(r.tenant, { ...own.get(r.tenant), [r.rule.kind]: r.rule });
    if (tenant !== undefined) rulesByTenant.set(tenant, effectiveRules(own.get(tenant)));
    else for (const [t, o] of own) rulesByTenant.set(t, effectiveRules(o));
  }

  function device(tenant: string, deviceId: string, k = `${tenant}:${deviceId}`): AlertsDevice {
    let d = devices.get(k);
    if (!d) devices.set(k, (d = { model: emptyDevice(tenant, deviceId), active: {} }));
    return d;
  }

  function publish(d: AlertsDevice): void {
    const m = d.model;
    bus.publish(topics.device(m.tenant, m.deviceId, 'alerts'), deviceAlertsPayload(m, Object.values(d.active), new Date(now()).toISOString()), { qos: 1, retain: true });
  }

  let stopped = false;
  const counted = { raised: 0, cleared: 0 };

  // Devices whose model changed this turn: their rules are evaluated once, at the end of the
  // turn (an exchange's attrs and events come in one turn: one evaluation, not two).
  const dirty = new Set<string>();

  function apply(tenant: string, deviceId: string, input: AlertInput): void {
    // The bus keeps delivering until it is closed after this role: nothing new is taken on then.
    if (stopped) return;
    const k = `${tenant}:${deviceId}`;
    if (input.type !== 'tick') {
      const before = device(tenant, deviceId, k);
      devices.set(k, { model: observe(before.model, input, now(), bootWindowOf(rulesOf(tenant))), active: before.active });
    } else if (!devices.has(k)) return;
    // The first change since the last evaluation schedules the next one.
    if (dirty.size === 0) setImmediate(evaluateDirty);
    dirty.add(k);
  }

  function evaluateDirty(): void {
    if (dirty.size === 0) return;
    const t0 = now();
    for (const k of dirty) evaluate(k, devices.get(k)!, t0);
    dirty.clear();
  }

  function evaluate(k: string, before: AlertsDevice, t0: number): void {
    const { device: after, transitions } = evaluateAlerts(before, t0, rulesOf(before.model.tenant));
    devices.set(k, after);
    if (transitions.length === 0) return;
    for (const t of transitions) counted[t.type]++;
    handOver(after, transitions);
  }

  // The time-based rules: every device once per ALERTS_EVALUATE_INTERVAL_MS, TICK_SLICE a turn.
  const ticker = slicedTick({
    keys: () => devices.keys(),
    evaluate: (k, t0) => {
      const d = devices.get(k);
      if (d) evaluate(k, d, t0);
    },
    now,
    slice: TICK_SLICE,
    schedule: (fn) => void setImmediate(fn),
    stopped: () => stopped,
  });

  function handOver(d: AlertsDevice, transitions: AlertTransition[]): void {
    chain = chain.then(async () => {
      for (const t of transitions) {
        try {
          await store.saveAlert(t.alert);
        } catch (err) {
          // Still published (MQTT does not need the store); its deliveries need the store to be
          // recorded, so they fail below and are logged (docs/alerts.md).
          log.error({ err, alertId: t.alert.id }, 'alert not stored');
        }
        log.info({ alertId: t.alert.id, rule: t.alert.rule, deviceId: t.alert.deviceId, connectorId: t.alert.connectorId, event: t.type }, t.type === 'raised' ? 'alert raised' : 'alert cleared');
      }
      // The device's latest alerts (an acknowledgement or a later transition may have come since).
      publish(devices.get(`${d.model.tenant}:${d.model.deviceId}`) ?? d);
      for (const t of transitions) {
        await deliveries.enqueue(t.alert.tenant, t.alert.id, eventName(t), webhookBody(t, new Date(now()).toISOString())).catch((err: unknown) => log.error({ err, alertId: t.alert.id }, 'alert deliveries not queued'));
      }
    });
  }

  function onMessage(topic: string, payload: Buffer): void {
    const t = topics.parse(topic);
    if (!t) return;
    if (t.kind === 'events') {
      // Every OCPP exchange is an event, most of it the request (a whole MeterValues): read the
      // head the gateway writes first (contracts/payloads.ts) and parse the rest only when a rule
      // needs it.
      const head = eventHead(payload);
      if (head === 'skip') return;
      if (head) return apply(t.tenant, t.deviceId, { type: 'event', event: head });
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (typeof json !== 'object' || json === null) return;
    if (t.kind === 'state') apply(t.tenant, t.deviceId, { type: 'state', shadow: json as never });
    else if (t.kind === 'events') apply(t.tenant, t.deviceId, { type: 'event', event: json as never });
    else if (t.kind === 'attrs') apply(t.tenant, t.deviceId, { type: 'attrs', attrs: json as never });
  }

  function onControl(_topic: string, payload: Buffer): void {
    let m: ControlMessage;
    try {
      m = JSON.parse(payload.toString('utf8')) as ControlMessage;
    } catch {
      return;
    }
    if (m.type === 'ack') {
      const d = devices.get(`${m.tenant}:${m.deviceId}`);
      const entry = d && Object.entries(d.active).find(([, a]) => a.id === m.id);
      if (!d || !entry || entry[1].acknowledgedAt) return;
      const [key, a] = entry;
      const acked: Alert = { ...a, acknowledgedAt: m.acknowledgedAt, acknowledgedBy: m.acknowledgedBy };
      devices.set(`${m.tenant}:${m.deviceId}`, { ...d, active: { ...d.active, [key]: acked } });
      // The device's latest alerts when the turn comes (later transitions keep the acknowledgement).
      chain = chain.then(() => publish(devices.get(`${m.tenant}:${m.deviceId}`)!));
    } else if (m.type === 'rules' && typeof m.tenant === 'string') {
      const reload = loadRules(m.tenant)
        .then(() => {
          for (const d of devices.values()) if (d.model.tenant === m.tenant) apply(d.model.tenant, d.model.deviceId, { type: 'tick' });
        })
        .catch((err: unknown) => log.error({ err, tenant: m.tenant }, 'alert rules not reloaded'))
        .finally(() => reloads.delete(reload));
      reloads.add(reload);
    }
  }

  return {
    async start() {
      await loadRules();
      // Every device that has been connected before starts as offline-since-now until its shadow
      // or its charger says otherwise (model.ts unseenDevice).
      const t0 = now();
      for (let offset = 0; ; offset += 1000) {
        const page = await store.listDevices({ limit: 1000, offset });
        for (const dev of page.items) {
          if (dev.enabled && typeof dev.attrs['vendor'] === 'string') devices.set(`${dev.tenant}:${dev.id}`, { model: unseenDevice(dev.tenant, dev.id, dev.chargePointId, t0), active: {} });
        }
        if (page.items.length < 1000) break;
      }
      // Active alerts survive a restart: they stay active until the live model says otherwise.
      const active = await store.listAlerts({ active: true, limit: 1_000_000 });
      for (const a of active.items) {
        const d = device(a.tenant, a.deviceId);
        d.model = { ...d.model, chargePointId: a.chargePointId };
        d.active[alertKey(a)] = a;
      }
      await bus.subscribe(CONTROL_TOPIC, onControl, { qos: 1 });
      await Promise.all((['state', 'events', 'attrs'] as const).map((k) => bus.subscribe(topics.every(k), onMessage, { qos: 1 })));
      for (const d of devices.values()) publish(d);
      await deliveries.resume();
      tick = setInterval(() => ticker.start(), config.ALERTS_EVALUATE_INTERVAL_MS);
      tick.unref();
      await prune();
      retention = setInterval(() => void prune(), 6 * 3_600_000);
      retention.unref();
      log.info({ active: active.total }, 'alerts started');
    },
    async stop() {
      stopped = true;
      evaluateDirty();
      if (tick) clearInterval(tick);
      if (retention) clearInterval(retention);
      tick = retention = null;
      await chain;
      deliveries.stop();
      email.close();
    },
    get pendingDeliveries() {
      return deliveries.pending;
    },
    stats() {
      let active = 0;
      for (const d of devices.values()) active += Object.keys(d.active).length;
      return { active, ...counted, deliveriesPending: deliveries.pending, delivered: deliveries.counts.delivered, deliveryFailures: deliveries.counts.failed };
    },
    async idle() {
      await Promise.all([...reloads]);
      evaluateDirty();
      ticker.finish();
      await chain;
    },
  };
}
