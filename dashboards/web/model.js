// The dashboard's pure core: what the fleet and charger views show, computed from the retained
// device shadows (`/state`), the latest telemetry (`/attrs`) and the registry's device list.
// No DOM and no network here, so it is unit-tested in Node (dashboards/model.test.ts).

/** Connector statuses that mean energy is (or may be) flowing — OCPP 1.6 §7.7 ChargePointStatus. */
export const CHARGING = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE']);
/**
 * A fault: status Faulted, or any errorCode other than NoError (OCPP 1.6 §7.6: a charger may
 * report an error with another status). Unavailable alone is not one: an operator sets a
 * connector Unavailable on purpose (ChangeAvailability Inoperative), so it is counted apart.
 */
export function isFault(c) {
  return !!c && (c.status === 'Faulted' || (!!c.errorCode && c.errorCode !== 'NoError'));
}
export function isUnavailable(c) {
  return !!c && c.status === 'Unavailable' && !isFault(c);
}

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

// One time format for the whole page (tables, events, chart axes): the browser's locale, always
// 24-hour, in the browser's time zone, which the header names once (timeZoneLabel). `clock` lets
// the tests (and nothing else) pin locale and zone.
const fmts = new Map();
function fmt(key, opts, clock) {
  const k = `${key}|${clock.locale ?? ''}|${clock.timeZone ?? ''}`;
  let f = fmts.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(clock.locale, { ...opts, hourCycle: 'h23', ...(clock.timeZone ? { timeZone: clock.timeZone } : {}) });
    fmts.set(k, f);
  }
  return f;
}
const TIME = { hour: '2-digit', minute: '2-digit', second: '2-digit' };
const DAY = { day: 'numeric', month: 'short' };
const toMs = (v) => (typeof v === 'number' ? v : v ? Date.parse(v) : Number.NaN);
const dayKey = (ms, clock) => fmt('ymd', { year: 'numeric', month: '2-digit', day: '2-digit' }, clock).format(ms);

/**
 * "14:04:05" today, "12 Jan, 14:04:05" (in the locale's order) on another day, the year too in
 * another year; 24-hour in every locale; "—" for nothing.
 */
export function formatTime(v, clock = {}) {
  const ms = toMs(v);
  if (!Number.isFinite(ms)) return '—';
  const now = clock.now ?? Date.now();
  if (dayKey(ms, clock) === dayKey(now, clock)) return fmt('t', TIME, clock).format(ms);
  const year = fmt('y', { year: 'numeric' }, clock);
  const other = year.format(ms) !== year.format(now);
  return fmt(other ? 'ydt' : 'dt', { ...(other ? { year: 'numeric' } : {}), ...DAY, ...TIME }, clock).format(ms);
}

/** "Europe/Berlin (UTC+01:00)": the zone every time on the page is in, with its offset now. */
export function timeZoneLabel(clock = {}) {
  const zone = clock.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(clock.now ?? Date.now()).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = part === 'GMT' ? '+00:00' : part.replace(/^GMT/, '');
  return `${zone} (UTC${offset})`;
}

/** The browser's UTC offset in minutes at `now` (for a charging limit's daily window). */
export function utcOffsetMinutes(now = new Date()) {
  return -now.getTimezoneOffset();
}

/**
 * uPlot's x-axis labels (splits in seconds, `incr` the step between them): "14:05" (or
 * "14:05:30" for steps under a minute) in the page's format, with the day on a second line at
 * the first label and wherever the day changes.
 */
export function axisTimeLabels(splits, incr, clock = {}) {
  let lastDay = null;
  const t = fmt(incr < 60 ? 'axs' : 'axm', incr < 60 ? TIME : { hour: '2-digit', minute: '2-digit' }, clock);
  const d = fmt('axd', DAY, clock);
  return splits.map((s) => {
    if (s === null || s === undefined) return null;
    const ms = s * 1000;
    const day = dayKey(ms, clock);
    const label = day !== lastDay ? `${t.format(ms)}\n${d.format(ms)}` : t.format(ms);
    lastDay = day;
    return label;
  });
}

export function newStore() {
  return { tenant: null, devices: new Map() };
}

function entry(store, id) {
  let d = store.devices.get(id);
  if (!d) {
    // samples: the newest power/SoC sample per connector ({ ts, power, soc }), live or from history.
    d = { id, label: null, chargePointId: null, registry: null, shadow: null, attrs: null, attrsAt: null, attrsQueue: [], samples: {}, events: [], alerts: [] };
    store.devices.set(id, d);
  }
  return d;
}

