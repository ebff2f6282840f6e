// The dashboard's pure core: what the fleet and charger views show, computed from the retained
// device shadows (`/state`), the latest telemetry (`/attrs`) and the registry's device list.
// No DOM and no network here, so it is unit-tested in Node (dashboards/model.test.ts).

/** Connector statuses that mean energy is (or may be) flowing — OCPP 1.6 §7.7 ChargePointStatus. */
export const CHARGING = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE']);
/** Statuses an operator must look at. */
export const FAULT = new Set(['Faulted', 'Unavailable']);

/** 7400 → "7.4 kW", 850 → "850 W", null → "—". */
export function formatPower(w) {
  if (typeof w !== 'number' || !Number.isFinite(w)) return '—';
  const a = Math.abs(w);
  if (a >= 1e6) return `${(w / 1e6).toFixed(2)} MW`;
  if (a >= 1000) return `${(w / 1000).toFixed(a >= 100_000 ? 0 : 1)} kW`;
  return `${Math.round(w)} W`;
}

/** Wh → "12.3 kWh". */
export function formatEnergy(wh) {
  if (typeof wh !== 'number' || !Number.isFinite(wh)) return '—';
  return Math.abs(wh) >= 1000 ? `${(wh / 1000).toFixed(wh >= 100_000 ? 0 : 1)} kWh` : `${Math.round(wh)} Wh`;
}

export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
}

/** "12:04:05" in the browser's time zone, or "—". */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString([], { hour12: false });
}

export function newStore() {
  return { tenant: null, devices: new Map() };
}

function entry(store, id) {
  let d = store.devices.get(id);
  if (!d) {
    d = { id, label: null, chargePointId: null, shadow: null, attrs: null, attrsAt: null, events: [], alerts: [] };
    store.devices.set(id, d);
  }
  return d;
}

/** A `{tenant}:{deviceId}/{kind}` topic → { tenant, deviceId, kind }, or null. */
export function parseTopic(topic) {
  const slash = topic.indexOf('/');
  const colon = topic.indexOf(':');
  if (slash < 0 || colon < 0 || colon > slash) return null;
  return { tenant: topic.slice(0, colon), deviceId: topic.slice(colon + 1, slash), kind: topic.slice(slash + 1) };
}

/** Devices from GET /devices (label, identity, online as the registry knows it). */
export function applyDeviceList(store, items) {
  for (const it of items) {
    const d = entry(store, it.id);
    d.label = it.label;
    d.chargePointId = it.chargePointId;
    if (!d.shadow && typeof it.online === 'boolean') d.registryOnline = it.online;
  }
}

export const EVENT_RING = 100;

/**
 * Splits a chunk of a text/event-stream into complete `data:` events ({ topic, payload as JSON
 * text }) and the incomplete rest, which the caller prepends to the next chunk.
 */
export function parseSse(text) {
  const events = [];
  const blocks = text.split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) continue; // a comment (": keepalive")
    try {
      const m = JSON.parse(data);
      if (typeof m.topic === 'string') events.push({ topic: m.topic, payload: m.payload });
    } catch {
      // not ours
    }
  }
  return { events, rest };
}

/**
 * One message into the store; returns the device id it touched, or null. The payload is JSON
 * text (MQTT) or the already parsed object (the live feed).
 */
export function applyMessage(store, topic, payloadText, now = Date.now()) {
  const t = parseTopic(topic);
  if (!t) return null;
  let msg = payloadText;
  if (typeof payloadText === 'string') {
    try {
      msg = JSON.parse(payloadText);
    } catch {
      return null;
    }
  }
  if (!msg || typeof msg !== 'object') return null;
  const d = entry(store, t.deviceId);
  if (t.kind === 'state') {
    d.shadow = msg;
    if (!d.chargePointId) d.chargePointId = msg.chargePointId;
  } else if (t.kind === 'attrs') {
    // Keep the newest sample by its own timestamp: late data must not overwrite "now".
    const ts = Date.parse(msg.timestamp ?? '') || now;
    if (!d.attrsAt || ts >= d.attrsAt) {
      d.attrs = msg;
      d.attrsAt = ts;
    }
  } else if (t.kind === 'events') {
    d.events.unshift(msg);
    if (d.events.length > EVENT_RING) d.events.length = EVENT_RING;
  } else if (t.kind === 'alerts') {
    // The device's active alerts as a whole (retained): the newest message replaces the list.
    d.alerts = Array.isArray(msg.alerts) ? msg.alerts.map((a) => ({ ...a, deviceId: t.deviceId })) : [];
    if (!d.chargePointId && msg.chargePointId) d.chargePointId = msg.chargePointId;
  } else {
    return null;
  }
  return t.deviceId;
}

