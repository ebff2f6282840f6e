/**
 * The live model of one device, as the alerts role sees it from MQTT: the retained `state`
 * shadow, the `events` and the `attrs` messages (docs/mqtt.md). Pure: `observe` returns the
 * next model and never mutates its input. Times are epoch milliseconds of the alerts role's
 * clock (`now`), except where the shadow carries the gateway's own (disconnectedAt).
 */

export interface ConnectorModel {
  status: string;
  errorCode: string;
  info: string | null;
  vendorErrorCode: string | null;
  transactionId: number | null;
  /** When this role first saw the current transaction (ms), or null. */
  sessionSince: number | null;
  /** When the last `attrs` sample of this connector arrived (ms). */
  lastMeterAt: number | null;
  /** The energy register at the latest sample time seen, for the energyBackwards rule. */
  energy: { ts: number; wh: number; transactionId: number | null } | null;
  /** The latest time the register went backwards, with the readings. */
  backwards: { at: number; fromWh: number; toWh: number } | null;
}

export interface DeviceModel {
  tenant: string;
  deviceId: string;
  chargePointId: string;
  /** Whether a shadow has been seen at all: nothing is judged before. */
  known: boolean;
  online: boolean;
  /** When the device went offline (ms; the shadow's disconnectedAt), null while online. */
  offlineSince: number | null;
  offlineReason: string | null;
  /** The last OCPP CALL from the charger, or the connection's start (ms). */
  lastCallAt: number | null;
  /** BootNotification arrival times (ms), oldest first, pruned to the bootLoop window. */
  boots: number[];
  firmwareStatus: string | null;
  diagnosticsStatus: string | null;
  security: { at: number; type: string; techInfo: string | null } | null;
  /** Refused handshakes of this device (ms), oldest first, pruned to the window; the last one's details. */
  refusals: number[];
  lastRefusal: { reason: string; status: number | null; remoteAddress: string | null } | null;
  connectors: Record<string, ConnectorModel>;
  /**
   * The keys of `connectors`, kept with them: the conditions walk a device's connectors on every
   * evaluation (every message, and every device on each tick), and `for … in` over an object
   * keyed "1", "2" builds its key strings each time (~8 × slower than this list, and garbage).
   */
  connectorIds: readonly string[];
}

/** What the role feeds the reducer: a parsed MQTT message, or the passing of time. */
export type AlertInput =
  | { type: 'state'; shadow: ShadowView }
  | { type: 'event'; event: EventView }
  | { type: 'attrs'; attrs: AttrsView }
  | { type: 'tick' };

/** The fields of the `state` shadow the rules read (gateway/shadow.ts writes them). */
export interface ShadowView {
  chargePointId?: string | undefined;
  online?: boolean | undefined;
  connectedAt?: string | null | undefined;
  disconnectedAt?: string | null | undefined;
  offlineReason?: string | null | undefined;
  firmwareStatus?: string | null | undefined;
  diagnosticsStatus?: string | null | undefined;
  connectors?: Record<string, { status?: string; errorCode?: string; info?: string | null; vendorErrorCode?: string | null; transactionId?: number | null }> | undefined;
}

export interface EventView {
  type: string;
  direction?: string | undefined;
  action?: string | undefined;
  request?: unknown;
  error?: unknown;
  /** Of a refused handshake (`securityRefused`, `handshakeRefused`). */
  reason?: unknown;
  status?: unknown;
  remoteAddress?: unknown;
}

export interface AttrsView {
  connectorId?: number | undefined;
  transactionId?: number | undefined;
  context?: string | undefined;
  timestamp?: string | undefined;
  energy?: number | undefined;
}

export function emptyDevice(tenant: string, deviceId: string): DeviceModel {
  return { tenant, deviceId, chargePointId: deviceId, known: false, online: false, offlineSince: null, offlineReason: null, lastCallAt: null, boots: [], firmwareStatus: null, diagnosticsStatus: null, security: null, refusals: [], lastRefusal: null, connectors: {}, connectorIds: [] };
}

/**
 * A device the registry knows has been connected before (it booted once), as this role sees it
 * when it starts and has no shadow of it yet: offline since now. With the embedded broker a
 * restart loses every retained shadow, and a charger that does not come back must still raise
 * `offline`; a retained shadow (external broker) or the charger's reconnect replaces this at once.
 */
export function unseenDevice(tenant: string, deviceId: string, chargePointId: string, now: number): DeviceModel {
  return { ...emptyDevice(tenant, deviceId), chargePointId, known: true, offlineSince: now, offlineReason: 'notSeenSinceStart' };
}

function emptyConnector(): ConnectorModel {
  return { status: 'Unknown', errorCode: 'NoError', info: null, vendorErrorCode: null, transactionId: null, sessionSince: null, lastMeterAt: null, energy: null, backwards: null };
}

const time = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** Keeps only boots inside the window (the longest window any rule may ask for). */
export function pruneBoots(boots: number[], now: number, windowMs: number): number[] {
  const from = now - windowMs;
  return boots[0] !== undefined && boots[0] < from ? boots.filter((b) => b >= from) : boots;
}

