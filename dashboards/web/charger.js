// The charger view: live charts seeded from the history API, sessions with their energy, recent
// OCPP events, and operator actions behind a confirmation dialog.
import uPlot from '/ui/vendor/uplot/uPlot.esm.js';
import { appendSample, CHARTS, describeEvent, deviceSummary, formatDuration, formatEnergy, formatPower, formatTime, mergeEvents, toChartData } from './model.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const HISTORY_HOURS = 6;
/** Events the view shows: the last ones from the message log at load, then live ones. */
const EVENTS_SHOWN = 30;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706'];

/** Operator actions: OCPP 1.6 §5 messages the page can send, with the fields each needs. */
const ACTIONS = {
  reset: { label: 'Reset', build: (f) => ({ action: 'Reset', payload: { type: f.type } }), describe: (f) => `${f.type} reset` },
  start: { label: 'Remote start', build: (f) => ({ action: 'RemoteStartTransaction', payload: { connectorId: Number(f.connectorId), idTag: f.idTag } }), describe: (f) => `remote start on connector ${f.connectorId} for ${f.idTag}` },
  stop: { label: 'Remote stop', build: (f) => ({ action: 'RemoteStopTransaction', payload: { transactionId: Number(f.transactionId) } }), describe: (f) => `remote stop of transaction ${f.transactionId}` },
  unlock: { label: 'Unlock', build: (f) => ({ action: 'UnlockConnector', payload: { connectorId: Number(f.connectorId) } }), describe: (f) => `unlock connector ${f.connectorId}` },
  availability: { label: 'Availability', build: (f) => ({ action: 'ChangeAvailability', payload: { connectorId: Number(f.connectorId), type: f.type } }), describe: (f) => `make connector ${f.connectorId} ${f.type}` },
};