/** Active alerts from GET /alerts?active=true: per device, replacing what the store had. */
export function applyAlertList(store, items) {
  const byDevice = new Map();
  for (const a of items) {
    if (!byDevice.has(a.deviceId)) byDevice.set(a.deviceId, []);
    byDevice.get(a.deviceId).push(a);
  }
  for (const [id, list] of byDevice) {
    const d = entry(store, id);
    d.alerts = list;
    if (!d.chargePointId) d.chargePointId = list[0].chargePointId;
  }
}

/** The alerts panel's rows: critical first, then the newest. */
export function activeAlerts(store) {
  const out = [];
  for (const d of store.devices.values()) {
    for (const a of d.alerts ?? []) out.push({ ...a, deviceId: d.id, name: d.label ?? d.shadow?.chargePointId ?? d.chargePointId ?? d.id });
  }
  const rank = (a) => (a.severity === 'critical' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || (a.since < b.since ? 1 : a.since > b.since ? -1 : 0));
}

/** What one fleet row shows. */
export function deviceSummary(d) {
  const s = d.shadow;
  const online = s ? s.online === true : d.registryOnline === true;
  const connectors = Object.entries(s?.connectors ?? {})
    .filter(([id]) => id !== '0')
    .map(([id, c]) => ({ id, status: c.status, errorCode: c.errorCode, transactionId: c.transactionId ?? null, faulted: FAULT.has(c.status) || (c.errorCode && c.errorCode !== 'NoError') }))
    .sort((a, b) => Number(a.id) - Number(b.id));
  const cp0 = s?.connectors?.['0'];
  const faulted = connectors.some((c) => c.faulted) || (cp0 ? FAULT.has(cp0.status) || (cp0.errorCode && cp0.errorCode !== 'NoError') : false);
  const charging = online && connectors.some((c) => CHARGING.has(c.status) && c.status === 'Charging');
  // Power is shown while a connector charges; otherwise the last sample would linger as a lie.
  // Until the first sample after the page opened, power is unknown ("—"), not zero.
  const flowing = online && connectors.some((c) => CHARGING.has(c.status));
  const powerW = flowing ? (typeof d.attrs?.power === 'number' ? d.attrs.power : null) : online ? 0 : null;
  return {
    id: d.id,
    name: d.label ?? s?.chargePointId ?? d.chargePointId ?? d.id,
    chargePointId: s?.chargePointId ?? d.chargePointId ?? '',
    online,
    offlineReason: online ? null : (s?.offlineReason ?? null),
    since: online ? (s?.connectedAt ?? null) : (s?.disconnectedAt ?? s?.lastSeen ?? null),
    lastSeen: s?.lastSeen ?? null,
    vendor: s?.vendor ?? null,
    model: s?.model ?? null,
    // 'ocpp1.6' -> 'OCPP 1.6': which version the charger speaks (the model is the same for all).
    protocol: typeof s?.protocol === 'string' ? s.protocol.replace(/^ocpp/, 'OCPP ') : null,
    connectors,
    charging,
    faulted,
    powerW,
    soc: online && typeof d.attrs?.soc === 'number' ? d.attrs.soc : null,
  };
}

export function fleetTotals(summaries) {
  let online = 0;
  let charging = 0;
  let faulted = 0;
  let powerW = 0;
  for (const s of summaries) {
    if (s.online) online++;
    if (s.charging) charging++;
    if (s.faulted) faulted++;
    if (s.powerW) powerW += s.powerW;
  }
  return { total: summaries.length, online, offline: summaries.length - online, charging, faulted, powerW };
}

