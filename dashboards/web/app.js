// The dashboard shell: sign-in with an API token, the live feed (server-sent events from
// GET /live, which works with the embedded broker and with an external one alike), hash routing
// between the fleet and charger views. Views render from the store in model.js; network and DOM
// stay here and in the view modules.
import { applyAlertList, applyDeviceList, applyMessage, newStore, parseSse } from './model.js';
import { renderFleet } from './fleet.js';
import { openCharger } from './charger.js';

const TOKEN_KEY = 'chargebridge.token';
// sessionStorage, not localStorage (issue 18): the token survives a reload of the tab and is
// gone with it, instead of staying on disk in the browser profile for any later script to read.
const tokens = window.sessionStorage;
const $ = (sel) => document.querySelector(sel);

export const store = newStore();
let token = tokens.getItem(TOKEN_KEY);
let feed = null; // AbortController of the live feed
let view = null; // { deviceChanged(id), close() } of the open charger view
let dirty = new Set();
let frame = 0;

/** fetch against the API with the token; throws an Error carrying the problem+json detail. */
export async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    if (res.status === 401) signOut('Your token was refused. Sign in again.');
    const fields = (body?.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new Error(`${body?.title ?? res.status}: ${body?.detail ?? ''}${fields ? ` (${fields})` : ''}`);
  }
  return body;
}

function setLive(state, text) {
  const el = $('#live');
  el.dataset.state = state;
  el.textContent = text;
}

function schedule(deviceId) {
  if (deviceId) dirty.add(deviceId);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const changed = dirty;
    dirty = new Set();
    if (view) for (const id of changed) view.deviceChanged(id);
    else renderFleet($('#main'), store);
  });
}

async function start() {
  const who = await api('/auth/whoami');
  store.tenant = who.tenant;
  store.role = who.role;
  $('#who').textContent = `${who.tenant} · ${who.role}`;
  document.body.dataset.signedIn = 'true';
  document.body.dataset.role = who.role;
  applyDeviceList(store, (await api('/devices?limit=1000')).items);
  applyAlertList(store, (await api('/alerts?active=true&limit=1000')).items);
  route();
  follow();
}

/**
 * The live feed: fetch (not EventSource, which cannot send the Authorization header) reading
 * text/event-stream; reconnects after 2 s when the stream ends or fails.
 */
async function follow() {
  feed?.abort();
  const ac = new AbortController();
  feed = ac;
  while (!ac.signal.aborted) {
    try {
      setLive('connecting', 'connecting…');
      const res = await fetch('/live', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: ac.signal });
      if (res.status === 401) return signOut('Your token was refused. Sign in again.');
      if (!res.ok || !res.body) throw new Error(`live feed: HTTP ${res.status}`);
      setLive('live', 'live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseSse(rest + value);
        rest = parsed.rest;
        for (const ev of parsed.events) {
          const id = applyMessage(store, ev.topic, ev.payload);
          if (id) schedule(id);
        }
      }
      setLive('down', 'live feed ended: reconnecting');
    } catch (err) {
      if (ac.signal.aborted) return;
      setLive('down', `live feed down: ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function route() {
  const m = /^#\/devices\/([^/]+)$/.exec(location.hash);
  view?.close();
  view = null;
  if (m) view = openCharger($('#main'), store, decodeURIComponent(m[1]), { api });
  else renderFleet($('#main'), store);
}

function signOut(message) {
  tokens.removeItem(TOKEN_KEY);
  token = null;
  feed?.abort();
  feed = null;
  document.body.dataset.signedIn = 'false';
  $('#signin-error').textContent = message ?? '';
}

$('#signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  token = $('#token').value.trim();
  $('#signin-error').textContent = '';
  try {
    await start();
    tokens.setItem(TOKEN_KEY, token);
  } catch (err) {
    signOut(err.message);
  }
});
$('#signout').addEventListener('click', () => signOut());
// Acknowledge from the alerts panel; the live feed then brings the device's updated alerts.
$('#main').addEventListener('click', async (ev) => {
  const btn = ev.target.closest?.('button[data-ack]');
  if (!btn) return;
  btn.disabled = true;
  try {
    const a = await api(`/alerts/${encodeURIComponent(btn.dataset.ack)}/ack`, { method: 'POST' });
    const d = store.devices.get(a.deviceId);
    if (d) d.alerts = (d.alerts ?? []).map((x) => (x.id === a.id ? { ...x, acknowledgedAt: a.acknowledgedAt, acknowledgedBy: a.acknowledgedBy } : x));
    schedule(a.deviceId);
  } catch (err) {
    btn.disabled = false;
    btn.title = err.message;
  }
});
window.addEventListener('hashchange', () => token && route());
// Offline durations and "last seen" ages move with the clock, not only with messages.
setInterval(() => !view && token && schedule(), 5000);

if (token) start().catch((err) => signOut(err.message));
else document.body.dataset.signedIn = 'false';
