// The dashboard shell: sign-in with an API token, the live feed (MQTT over WebSocket at /mqtt,
// username = the token's tenant), hash routing between the fleet and charger views. Views
// render from the store in model.js; network and DOM stay here and in the view modules.
import mqtt from '/ui/vendor/mqtt/mqtt.esm.js';
import { applyDeviceList, applyMessage, newStore } from './model.js';
import { renderFleet } from './fleet.js';
import { openCharger } from './charger.js';

const TOKEN_KEY = 'chargebridge.token';
const $ = (sel) => document.querySelector(sel);

export const store = newStore();
let token = localStorage.getItem(TOKEN_KEY);
let client = null;
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
  $('#who').textContent = `${who.tenant} · ${who.role}`;
  document.body.dataset.signedIn = 'true';
  document.body.dataset.role = who.role;
  applyDeviceList(store, (await api('/devices?limit=1000')).items);
  route();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`;
  client = mqtt.connect(url, { username: who.tenant, password: token, protocolVersion: 4, reconnectPeriod: 2000, clean: true });
  client.on('connect', () => {
    setLive('live', 'live');
    // Retained shadows arrive at once: the fleet view is complete within one round trip.
    client.subscribe(['+/state', '+/attrs', '+/events'], { qos: 0 });
  });
  client.on('reconnect', () => setLive('connecting', 'reconnecting…'));
  client.on('offline', () => setLive('down', 'live feed down'));
  client.on('error', (err) => setLive('down', `live feed: ${err.message}`));
  client.on('message', (topic, payload) => {
    const id = applyMessage(store, topic, new TextDecoder().decode(payload));
    if (id) schedule(id);
  });
}

function route() {
  const m = /^#\/devices\/([^/]+)$/.exec(location.hash);
  view?.close();
  view = null;
  if (m) view = openCharger($('#main'), store, decodeURIComponent(m[1]), { api });
  else renderFleet($('#main'), store);
}

function signOut(message) {
  localStorage.removeItem(TOKEN_KEY);
  token = null;
  client?.end(true);
  client = null;
  document.body.dataset.signedIn = 'false';
  $('#signin-error').textContent = message ?? '';
}

$('#signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  token = $('#token').value.trim();
  $('#signin-error').textContent = '';
  try {
    await start();
    localStorage.setItem(TOKEN_KEY, token);
  } catch (err) {
    signOut(err.message);
  }
});
$('#signout').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => token && route());
// Offline durations and "last seen" ages move with the clock, not only with messages.
setInterval(() => !view && token && schedule(), 5000);

if (token) start().catch((err) => signOut(err.message));
else document.body.dataset.signedIn = 'false';