export function openCharger(main, store, deviceId, { api }) {
  let closed = false;
  let logged = [];
  const series = {};
  const plots = new Map();
  const keys = CHARTS.flatMap((c) => c.keys);

  main.innerHTML = `
    <p><a href="#/">← Fleet</a></p>
    <section class="charger-head" id="head"></section>
    <section class="charts">${CHARTS.map((c) => `<figure class="chart" data-chart="${c.id}"><figcaption>${c.title} <span class="muted">(${c.unit})</span></figcaption><div class="plot"></div></figure>`).join('')}</section>
    <div class="columns">
      <section><h2>Operator actions</h2>${actionForms()}<p id="action-result" role="status"></p></section>
      <section><h2>Sessions</h2><table class="sessions"><thead><tr><th>#</th><th>Conn.</th><th>Started</th><th>Duration</th><th class="num">Energy</th><th>Status</th></tr></thead><tbody id="sessions"><tr><td colspan="6" class="muted">loading…</td></tr></tbody></table></section>
    </div>
    <section><h2>Recent events</h2><ol class="events" id="events"></ol></section>
    <dialog id="confirm"><form method="dialog"><p id="confirm-text"></p><menu><button value="cancel">Cancel</button> <button value="ok" id="confirm-ok" class="danger">Send</button></menu></form></dialog>`;

  const head = main.querySelector('#head');
  function renderHead() {
    const d = store.devices.get(deviceId);
    if (!d) return void (head.innerHTML = `<h1>${esc(deviceId)}</h1><p class="muted">unknown device</p>`);
    const s = deviceSummary(d);
    head.innerHTML = `<h1>${esc(s.name)} <span class="badge ${s.online ? 'on' : 'off'}" id="presence">${s.online ? 'online' : 'OFFLINE'}</span></h1>
      <p class="muted">${esc(s.chargePointId)} · ${esc(s.vendor ?? '?')} ${esc(s.model ?? '')} · firmware ${esc(d.shadow?.firmware ?? '?')}${d.shadow?.protocol ? ` · ${esc(d.shadow.protocol.replace(/^ocpp/, 'OCPP '))}` : ''} · last seen ${esc(formatTime(s.lastSeen))}</p>
      <p>Power now <b class="power" id="power-now">${formatPower(s.powerW)}</b>${s.soc === null ? '' : ` · SoC <b>${Math.round(s.soc)} %</b>`} · ${s.connectors.map((c) => `<span class="chip status-${esc(c.status)}${c.faulted ? ' fault' : ''}">${esc(c.id)}: ${esc(c.status)}${c.transactionId ? ` · tx ${esc(c.transactionId)}` : ''}</span>`).join(' ')}</p>`;
    const active = s.connectors.filter((c) => c.transactionId).map((c) => c.transactionId);
    const stopSel = main.querySelector('form[data-action="stop"] [name="transactionId"]');
    if (stopSel && stopSel.dataset.value !== active.join(',')) {
      stopSel.dataset.value = active.join(',');
      stopSel.innerHTML = active.length ? active.map((t) => `<option>${esc(t)}</option>`).join('') : '<option value="">no active session</option>';
    }
  }

  function renderEvents() {
    const d = store.devices.get(deviceId);
    main.querySelector('#events').innerHTML = mergeEvents(d?.events ?? [], logged, EVENTS_SHOWN).map((e) => `<li><time>${esc(formatTime(e.ts))}</time> ${esc(describeEvent(e))}</li>`).join('') || '<li class="muted">no events logged</li>';
  }

  // What led up to now: the charger's last exchanges from the message log (docs/message-log.md).
  async function loadEvents() {
    const r = await api(`/message-log?deviceId=${encodeURIComponent(deviceId)}&order=desc&limit=${EVENTS_SHOWN}`);
    if (closed) return;
    logged = r.items.map((i) => i.event);
    renderEvents();
  }

  function drawCharts() {
    for (const c of CHARTS) {
      const data = toChartData(c.keys, series, c.scale);
      const used = c.keys.filter((k) => (series[k] ?? []).length);
      let p = plots.get(c.id);
      if (p && p.keys.join() !== used.join()) (p.plot.destroy(), plots.delete(c.id), (p = undefined));
      const el = main.querySelector(`[data-chart="${c.id}"] .plot`);
      if (!used.length) {
        el.innerHTML = '<p class="muted small">no data</p>';
        continue;
      }
      const cols = [data[0], ...used.map((k) => data[1 + c.keys.indexOf(k)])];
      if (p) p.plot.setData(cols);
      else {
        el.innerHTML = '';
        const plot = new uPlot(
          { width: el.clientWidth || 420, height: 160, series: [{}, ...used.map((k, i) => ({ label: k, stroke: COLORS[i % COLORS.length], spanGaps: true, width: 1.5 }))], axes: [{}, { size: 50 }], legend: { show: used.length > 1 } },
          cols,
          el,
        );
        plots.set(c.id, { plot, keys: used });
      }
      el.closest('figure').dataset.points = String(data[0].length);
    }
  }

  async function loadHistory() {
    const from = new Date(Date.now() - HISTORY_HOURS * 3600_000).toISOString();
    const h = await api(`/devices/${encodeURIComponent(deviceId)}/history?attr=${keys.map(encodeURIComponent).join(',')}&from=${from}&lastN=2000`);
    if (closed) return;
    for (const k of keys) {
      // Merge: live samples that arrived while the request ran are newer than the history.
      const live = series[k] ?? [];
      series[k] = [...(h[k] ?? []).filter((p) => !live.length || p.ts < live[0].ts), ...live];
    }
    drawCharts();
  }

  // An active session's energy so far: the newest energy register of that transaction − meterStart.
  function liveEnergy(t) {
    const a = store.devices.get(deviceId)?.attrs;
    return t.status === 'active' && a && String(a.transactionId) === String(t.id) && typeof a.energy === 'number' && typeof t.meterStart === 'number' ? a.energy - t.meterStart : null;
  }

  async function loadSessions() {
    const r = await api(`/transactions?deviceId=${encodeURIComponent(deviceId)}&limit=20`);
    if (closed) return;
    main.querySelector('#sessions').innerHTML =
      r.items.map((t) => `<tr data-transaction="${t.id}"><td>${t.id}</td><td>${t.connectorId}</td><td>${esc(new Date(t.startedAt).toLocaleString())}</td><td>${formatDuration(t.durationSeconds ?? (Date.now() - Date.parse(t.startedAt)) / 1000)}</td><td class="num">${formatEnergy(t.energyWh ?? liveEnergy(t))}</td><td>${esc(t.status)}</td></tr>`).join('') ||
      '<tr><td colspan="6" class="muted">no sessions yet</td></tr>';
  }

  // Operator actions: the form fills the command, the dialog confirms, the API sends it.
  main.querySelectorAll('form[data-action]').forEach((form) =>
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const a = ACTIONS[form.dataset.action];
      const fields = Object.fromEntries(new FormData(form));
      const name = store.devices.get(deviceId)?.label ?? deviceId;
      const dlg = main.querySelector('#confirm');
      main.querySelector('#confirm-text').textContent = `Send ${a.describe(fields)} to ${name}?`;
      dlg.onclose = async () => {
        if (dlg.returnValue !== 'ok') return;
        const out = main.querySelector('#action-result');
        out.className = '';
        out.textContent = `${a.label}: sending…`;
        try {
          const r = await api(`/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body: JSON.stringify(a.build(fields)) });
          out.className = 'ok';
          out.textContent = `${a.label}: ${r.response?.status ?? 'ok'}`;
        } catch (err) {
          out.className = 'bad';
          out.textContent = `${a.label} failed: ${err.message}`;
        }
      };
      dlg.returnValue = '';
      dlg.showModal();
    }),
  );

  renderHead();
  renderEvents();
  drawCharts();
  loadHistory().catch((err) => (main.querySelector('.charts').insertAdjacentHTML('beforebegin', `<p class="bad">history: ${esc(err.message)}</p>`)));
  loadSessions().catch(() => {});
  loadEvents().catch(() => {});
  let lastTx = '';
  let lastAttrs = null;

  return {
    deviceChanged(id) {
      if (id !== deviceId || closed) return;
      const d = store.devices.get(id);
      if (d?.attrs && d.attrs !== lastAttrs) {
        lastAttrs = d.attrs;
        if (appendSample(series, keys, d.attrs)) drawCharts();
      }
      renderHead();
      renderEvents();
      // A session started or ended: refresh the sessions table.
      const tx = JSON.stringify(Object.values(d?.shadow?.connectors ?? {}).map((c) => c.transactionId));
      if (tx !== lastTx) {
        lastTx = tx;
        loadSessions().catch(() => {});
      }
    },
    close() {
      closed = true;
      for (const p of plots.values()) p.plot.destroy();
    },
  };
}

function actionForms() {
  const conn = '<label>Connector <input name="connectorId" type="number" min="1" value="1" required></label>';
  return `
    <form data-action="reset"><select name="type"><option>Soft</option><option>Hard</option></select> <button>Reset</button></form>
    <form data-action="start">${conn} <label>idTag <input name="idTag" maxlength="20" required value="OPERATOR"></label> <button>Remote start</button></form>
    <form data-action="stop"><label>Transaction <select name="transactionId" required><option value="">no active session</option></select></label> <button>Remote stop</button></form>
    <form data-action="unlock">${conn} <button>Unlock</button></form>
    <form data-action="availability"><label>Connector <input name="connectorId" type="number" min="0" value="0" required></label> <select name="type"><option>Operative</option><option>Inoperative</option></select> <button>Set availability</button></form>`;
}
