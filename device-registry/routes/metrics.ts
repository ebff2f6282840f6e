/**
 * GET /metrics: Prometheus text exposition (version 0.0.4, written by prom-client) of what an
 * operator alerts on — connected chargers, unacknowledged publishes, the history persister's
 * backlog, the broker's slow clients, OCPP exchanges by action and result with latency
 * histograms, each thread's event-loop lag and heap, the process's CPU and memory. Backpressure
 * shows here and in the logs, never as silent dropping. No series carries a tenant: admin tokens
 * and `metrics` tokens (which can read nothing else) only.
 */
import type { FastifyInstance } from 'fastify';
import { requireMetrics } from '../../common/http/auth.ts';
import type { AdmissionStats } from '../http/admission.ts';
import { prometheusContentType, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { renderAll } from '../../common/metrics/thread.ts';

export interface MetricsSource {
  gatewayConnections?: () => number;
  busPending?: () => number;
  backpressure?: () => { holding: boolean; holds: number };
  history?: () => { received: number; written: number; rejected: number; dropped: number; backlog: number; spooledBatches: number; spoolBytes: number; backendUp: boolean };
  /** Failed charger authentications at the OCPP handshake (common/login-throttle.ts). */
  ocppAuth?: () => { failures: number; lockouts: number; throttled: number };
  /** The telemetry journal of the all-in-one process (common/journal/). */
  journal?: () => { backlogBytes: number; writable: boolean };
  /** The embedded MQTT broker (broker/embedded.ts): what slow clients and failed logins cost. */
  broker?: () => {
    clients: number;
    qos0Dropped: number;
    overflowDisconnects: number;
    sessionMessages: number;
    offlineDropped: number;
    authFailures: number;
    authLockouts: number;
    authThrottled: number;
    retainedMessages?: number;
    retainedBytes?: number;
    retainedRefused?: number;
  };
  /** Component readiness (common/health.ts): one `chargebridge_health_ok{check=...}` gauge each. */
  health?: () => Record<string, { ok: boolean }>;
  /** Registry calls of the gateway by method. */
  registryCalls?: () => Record<string, number>;
  /** The thread each role runs on (worker_threads threadId; 0 is the main thread). */
  threads?: () => Record<string, number | null>;
  /** Errors that escaped every handler and reached the process guard. */
  unexpectedErrors?: () => number;
  /** The OCPP message log's consumer and writer (message-log/). */
  messageLog?: () => { received: number; written: number; dropped: number; expired: number; failed: number; lost: number; backlog: number };
  /** HTTP requests waiting for a turn (device-registry/http/admission.ts). */
  httpAdmission?: () => AdmissionStats;
  /** The alerts role in this process (alerts/index.ts). */
  alerts?: () => { active: number; raised: number; cleared: number; deliveriesPending: number; delivered: number; deliveryFailures: number };
  /** The worker threads' prom-client registries as JSON (common/metrics/thread.ts). */
  threadMetrics?: () => Array<MetricObjectWithValues<MetricValue<string>>[] | null>;
}

type Metric = [name: string, type: 'counter' | 'gauge', help: string, value: number];
/** prom-client's metric JSON (getMetricsAsJSON), as AggregatorRegistry.aggregate takes it. */
interface MetricJson {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Array<{ value: number; labels: Record<string, string> }>;
  aggregator: 'sum';
}

/**
 * The figures the roles of this process report (read at the scrape), as prom-client metric
 * objects; they are merged with the threads' registries (common/metrics/thread.ts) and
 * written out by prom-client.
 */
export function collectSourceMetrics(src: MetricsSource): MetricJson[] {
  const m: Metric[] = [];
  if (src.gatewayConnections) m.push(['chargebridge_gateway_connections', 'gauge', 'OCPP connections open on this process', src.gatewayConnections()]);
  if (src.busPending) m.push(['chargebridge_bus_pending_publishes', 'gauge', 'publishes not yet acknowledged by the broker', src.busPending()]);
  const b = src.backpressure?.();
  if (b) {
    m.push(['chargebridge_gateway_backpressure_holding', 'gauge', '1 while answers to chargers wait for the broker to catch up', b.holding ? 1 : 0]);
    m.push(['chargebridge_gateway_backpressure_holds_total', 'counter', 'times answers to chargers waited for the broker', b.holds]);
  }
  const j = src.journal?.();
  if (j) {
    m.push(['chargebridge_journal_backlog_bytes', 'gauge', 'telemetry kept in the journal that the history role has not stored yet', j.backlogBytes]);
    m.push(['chargebridge_journal_writable', 'gauge', '1 while the journal takes telemetry; 0 while MeterValues are refused (full disk, journal full)', j.writable ? 1 : 0]);
  }
  const a = src.httpAdmission?.();
  if (a) {
    m.push(['chargebridge_http_requests_queued', 'gauge', 'HTTP requests waiting for an event-loop turn to start', a.queued]);
    m.push(['chargebridge_http_requests_deferred_total', 'counter', 'HTTP requests that waited for a later turn', a.deferred]);
    m.push(['chargebridge_http_requests_overloaded_total', 'counter', 'HTTP requests refused with 503 OVERLOADED (queue full)', a.refused]);
  }
  if (src.unexpectedErrors) m.push(['chargebridge_process_unexpected_errors_total', 'counter', 'errors that escaped every handler (caught by the process guard and logged; a bug)', src.unexpectedErrors()]);
  const h = src.history?.();
  if (h) {
    m.push(['chargebridge_history_points_received_total', 'counter', 'telemetry points received by the history persister', h.received]);
    m.push(['chargebridge_history_points_written_total', 'counter', 'points the time-series backend acknowledged', h.written]);
    m.push(['chargebridge_history_points_rejected_total', 'counter', 'points the backend refused for good (logged with the reason)', h.rejected]);
    m.push(['chargebridge_history_points_dropped_total', 'counter', 'points dropped because the in-memory backlog was full and the spool refused them (logged)', h.dropped]);
    m.push(['chargebridge_history_backlog_points', 'gauge', 'points received or read from the journal, not yet stored', h.backlog]);
    m.push(['chargebridge_history_spool_batches', 'gauge', 'batches waiting on disk for the backend', h.spooledBatches]);
    m.push(['chargebridge_history_spool_bytes', 'gauge', 'bytes waiting on disk for the backend', h.spoolBytes]);
    m.push(['chargebridge_history_backend_up', 'gauge', '1 when the last write to the backend succeeded', h.backendUp ? 1 : 0]);
  }
  const ml = src.messageLog?.();
  if (ml) {
    m.push(['chargebridge_message_log_events_received_total', 'counter', 'events the message log received from the events topic', ml.received]);
    m.push(['chargebridge_message_log_events_written_total', 'counter', 'events stored in the message log', ml.written]);
    m.push(['chargebridge_message_log_events_dropped_total', 'counter', 'events not logged because MESSAGE_LOG_MAX_BACKLOG events waited for the writer (logged once per episode)', ml.dropped]);
    m.push(['chargebridge_message_log_events_failed_total', 'counter', 'events lost to a failed write or a writer thread that died (logged)', ml.lost + ml.failed]);
    m.push(['chargebridge_message_log_events_expired_total', 'counter', 'events not stored because their day was already past MESSAGE_LOG_RETENTION_DAYS', ml.expired]);
    m.push(['chargebridge_message_log_backlog_events', 'gauge', 'events received and not yet stored by the message log', ml.backlog]);
  }
  const q = src.broker?.();
  if (q) {
    m.push(['chargebridge_mqtt_clients', 'gauge', 'MQTT clients connected to the embedded broker', q.clients]);
    m.push(['chargebridge_mqtt_qos0_dropped_total', 'counter', 'QoS 0 deliveries dropped for clients behind by more than MQTT_QOS0_DROP_BYTES', q.qos0Dropped]);
    m.push(['chargebridge_mqtt_overflow_disconnects_total', 'counter', 'clients disconnected with more than MQTT_MAX_CLIENT_QUEUE_BYTES waiting for them', q.overflowDisconnects]);
    m.push(['chargebridge_mqtt_session_messages', 'gauge', 'QoS 1 messages held by persistent sessions (queued or unacknowledged)', q.sessionMessages]);
    m.push(['chargebridge_mqtt_offline_dropped_total', 'counter', 'QoS 1 messages not kept for a full persistent session (MQTT_MAX_OFFLINE_MESSAGES, MQTT_MAX_TENANT_OFFLINE_MESSAGES)', q.offlineDropped]);
    m.push(['chargebridge_mqtt_auth_failures_total', 'counter', 'MQTT logins refused: wrong credentials, or attempted during a backoff or lockout', q.authFailures]);
    m.push(['chargebridge_mqtt_auth_lockouts_total', 'counter', 'lockouts of a username or remote address after repeated failed MQTT logins', q.authLockouts]);
    m.push(['chargebridge_mqtt_auth_throttled_total', 'counter', 'MQTT logins refused without checking the token (backoff or lockout)', q.authThrottled]);
    if (q.retainedMessages !== undefined) {
      m.push(['chargebridge_mqtt_retained_messages', 'gauge', 'topics with a retained message (MQTT_MAX_RETAINED_MESSAGES)', q.retainedMessages]);
      m.push(['chargebridge_mqtt_retained_bytes', 'gauge', 'bytes of retained topics and payloads (MQTT_MAX_RETAINED_BYTES)', q.retainedBytes ?? 0]);
      m.push(['chargebridge_mqtt_retained_refused_total', 'counter', 'retained messages not kept because the retained store was full', q.retainedRefused ?? 0]);
    }
  }
  const al = src.alerts?.();
  if (al) {
    m.push(['chargebridge_alerts_active', 'gauge', 'alerts active now, all tenants (docs/alerts.md)', al.active]);
    m.push(['chargebridge_alerts_raised_total', 'counter', 'alerts raised by this process', al.raised]);
    m.push(['chargebridge_alerts_cleared_total', 'counter', 'alerts cleared by this process', al.cleared]);
    m.push(['chargebridge_alert_deliveries_pending', 'gauge', 'alert deliveries (webhook, e-mail) waiting or being sent', al.deliveriesPending]);
    m.push(['chargebridge_alert_deliveries_delivered_total', 'counter', 'alert deliveries the receiver took', al.delivered]);
    m.push(['chargebridge_alert_deliveries_failed_total', 'counter', 'alert deliveries kept as failed (attempts used up, QUEUE_FULL, target gone)', al.deliveryFailures]);
  }
  const oa = src.ocppAuth?.();
  if (oa) {
    m.push(['chargebridge_ocpp_auth_failures_total', 'counter', 'charger handshakes refused for a wrong or missing password, an unknown identity (AUTO_PROVISION=false), or during a backoff or lockout', oa.failures]);
    m.push(['chargebridge_ocpp_auth_lockouts_total', 'counter', 'lockouts of a charge point identity or remote address after repeated failed authentications', oa.lockouts]);
    m.push(['chargebridge_ocpp_auth_throttled_total', 'counter', 'charger handshakes answered 429 without checking the password (backoff or lockout)', oa.throttled]);
  }
  const out: MetricJson[] = m.map(([name, type, help, value]) => ({ name, help, type, values: [{ value, labels: {} }], aggregator: 'sum' }));
  const labelled = (name: string, type: 'counter' | 'gauge', help: string, label: string, entries: Array<[string, number]>) => {
    if (entries.length) out.push({ name, help, type, values: entries.map(([k, value]) => ({ value, labels: { [label]: k } })), aggregator: 'sum' });
  };
  const threads = src.threads?.();
  if (threads) labelled('chargebridge_thread_id', 'gauge', 'the thread a role runs on (0: the main thread; docs/scale-out.md: threads)', 'role', Object.entries(threads).filter((e): e is [string, number] => e[1] !== null));
  const calls = src.registryCalls?.();
  if (calls) labelled('chargebridge_gateway_registry_calls_total', 'counter', 'registry calls of the gateway by method (none on the MeterValues hot path)', 'method', Object.entries(calls));
  const checks = src.health?.();
  if (checks) labelled('chargebridge_health_ok', 'gauge', '1 while the component works, 0 while it has a problem (see GET /health)', 'check', Object.entries(checks).map(([c, v]) => [c, v.ok ? 1 : 0]));
  return out;
}

/** The text exposition of GET /metrics: the roles' figures, this thread's registry, the workers'. */
export function renderMetrics(src: MetricsSource): Promise<string> {
  return renderAll([collectSourceMetrics(src) as unknown as MetricObjectWithValues<MetricValue<string>>[], ...(src.threadMetrics?.() ?? [])]);
}

export function metricsRoutes(src: MetricsSource) {
  return async function register(app: FastifyInstance) {
    app.get('/metrics', { schema: { tags: ['metrics'], summary: 'Prometheus metrics (admin)' } }, async (req, reply) => {
      requireMetrics(req.caller);
      reply.type(prometheusContentType);
      return renderMetrics(src);
    });
  };
}