export function observe(d: DeviceModel, input: AlertInput, now: number, bootWindowMs: number): DeviceModel {
  switch (input.type) {
    case 'tick':
      return d;
    case 'state':
      return fromShadow(d, input.shadow, now);
    case 'event':
      return fromEvent(d, input.event, now, bootWindowMs);
    case 'attrs':
      return fromAttrs(d, input.attrs, now);
  }
}

function fromShadow(d: DeviceModel, s: ShadowView, now: number): DeviceModel {
  const online = s.online === true;
  // Connectors the shadow does not list yet (samples before any StatusNotification) keep what
  // this model learnt of them from attrs.
  const connectors: Record<string, ConnectorModel> = { ...d.connectors };
  let connectorIds = d.connectorIds;
  for (const [id, c] of Object.entries(s.connectors ?? {})) {
    const prev = d.connectors[id] ?? emptyConnector();
    if (!(id in d.connectors)) connectorIds = [...connectorIds, id];
    const tx = typeof c.transactionId === 'number' ? c.transactionId : null;
    connectors[id] = {
      ...prev,
      status: c.status ?? 'Unknown',
      errorCode: c.errorCode ?? 'NoError',
      info: c.info ?? null,
      vendorErrorCode: c.vendorErrorCode ?? null,
      transactionId: tx,
      sessionSince: tx === null ? null : prev.transactionId === tx && prev.sessionSince !== null ? prev.sessionSince : now,
      // A new session is judged from its own start, not from the previous one's last sample.
      lastMeterAt: tx !== null && prev.transactionId !== tx ? null : prev.lastMeterAt,
    };
  }
  const wentOnline = online && !d.online;
  return {
    ...d,
    known: true,
    chargePointId: s.chargePointId ?? d.chargePointId,
    online,
    // The gateway's own time of the disconnect, so that a restart of this role keeps the count.
    offlineSince: online ? null : Math.min(time(s.disconnectedAt) ?? d.offlineSince ?? now, now),
    offlineReason: online ? null : (s.offlineReason ?? null),
    lastCallAt: wentOnline ? Math.max(d.lastCallAt ?? 0, now) : d.lastCallAt ?? (online ? now : null),
    firmwareStatus: s.firmwareStatus ?? null,
    diagnosticsStatus: s.diagnosticsStatus ?? null,
    connectors,
    connectorIds,
  };
}

function fromEvent(d: DeviceModel, e: EventView, now: number, bootWindowMs: number): DeviceModel {
  // A handshake the gateway refused for a known device (the TLS work publishes `securityRefused`
  // for security-profile refusals; `handshakeRefused` is the name kept for other refusals).
  if (e.type === 'securityRefused' || e.type === 'handshakeRefused') {
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      ...d,
      // The registry knows the device (the gateway found it to refuse it), even one that never
      // connected: a charger installed with the wrong password is what this rule is for. Nothing
      // else of a never-seen device is inferred (offlineSince stays null: no offline alert).
      known: true,
      refusals: [...pruneBoots(d.refusals, now, bootWindowMs), now],
      lastRefusal: { reason: str(e.reason) ?? e.type, status: typeof e.status === 'number' ? e.status : null, remoteAddress: str(e.remoteAddress) },
    };
  }
  if (e.type !== 'ocpp' || e.direction !== 'in') return d;
  const next: DeviceModel = { ...d, lastCallAt: now };
  if (e.action === 'BootNotification') next.boots = [...pruneBoots(d.boots, now, bootWindowMs), now];
  if (e.action === 'SecurityEventNotification') {
    // OCPP 1.6 security whitepaper §5.15 / OCPP 2.0.1 A04: {type, timestamp, techInfo?}.
    const r = (e.request ?? {}) as { type?: unknown; techInfo?: unknown };
    next.security = { at: now, type: typeof r.type === 'string' ? r.type : 'unknown', techInfo: typeof r.techInfo === 'string' ? r.techInfo : null };
  }
  return next;
}

function fromAttrs(d: DeviceModel, a: AttrsView, now: number): DeviceModel {
  const id = String(a.connectorId ?? 0);
  const prev = d.connectors[id] ?? emptyConnector();
  const c: ConnectorModel = { ...prev, lastMeterAt: now };
  const ts = time(a.timestamp);
  if (typeof a.energy === 'number' && Number.isFinite(a.energy) && ts !== null) {
    const tx = a.transactionId ?? null;
    const last = prev.energy;
    // Only a later sample can go backwards (a charger sends late data after a reconnect), and
    // a session's first reading starts afresh: some chargers count each session from 0
    // (field notes), which is no regression of the register.
    const fresh = a.context === 'Transaction.Begin' || last === null || (tx !== null && last.transactionId !== null && tx !== last.transactionId);
    if (fresh || ts > last.ts) {
      if (!fresh && a.energy < last.wh) c.backwards = { at: now, fromWh: last.wh, toWh: a.energy };
      c.energy = { ts, wh: a.energy, transactionId: tx ?? last?.transactionId ?? null };
    }
  }
  return { ...d, connectors: { ...d.connectors, [id]: c }, connectorIds: id in d.connectors ? d.connectorIds : [...d.connectorIds, id] };
}