/**
 * A device topic of the live feed → { tenant, deviceId, kind }, or null: `{tenant}:{deviceId}/{kind}`
 * (the dojot layout) or `{tenant}/{deviceId}/{kind}` (tenant-level; contracts/topics.ts). The two
 * cannot be confused: a tenant name has neither ':' nor '/', so a colon in the first level is dojot.
 */
export function parseTopic(topic) {
  const slash = topic.indexOf('/');
  if (slash <= 0) return null;
  const colon = topic.indexOf(':');
  if (colon >= 0 && colon < slash) return { tenant: topic.slice(0, colon), deviceId: topic.slice(colon + 1, slash), kind: topic.slice(slash + 1) };
  const second = topic.indexOf('/', slash + 1);
  if (second < 0 || second === slash + 1) return null;
  return { tenant: topic.slice(0, slash), deviceId: topic.slice(slash + 1, second), kind: topic.slice(second + 1) };
}

/** Devices from GET /devices (label, identity, site, online as the registry knows it). */
export function applyDeviceList(store, items) {
  for (const it of items) {
    const d = entry(store, it.id);
    d.label = it.label;
    d.chargePointId = it.chargePointId;
    d.registry = it;
    if (!d.shadow && typeof it.online === 'boolean') d.registryOnline = it.online;
  }
}

/** A device deleted through the API: gone from the page. */
export function removeDevice(store, id) {
  store.devices.delete(id);
}

/**
 * One sample into a connector's "now", if it is newer than what the page has: live attrs and the
 * history API's latest point alike (late data must not overwrite "now").
 */
export function applySample(store, deviceId, connectorId, sample) {
  const d = entry(store, deviceId);
  const ts = Date.parse(sample.ts ?? '');
  if (!Number.isFinite(ts)) return false;
  const key = String(connectorId ?? 0);
  const cur = d.samples[key];
  if (cur && Date.parse(cur.ts) > ts) return false;
  // A sample without one of the values (SoC often comes in its own meterValue) keeps the last one.
  d.samples[key] = { ts: sample.ts, power: typeof sample.power === 'number' ? sample.power : (cur?.power ?? null), soc: typeof sample.soc === 'number' ? sample.soc : (cur?.soc ?? null) };
  return true;
}

