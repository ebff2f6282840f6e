// The dashboard shell: sign-in with an API token, the live feed (server-sent events from
// GET /live, which works with the embedded broker and with an external one alike), hash routing
// between the fleet, charger and management views. Views render from the store in model.js;
// network and DOM stay here and in the view modules.
import { applyAlertList, applyDeviceList, applyMessage, applySample, newStore, parseSse, powerSeedQuery, powerSeedsNeeded, timeZoneLabel } from './model.js';
import { openFleet } from './fleet.js';
import { openCharger } from './charger.js';
import { openDeviceAdmin, openDeviceList, openIdTags } from './manage.js';

const TOKEN_KEY = 'chargebridge.token';
// sessionStorage, not localStorage (issue 18): the token survives a reload of the tab and is
// gone with it, instead of staying on disk in the browser profile for any later script to read.
const tokens = window.sessionStorage;
const $ = (sel) => document.querySelector(sel);

export const store = newStore();
let token = tokens.getItem(TOKEN_KEY);
let feed = null; // AbortController of the live feed
let view = null; // { update(changedIds), close() } of the open view
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
    const err = new Error(`${body?.title ?? res.status}: ${body?.detail ?? ''}${fields ? ` (${fields})` : ''}`);
    err.status = res.status;
    err.code = body?.code;
    throw err;
  }
  return body;
}

function setLive(state, text) {
  const el = $('#live');
  el.dataset.state = state;
  el.textContent = text;
}

/** Re-render on the next frame: the open view gets the devices that changed (none: the clock moved). */
function schedule(deviceId) {
  if (deviceId) dirty.add(deviceId);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const changed = dirty;
    dirty = new Set();
    view?.update(changed);
    seedPower();
  });
}

// "Power now" of chargers already charging when the page opened: telemetry is not retained, so
// each delivering connector's latest sample comes from the history API (docs/history.md), once
// per connector and session, a few requests at a time; live samples that are newer win. A
// connector with no stored sample yet (the history writer batches for up to a second) is asked
// again twice, 5 s apart, then waits for its next live sample.
const asked = new Set();
const attempts = new Map();
let seeding = 0;
const SEED_PARALLEL = 4;
const SEED_ATTEMPTS = 3;
function seedPower() {
  if (!token) return;
  const todo = powerSeedsNeeded(store, asked);
  for (const seed of todo) {
    if (seeding >= SEED_PARALLEL) break;
    asked.add(seed.key);
    attempts.set(seed.key, (attempts.get(seed.key) ?? 0) + 1);
    seeding++;
    api(powerSeedQuery(seed))
      .then((h) => {
        const power = h.power?.at(-1);
        const soc = h.soc?.at(-1);
        if (power) {
          if (applySample(store, seed.deviceId, seed.connectorId, { ts: power.ts, power: power.value, soc: soc?.ts === power.ts ? soc.value : undefined })) schedule(seed.deviceId);
        } else if (attempts.get(seed.key) < SEED_ATTEMPTS) setTimeout(() => (asked.delete(seed.key), schedule()), 5000);
      })
      .catch(() => {}) // no history backend: the power stays unknown until a live sample
      .finally(() => {
        seeding--;
        schedule(); // the next ones, if any wait
      });
  }
}

async function loadDevices() {
  // Every device of the tenant, a page (the API's maximum, 1000) at a time.
  for (let offset = 0; ; offset += 1000) {
    const page = await api(`/devices?limit=1000&offset=${offset}`);
    applyDeviceList(store, page.items);
    if (page.items.length < 1000 || offset + page.items.length >= page.total) break;
  }
}

async function start() {
  const who = await api('/auth/whoami');
  store.tenant = who.tenant;
  store.role = who.role;
  $('#who').textContent = `${who.tenant} · ${who.role}`;
  $('#tz').textContent = `times in ${timeZoneLabel()}`;
  document.body.dataset.signedIn = 'true';
  document.body.dataset.role = who.role;
  await loadDevices();
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

const ctx = () => ({ api, role: store.role, refresh: () => schedule(), reloadDevices: () => loadDevices().then(() => schedule()) });

function route() {
  const hash = location.hash || '#/';
  view?.close();
  view = null;
  let m;
  let section = 'fleet';
  if ((m = /^#\/devices\/([^/?]+)$/.exec(hash))) view = openCharger($('#main'), store, decodeURIComponent(m[1]), ctx());
  else if ((m = /^#\/manage\/devices\/([^/?]+)$/.exec(hash))) (view = openDeviceAdmin($('#main'), store, decodeURIComponent(m[1]), ctx())), (section = 'devices');
  else if (/^#\/manage\/devices\/?$/.test(hash)) (view = openDeviceList($('#main'), store, ctx())), (section = 'devices');
  else if (/^#\/manage\/id-tags\/?$/.test(hash)) (view = openIdTags($('#main'), store, ctx())), (section = 'id-tags');
  else view = openFleet($('#main'), store, ctx());
  for (const a of document.querySelectorAll('#nav a')) a.toggleAttribute('aria-current', a.dataset.section === section);
  window.scrollTo(0, 0);
  schedule();
}

function signOut(message) {
  tokens.removeItem(TOKEN_KEY);
  token = null;
  feed?.abort();
  feed = null;
  view?.close();
  view = null;
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
setInterval(() => token && schedule(), 5000);

if (token) start().catch((err) => signOut(err.message));
else document.body.dataset.signedIn = 'false';