/** Fleet order: faulted first, then offline, then charging, then by name: problems on top. */
export function fleetOrder(a, b) {
  const rank = (s) => (s.faulted ? 0 : !s.online ? 1 : s.charging ? 2 : 3);
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

/** One line for the event list. */
export function describeEvent(e) {
  switch (e.type) {
    case 'ocpp': {
      const status = e.error ? `error ${e.error.code}` : (e.response?.status ?? e.response?.idTagInfo?.status ?? '');
      const detail = e.action === 'StatusNotification' ? ` ${e.request?.connectorId}: ${e.request?.status}` : '';
      return `${e.direction === 'in' ? '←' : '→'} ${e.action}${detail}${status ? ` (${status})` : ''}`;
    }
    case 'command':
      return `command ${e.action}: ${e.error ? `error ${e.error.code}` : (e.response?.status ?? 'ok')}`;
    case 'connected':
      return `connected (${e.protocol})`;
    case 'disconnected':
      return `disconnected: ${e.reason || e.code}`;
    case 'offline':
      return `offline: no message for ${e.toleranceSeconds} s`;
    default:
      return e.type;
  }
}

/**
 * The charger view's event list: what the message log held at page load (newest first) and what
 * arrived live since (newest first), the same exchange once, newest first, at most `max`.
 */
export function mergeEvents(live, logged, max = 30) {
  const key = (e) => `${e.ts}|${e.type}|${e.messageId ?? e.id ?? ''}|${e.action ?? ''}`;
  const seen = new Set();
  const out = [];
  for (const e of [...live, ...logged].sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0))) {
    const k = key(e);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
    if (out.length >= max) break;
  }
  return out;
}

/** Chart definitions of the charger view: attribute keys per chart, with units. */
export const CHARTS = [
  { id: 'power', title: 'Power', unit: 'kW', scale: 1 / 1000, keys: ['power'] },
  { id: 'current', title: 'Current', unit: 'A', scale: 1, keys: ['current', 'current_L1', 'current_L2', 'current_L3'] },
  { id: 'voltage', title: 'Voltage', unit: 'V', scale: 1, keys: ['voltage', 'voltage_L1-N', 'voltage_L2-N', 'voltage_L3-N'] },
  { id: 'soc', title: 'State of charge', unit: '%', scale: 1, keys: ['soc'] },
  { id: 'temperature', title: 'Temperature', unit: '°C', scale: 1, keys: ['temperature', 'temperature_Body', 'temperature_EV'] },
];

/**
 * History API answer (+ live samples) → uPlot data: [times in s, ...one array per key], on a
 * shared, sorted time axis with nulls where a series has no value at that time.
 */
export function toChartData(keys, seriesByKey, scale = 1) {
  const times = new Set();
  for (const k of keys) for (const p of seriesByKey[k] ?? []) times.add(Date.parse(p.ts));
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const cols = keys.map((k) => {
    const col = new Array(xs.length).fill(null);
    for (const p of seriesByKey[k] ?? []) col[index.get(Date.parse(p.ts))] = p.value * scale;
    return col;
  });
  return [xs.map((t) => t / 1000), ...cols];
}

/** Appends one attrs sample to per-key series (bounded), so charts move without reloading. */
export function appendSample(seriesByKey, keys, attrs, max = 5000) {
  const ts = attrs.timestamp;
  if (!ts) return false;
  let changed = false;
  for (const k of keys) {
    if (typeof attrs[k] !== 'number') continue;
    const s = (seriesByKey[k] ??= []);
    const last = s[s.length - 1];
    if (last && last.ts === ts) last.value = attrs[k];
    else if (!last || Date.parse(last.ts) < Date.parse(ts)) s.push({ ts, value: attrs[k] });
    else continue; // late sample: the history API has it on the next load
    if (s.length > max) s.splice(0, s.length - max);
    changed = true;
  }
  return changed;
}