export const EVENT_RING = 100;
/** Samples kept for the charger view between two renders (a device not on screen keeps the last ones only). */
export const ATTRS_QUEUE = 200;

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
    // A connector that stopped delivering forgets its "now": the next session starts unknown,
    // never with the last one's power.
    for (const [id, c] of Object.entries(msg.connectors ?? {})) if (!CHARGING.has(c?.status)) delete d.samples[id];
  } else if (t.kind === 'attrs') {
    // Keep the newest sample by its own timestamp: late data must not overwrite "now".
    const ts = Date.parse(msg.timestamp ?? '') || now;
    if (!d.attrsAt || ts >= d.attrsAt) {
      d.attrs = msg;
      d.attrsAt = ts;
    }
    // Every sample, for the charger view's charts: several may arrive between two frames.
    d.attrsQueue.push(msg);
    if (d.attrsQueue.length > ATTRS_QUEUE) d.attrsQueue.splice(0, d.attrsQueue.length - ATTRS_QUEUE);
    if (typeof msg.power === 'number' || typeof msg.soc === 'number') applySample(store, t.deviceId, msg.connectorId, { ts: new Date(ts).toISOString(), power: msg.power, soc: msg.soc });
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

/** A connector of the shadow as the views show it (docs/mqtt.md `state`). */
function connectorView(id, c) {
  return {
    id,
    status: c.status,
    errorCode: c.errorCode,
    info: c.info ?? null,
    vendorErrorCode: c.vendorErrorCode ?? null,
    since: c.updatedAt ?? null,
    connectorStatus: c.connectorStatus ?? null,
    transactionId: c.transactionId ?? null,
    faulted: isFault(c),
    unavailable: isUnavailable(c),
  };
}

/**
 * "GroundFailure · RCD tripped · vendor code E-17": what a faulted (or unavailable) connector
 * reports, the parts it has; the time it has been so is `since`.
 */
export function faultText(c) {
  const parts = [];
  if (c.errorCode && c.errorCode !== 'NoError') parts.push(c.errorCode);
  if (c.info) parts.push(c.info);
  if (c.vendorErrorCode) parts.push(`vendor code ${c.vendorErrorCode}`);
  return parts.join(' · ');
}

/** The latest power of one connector: its own sample, or the charger's (connector 0) for a single outlet. */
function connectorPower(d, c, single) {
  const own = d.samples?.[c.id];
  if (own && typeof own.power === 'number') return own.power;
  const whole = d.samples?.['0'];
  return single && whole && typeof whole.power === 'number' ? whole.power : null;
}

/** What one fleet row shows. */
export function deviceSummary(d) {
  const s = d.shadow;
  const online = s ? s.online === true : d.registryOnline === true;
  const all = Object.entries(s?.connectors ?? {}).map(([id, c]) => connectorView(id, c));
  const connectors = all.filter((c) => c.id !== '0').sort((a, b) => Number(a.id) - Number(b.id));
  // Connector 0 is the charger as a whole (OCPP 1.6 §4.9): its fault is the charger's.
  const faults = all.filter((c) => c.faulted).sort((a, b) => Number(a.id) - Number(b.id));
  const faulted = faults.length > 0;
  const unavailable = !faulted && all.some((c) => c.unavailable);
  const charging = online && connectors.some((c) => c.status === 'Charging');
  // Power is shown while a connector delivers (Charging or suspended); otherwise the last sample
  // would linger as a lie. A delivering connector without a sample yet is unknown, not zero:
  // `reporting` is false until every delivering connector has one.
  const flowingConnectors = online ? connectors.filter((c) => CHARGING.has(c.status)) : [];
  const flowing = flowingConnectors.length > 0;
  let powerW = online ? 0 : null;
  let reporting = true;
  if (flowing) {
    let known = 0;
    powerW = 0;
    for (const c of flowingConnectors) {
      const p = connectorPower(d, c, flowingConnectors.length === 1);
      if (p === null) reporting = false;
      else (known++, (powerW += p));
    }
    if (!known) powerW = null;
  }
  const socs = flowingConnectors.map((c) => d.samples?.[c.id]?.soc).filter((v) => typeof v === 'number');
  const site = d.registry?.site?.name ?? null;
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
    site,
    enabled: d.registry ? d.registry.enabled !== false : true,
    // 'ocpp1.6' -> 'OCPP 1.6': which version the charger speaks (the model is the same for all).
    protocol: typeof s?.protocol === 'string' ? s.protocol.replace(/^ocpp/, 'OCPP ') : null,
    connectors,
    faults,
    charging,
    flowing,
    faulted,
    unavailable,
    powerW,
    reporting,
    soc: socs.length ? socs[0] : online && flowing && typeof d.attrs?.soc === 'number' ? d.attrs.soc : null,
  };
}

export function fleetTotals(summaries) {
  let online = 0;
  let charging = 0;
  let faulted = 0;
  let unavailable = 0;
  let powerW = 0;
  let flowing = 0;
  let reporting = 0;
  for (const s of summaries) {
    if (s.online) online++;
    if (s.charging) charging++;
    if (s.faulted) faulted++;
    if (s.unavailable) unavailable++;
    if (s.powerW) powerW += s.powerW;
    if (s.flowing) {
      flowing++;
      if (s.reporting) reporting++;
    }
  }
  return { total: summaries.length, online, offline: summaries.length - online, charging, faulted, unavailable, powerW, flowing, reporting };
}

/** Fleet order: faulted first, then offline, then charging, then unavailable, then by name: problems on top. */
export function fleetOrder(a, b) {
  const rank = (s) => (s.faulted ? 0 : !s.online ? 1 : s.charging ? 2 : s.unavailable ? 3 : 4);
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

/** The fleet view's filters, from and to the hash's query (`#/?q=&status=&site=&model=`). */
export const STATUS_FILTERS = ['online', 'offline', 'charging', 'faulted', 'unavailable'];
export function parseFleetFilter(hash) {
  const q = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  const status = q.get('status') ?? '';
  return { q: q.get('q') ?? '', status: STATUS_FILTERS.includes(status) ? status : '', site: q.get('site') ?? '', model: q.get('model') ?? '' };
}
export function fleetFilterHash(f) {
  const q = new URLSearchParams();
  for (const k of ['q', 'status', 'site', 'model']) if (f[k]) q.set(k, f[k]);
  const text = q.toString();
  return text ? `#/?${text}` : '#/';
}

/** "ABB Terra 54": how the model filter names a charger's model. */
export const modelName = (s) => [s.vendor, s.model].filter(Boolean).join(' ');
/** The site filter's value for a charger without one. */
export const NO_SITE = '(none)';

/**
 * The rows a filter lets through: text in name, chargePointId, vendor or model (any case, every
 * word), a status, a site (NO_SITE: none), a model.
 */
export function filterFleet(rows, f) {
  const words = (f.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((s) => {
    if (words.length) {
      const text = [s.name, s.chargePointId, s.vendor, s.model, s.site].filter(Boolean).join(' ').toLowerCase();
      if (!words.every((w) => text.includes(w))) return false;
    }
    switch (f.status) {
      case 'online': if (!s.online) return false; break;
      case 'offline': if (s.online) return false; break;
      case 'charging': if (!s.charging) return false; break;
      case 'faulted': if (!s.faulted) return false; break;
      case 'unavailable': if (!s.unavailable) return false; break;
    }
    if (f.site && (f.site === NO_SITE ? s.site !== null : s.site !== f.site)) return false;
    if (f.model && modelName(s) !== f.model) return false;
    return true;
  });
}

/** The choices of the site and model filters: what the fleet has, sorted. */
export function filterChoices(rows) {
  const sites = new Set();
  const models = new Set();
  let noSite = false;
  for (const s of rows) {
    if (s.site) sites.add(s.site);
    else noSite = true;
    const m = modelName(s);
    if (m) models.add(m);
  }
  const sort = (set) => [...set].sort((a, b) => a.localeCompare(b));
  return { sites: [...sort(sites), ...(noSite && sites.size ? [NO_SITE] : [])], models: sort(models) };
}

/**
 * Connectors delivering energy whose "now" the page does not know yet (no live sample since the
 * page opened): what to ask the history API for. Each once per connector and session
 * (`asked` holds the keys already asked).
 */
export function powerSeedsNeeded(store, asked) {
  const out = [];
  for (const d of store.devices.values()) {
    const s = d.shadow;
    if (!s?.online) continue;
    for (const [id, c] of Object.entries(s.connectors ?? {})) {
      if (id === '0' || !CHARGING.has(c.status) || typeof d.samples[id]?.power === 'number') continue;
      const key = `${d.id}|${id}|${c.transactionId ?? ''}`;
      if (asked.has(key)) continue;
      out.push({ key, deviceId: d.id, connectorId: id, transactionId: c.transactionId ?? null, since: c.updatedAt ?? null });
    }
  }
  return out;
}

/**
 * The history query for one connector's latest power (docs/history.md): its session's newest
 * sample when the session is known, else the newest since the connector's status last changed.
 */
export function powerSeedQuery(seed, now = Date.now()) {
  const base = `/devices/${encodeURIComponent(seed.deviceId)}/history?attr=power,soc&connector=${encodeURIComponent(seed.connectorId)}&lastN=1`;
  if (seed.transactionId !== null && seed.transactionId !== undefined) return `${base}&transaction=${encodeURIComponent(seed.transactionId)}`;
  const since = Date.parse(seed.since ?? '');
  return `${base}&from=${new Date(Number.isFinite(since) ? since : now - 3600_000).toISOString()}`;
}

/** Whether a role may change things (API: admin and operator; docs/api.md). */
export const canWrite = (role) => role === 'admin' || role === 'operator';

/**
 * Unlocking a connector that has a session running ends it (OCPP 1.6 §5.18: the charge point
 * finishes the transaction first, reason UnlockCommand): the warning the confirmation shows, or null.
 */
export function unlockWarning(shadow, connectorId) {
  const c = shadow?.connectors?.[String(connectorId)];
  if (!c || c.transactionId === null || c.transactionId === undefined) return null;
  return `Connector ${connectorId} has a session running (transaction ${c.transactionId}${c.idTag ? `, ${c.idTag}` : ''}): unlocking it stops the session.`;
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

/** The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n at or above x (x > 0). */
export function niceCeil(x) {
  if (!(x > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * mag >= x - 1e-9 * mag) return Number((m * mag).toPrecision(6));
  return 10 * mag;
}

/**
 * Each chart's y range floor, in its unit (kW, A, V, %, °C): the range is never smaller, so an
 * idle charger's zero line and a steady 50 kW do not zoom into noise.
 */
export const CHART_FLOORS = { power: [0, 1], current: [0, 10], voltage: [0, 250], soc: [0, 100], temperature: [0, 40] };

/** Min and max of chart columns (nulls skipped), folded into what was seen before (never shrinks). */
export function extendSeen(seen, cols) {
  let { min, max } = seen ?? { min: null, max: null };
  for (const col of cols) {
    for (const v of col) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
    }
  }
  return { min, max };
}

/**
 * A chart's y range: from 0 (or below, for negative values) to a round value above the largest
 * seen, 5 % headroom, at least the chart's floor; SoC always 0–100 %.
 */
export function chartRange(chartId, seen) {
  const [flo, fhi] = CHART_FLOORS[chartId] ?? [0, 1];
  if (chartId === 'soc') return [0, 100];
  const lo = Math.min(flo, seen?.min ?? flo);
  const hi = Math.max(fhi, (seen?.max ?? 0) * 1.05);
  return [lo < 0 ? -niceCeil(-lo * 1.05) : lo, niceCeil(hi)];
}

// Management pages: request bodies from form fields (docs/api.md), pure so that they are tested.

const trimmed = (v) => (typeof v === 'string' ? v.trim() : '');

/**
 * POST /devices (create) or PATCH /devices/{id} (edit) from the device form: label, site name
 * and address, enabled; a new device may get its OCPP password at once. An edit keeps the
 * site's coordinates; an empty site is none.
 */
export function deviceBody(f, existing = null) {
  const label = trimmed(f.label);
  const name = trimmed(f.siteName);
  const address = trimmed(f.siteAddress);
  const keep = existing?.site ?? {};
  const site = name || address || keep.lat !== undefined ? { ...keep, ...(name ? { name } : {}), ...(address ? { address } : {}) } : null;
  if (site && !name) delete site.name;
  if (site && !address) delete site.address;
  const enabled = f.enabled === 'on' || f.enabled === true;
  if (!existing) {
    const password = trimmed(f.password);
    return { chargePointId: trimmed(f.chargePointId), ...(label ? { label } : {}), ...(site ? { site } : {}), enabled, ...(password ? { ocppPassword: password } : {}) };
  }
  return { ...(label ? { label } : {}), site, enabled };
}

/**
 * "2031-03-04 05:06" (or a date alone: its end, 23:59) as a Date in the page's time zone, or null
 * when it is no such time.
 */
export function parseLocalDateTime(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]([01]\d|2[0-3]):([0-5]\d))?$/.exec(String(text ?? '').trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(y, mo - 1, d, m[4] === undefined ? 23 : Number(m[4]), m[5] === undefined ? 59 : Number(m[5]));
  return t.getFullYear() === y && t.getMonth() === mo - 1 && t.getDate() === d ? t : null;
}

/** POST /devices/{id}/charging-limit from its form; a daily window at the browser's UTC offset. */
export function chargingLimitBody(f, offsetMinutes) {
  const body = { connectorId: Number(f.connectorId ?? 0), limit: Number(f.limit), unit: f.unit === 'W' ? 'W' : 'A' };
  if (f.daily === 'on' || f.daily === true) Object.assign(body, { daily: { from: f.from, to: f.to }, utcOffsetMinutes: offsetMinutes });
  return body;
}

/** What TriggerMessage may ask for, per version family (1.6 §7.43 MessageTrigger; 2.0.1 MessageTriggerEnumType). */
export const TRIGGERS = {
  '1.6': ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'],
  '2.x': ['BootNotification', 'FirmwareStatusNotification', 'Heartbeat', 'LogStatusNotification', 'MeterValues', 'StatusNotification', 'TransactionEvent'],
};
export const familyOf = (protocol) => (protocol === 'ocpp2.0.1' || protocol === 'ocpp2.1' ? '2.x' : '1.6');

/**
 * The TriggerMessage command for the charger's version (there is no version-neutral one):
 * 1.6 names a connectorId, 2.x an EVSE (with its connector for StatusNotification).
 */
export function triggerCommand(shadow, requestedMessage, connectorId) {
  const c = connectorId === '' || connectorId === null || connectorId === undefined ? null : Number(connectorId);
  if (familyOf(shadow?.protocol) === '1.6') return { action: 'TriggerMessage', payload: { requestedMessage, ...(c ? { connectorId: c } : {}) } };
  const evseConnector = c ? (shadow?.connectors?.[String(c)]?.evseConnectorId ?? 1) : null;
  return { action: 'TriggerMessage', payload: { requestedMessage, ...(c ? { evse: { id: c, ...(requestedMessage === 'StatusNotification' ? { connectorId: evseConnector } : {}) } } : {}) } };
}

/** Setting keys offered in the settings form (1.6 names; the gateway maps them for 2.x: docs/commands.md). */
export const COMMON_SETTINGS = ['HeartbeatInterval', 'MeterValueSampleInterval', 'MeterValuesSampledData', 'ConnectionTimeOut', 'LocalAuthorizeOffline', 'AuthorizeRemoteTxRequests', 'ClockAlignedDataInterval', 'NumberOfConnectors'];

// Energy and sessions per day (issue 19): the charger view's and the fleet's "Per day" section.

/** 'YYYY-MM-DD' of an instant in the page's time zone (or clock.timeZone). */
export function localDay(v, clock = {}) {
  const ms = toMs(v);
  if (!Number.isFinite(ms)) return null;
  const parts = fmt('iso-day', { year: 'numeric', month: '2-digit', day: '2-digit' }, { ...clock, locale: 'en-CA' }).formatToParts(ms);
  const get = (t) => parts.find((p) => p.type === t)?.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The calendar day `n` days before 'YYYY-MM-DD' (pure calendar arithmetic: no DST in it). */
function dayBefore(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - n)).toISOString().slice(0, 10);
}

/**
 * Sessions (GET /transactions items) → one row per local day, oldest first, for the last `days`
 * days up to today (days without a session too): { day 'YYYY-MM-DD', sessions, energyKWh }. A
 * session counts on the day it started; an active one (energyWh null) is a session with 0 energy.
 */
export function dailyTotals(sessions, days = 14, clock = {}) {
  const today = localDay(clock.now ?? Date.now(), clock);
  const rows = [];
  const byDay = new Map();
  for (let i = days - 1; i >= 0; i--) {
    const r = { day: dayBefore(today, i), sessions: 0, wh: 0 };
    rows.push(r);
    byDay.set(r.day, r);
  }
  for (const t of sessions ?? []) {
    const r = byDay.get(localDay(t.startedAt, clock));
    if (!r) continue;
    r.sessions++;
    if (typeof t.energyWh === 'number' && Number.isFinite(t.energyWh)) r.wh += t.energyWh;
  }
  return rows.map((r) => ({ day: r.day, sessions: r.sessions, energyKWh: Math.round(r.wh) / 1000 }));
}

/** GET /transactions `from` for `days` days back: a day more than needed (any zone), dailyTotals keeps the days. */
export function dailyFrom(days = 14, clock = {}) {
  return new Date((clock.now ?? Date.now()) - (days + 1) * 86_400_000).toISOString();
}

/** Today's row and the sum of all rows of dailyTotals. */
export function dailySummary(rows) {
  const today = rows[rows.length - 1] ?? { sessions: 0, energyKWh: 0 };
  const all = rows.reduce((a, r) => ({ sessions: a.sessions + r.sessions, energyKWh: a.energyKWh + r.energyKWh }), { sessions: 0, energyKWh: 0 });
  return { today: { sessions: today.sessions, energyKWh: today.energyKWh }, total: { sessions: all.sessions, energyKWh: Math.round(all.energyKWh * 1000) / 1000 } };
}

/** 12.345 → "12.3" (kWh, one decimal). */
export const formatKWh = (kwh) => (typeof kwh === 'number' && Number.isFinite(kwh) ? kwh.toFixed(1) : '—');

/** "today: 2 sessions, 12.3 kWh · last 14 days: 9 sessions, 80.0 kWh". */
export function dailyLine(rows) {
  const { today, total } = dailySummary(rows);
  const part = (s) => `${s.sessions} session${s.sessions === 1 ? '' : 's'}, ${formatKWh(s.energyKWh)} kWh`;
  return `today: ${part(today)} · last ${rows.length} days: ${part(total)}`;
}

/** 'YYYY-MM-DD' → "2 Dec" in the page's locale (a calendar day: no zone shifts it). */
export function dayLabel(day, clock = {}) {
  const [y, m, d] = day.split('-').map(Number);
  return fmt('day-label', DAY, { locale: clock.locale, timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d, 12));
}
