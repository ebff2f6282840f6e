// The charger view: live charts seeded from the history API, sessions with their energy, recent
// OCPP events, and operator actions behind a confirmation dialog (hidden for read-only tokens).
import uPlot from '/ui/vendor/uplot/uPlot.esm.js';
import { appendSample, axisTimeLabels, canWrite, chartRange, CHARTS, describeEvent, deviceSummary, extendSeen, faultText, formatDuration, formatEnergy, formatPower, formatTime, mergeEvents, modelName, toChartData, unlockWarning } from './model.js';
import { faultDetails } from './fleet.js';
import { confirmAction, esc, showResult } from './ui.js';
import { dailyHtml, dailySection } from './daily.js';

const HISTORY_HOURS = 6;
/** Events the view shows: the last ones from the message log at load, then live ones. */
const EVENTS_SHOWN = 30;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706'];

/**
 * Operator actions, as the version-neutral commands (docs/commands.md "One command for any
 * charger"): the same form works for OCPP 1.6, 2.0.1 and 2.1 chargers.
 */
const ACTIONS = {
  reset: { label: 'Reset', build: (f) => ({ action: 'reset', payload: { hard: f.type === 'Hard' } }), describe: (f) => `${f.type} reset` },
  start: { label: 'Remote start', build: (f) => ({ action: 'remoteStart', payload: { connectorId: Number(f.connectorId), idTag: f.idTag } }), describe: (f) => `remote start on connector ${f.connectorId} for ${f.idTag}` },
  stop: { label: 'Remote stop', build: (f) => ({ action: 'remoteStop', payload: { transactionId: Number(f.transactionId) } }), describe: (f) => `remote stop of transaction ${f.transactionId}` },
  unlock: { label: 'Unlock', build: (f) => ({ action: 'unlock', payload: { connectorId: Number(f.connectorId) } }), describe: (f) => `unlock connector ${f.connectorId}` },
  availability: { label: 'Availability', build: (f) => ({ action: 'setAvailability', payload: { connectorId: Number(f.connectorId), available: f.type === 'Operative' } }), describe: (f) => `make connector ${f.connectorId} ${f.type}` },
};

export function openCharger(main, store, deviceId, { api, role }) {
  let closed = false;
  let logged = [];
  const series = {};
  const plots = new Map();
  const seen = {}; // chart id -> { min, max } of every value shown (y ranges never shrink)
  const keys = CHARTS.flatMap((c) => c.keys);
  const writer = canWrite(role);

  main.innerHTML = `
    <p class="crumbs"><a href="#/">← Fleet</a> · <a href="#/manage/devices/${encodeURIComponent(deviceId)}" id="manage-link">${writer ? 'Manage: registry, charging limit, settings, trigger' : 'Registry record'}</a></p>
    <section class="charger-head" id="head"></section>
    <section class="charts">${CHARTS.map((c) => `<figure class="chart" data-chart="${c.id}"><figcaption>${c.title} <span class="muted">(${c.unit})</span></figcaption><div class="plot"></div></figure>`).join('')}</section>
    <div class="columns">
      <section id="actions"><h2>Operator actions</h2>${writer ? actionForms() : '<p class="muted" id="read-only-note">This token is read-only: it sees everything and sends no commands.</p>'}<p id="action-result" role="status"></p></section>
      <section><h2>Sessions</h2><div class="table-wrap"><table class="sessions"><thead><tr><th>#</th><th>Conn.</th><th>Started</th><th>Duration</th><th class="num">Energy</th><th>Status</th></tr></thead><tbody id="sessions"><tr><td colspan="6" class="muted">loading…</td></tr></tbody></table></div></section>
    </div>
    ${dailyHtml()}
    <section><h2>Recent events</h2><ol class="events" id="events"></ol></section>`;

  const head = main.querySelector('#head');
  function renderHead() {
    const d = store.devices.get(deviceId);
    if (!d) return void (head.innerHTML = `<h1>${esc(deviceId)}</h1><p class="muted">unknown device</p>`);
    const s = deviceSummary(d);
    head.innerHTML = `<h1>${esc(s.name)} <span class="badge ${s.online ? 'on' : 'off'}" id="presence">${s.online ? 'online' : 'OFFLINE'}</span></h1>
      <p class="muted">${esc(s.chargePointId)} · ${esc(modelName(s) || '?')} · firmware ${esc(d.shadow?.firmware ?? '?')}${s.protocol ? ` · ${esc(s.protocol)}` : ''}${s.site ? ` · site ${esc(s.site)}` : ''} · last seen ${esc(formatTime(s.lastSeen))}</p>
      <p>Power now <b class="power" id="power-now"${s.flowing && !s.reporting ? ' data-incomplete="true"' : ''}>${formatPower(s.powerW)}</b>${s.soc === null ? '' : ` · SoC <b>${Math.round(s.soc)} %</b>`} · ${s.connectors.map((c) => `<span class="chip status-${esc(c.status)}${c.faulted ? ' fault' : c.unavailable ? ' unavail' : ''}" data-connector="${esc(c.id)}" title="${esc(faultText(c))}">${esc(c.id)}: ${esc(c.status)}${c.transactionId ? ` · tx ${esc(c.transactionId)}` : ''}</span>`).join(' ')}</p>
      <div id="faults">${faultDetails(s)}</div>`;
    const active = s.connectors.filter((c) => c.transactionId).map((c) => c.transactionId);
    const stopSel = main.querySelector('form[data-action="stop"] [name="transactionId"]');
    if (stopSel && stopSel.dataset.value !== active.join(',')) {
      stopSel.dataset.value = active.join(',');
      stopSel.innerHTML = active.length ? active.map((t) => `<option>${esc(t)}</option>`).join('') : '<option value="">no active session</option>';
    }
  }

  function renderEvents() {
    const d = store.devices.get(deviceId);
    main.querySelector('#events').innerHTML = mergeEvents(d?.events ?? [], logged, EVENTS_SHOWN).map((e) => `<li><time datetime="${esc(e.ts)}">${esc(formatTime(e.ts))}</time> ${esc(describeEvent(e))}</li>`).join('') || '<li class="muted">no events logged</li>';
  }

  // What led up to now: the charger's last exchanges from the message log (docs/message-log.md).
  async function loadEvents() {
    const r = await api(`/message-log?deviceId=${encodeURIComponent(deviceId)}&order=desc&limit=${EVENTS_SHOWN}`);
    if (closed) return;
    logged = r.items.map((i) => i.event);
    renderEvents();
  }

  function chartOptions(c, used, el, fig) {
    return {
      width: el.clientWidth || 420,
      height: 160,
      // The legend's time (and the cursor's) in the page's format, like every other time.
      series: [{ value: (u, v) => (v === null || v === undefined ? '—' : formatTime(v * 1000)) }, ...used.map((k, i) => ({ label: k, stroke: COLORS[i % COLORS.length], spanGaps: true, width: 1.5 }))],
      scales: {
        x: { time: true },
        // From 0 to a round value above the largest seen, at least the chart's floor (model.js
        // chartRange): a steady 50 kW is a flat line at 50 of 60, not noise blown up.
        y: { range: () => chartRange(c.id, seen[c.id]) },
      },
      axes: [
        {
          values: (u, splits, _axis, _space, incr) => {
            const labels = axisTimeLabels(splits, incr);
            fig.dataset.xLabels = labels.join('|');
            return labels;
          },
          // Room for "14:05:30" between ticks: uPlot's default (50 px) overlaps our labels.
          space: 80,
          size: 44,
        },
        { size: 50 },
      ],
      hooks: {
        draw: [
          (u) => {
            fig.dataset.yMin = String(u.scales.y.min);
            fig.dataset.yMax = String(u.scales.y.max);
          },
        ],
      },
      legend: { show: used.length > 1 },
    };
  }

  function drawCharts() {
    for (const c of CHARTS) {
      const data = toChartData(c.keys, series, c.scale);
      const used = c.keys.filter((k) => (series[k] ?? []).length);
      let p = plots.get(c.id);
      if (p && p.keys.join() !== used.join()) (p.plot.destroy(), plots.delete(c.id), (p = undefined));
      const fig = main.querySelector(`[data-chart="${c.id}"]`);
      const el = fig.querySelector('.plot');
      if (!used.length) {
        el.innerHTML = '<p class="muted small">no data</p>';
        continue;
      }
      const cols = [data[0], ...used.map((k) => data[1 + c.keys.indexOf(k)])];
      seen[c.id] = extendSeen(seen[c.id], cols.slice(1));
      if (p) p.plot.setData(cols);
      else {
        el.innerHTML = '';
        plots.set(c.id, { plot: new uPlot(chartOptions(c, used, el, fig), cols, el), keys: used });
      }
      fig.dataset.points = String(data[0].length);
    }
  }

  // Charts follow the width of their column (a phone turned, a window resized).
  const resize = new ResizeObserver(() => {
    for (const [id, p] of plots) {
      const el = main.querySelector(`[data-chart="${id}"] .plot`);
      if (el && el.clientWidth && Math.abs(el.clientWidth - p.plot.width) > 2) p.plot.setSize({ width: el.clientWidth, height: 160 });
    }
  });
  resize.observe(main.querySelector('.charts'));

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
      r.items.map((t) => `<tr data-transaction="${t.id}"><td>${t.id}</td><td>${t.connectorId}</td><td><time datetime="${esc(t.startedAt)}">${esc(formatTime(t.startedAt))}</time></td><td>${formatDuration(t.durationSeconds ?? (Date.now() - Date.parse(t.startedAt)) / 1000)}</td><td class="num">${formatEnergy(t.energyWh ?? liveEnergy(t))}</td><td>${esc(t.status)}</td></tr>`).join('') ||
      '<tr><td colspan="6" class="muted">no sessions yet</td></tr>';
  }

  // Operator actions: the form fills the command, the dialog confirms, the API sends it.
  main.querySelectorAll('form[data-action]').forEach((form) =>
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const a = ACTIONS[form.dataset.action];
      const fields = Object.fromEntries(new FormData(form));
      const d = store.devices.get(deviceId);
      const name = d?.label ?? deviceId;
      const warning = form.dataset.action === 'unlock' ? unlockWarning(d?.shadow, fields.connectorId) : null;
      if (!(await confirmAction(`Send ${a.describe(fields)} to ${name}?`, { warning, ok: warning ? 'Unlock anyway' : 'Send' }))) return;
      const out = main.querySelector('#action-result');
      out.className = '';
      out.textContent = `${a.label}: sending…`;
      try {
        const r = await api(`/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body: JSON.stringify(a.build(fields)) });
        showResult(out, true, `${a.label}: ${r.response?.status ?? 'ok'}`);
      } catch (err) {
        showResult(out, false, `${a.label} failed: ${err.message}`);
      }
    }),
  );

  renderHead();
  renderEvents();
  drawCharts();
  loadHistory().catch((err) => main.querySelector('.charts').insertAdjacentHTML('beforebegin', `<p class="bad">history: ${esc(err.message)}</p>`));
  loadSessions().catch(() => {});
  loadEvents().catch(() => {});
  const daily = dailySection(main, api, deviceId);
  let lastTx = '';
  // Samples from before the view opened are in the history it loads.
  store.devices.get(deviceId)?.attrsQueue.splice(0);

  return {
    update(changed) {
      if (closed) return;
      if (!changed.has(deviceId)) return void (changed.size === 0 && renderHead());
      const d = store.devices.get(deviceId);
      let grew = false;
      for (const a of d?.attrsQueue.splice(0) ?? []) if (appendSample(series, keys, a)) grew = true;
      if (grew) drawCharts();
      renderHead();
      renderEvents();
      // A session started or ended: refresh the sessions table.
      const tx = JSON.stringify(Object.values(d?.shadow?.connectors ?? {}).map((c) => c.transactionId));
      if (tx !== lastTx) {
        lastTx = tx;
        loadSessions().catch(() => {});
        daily.reload();
      }
    },
    close() {
      closed = true;
      resize.disconnect();
      daily.close();
      for (const p of plots.values()) p.plot.destroy();
    },
  };
}

function actionForms() {
  const conn = '<label>Connector <input name="connectorId" type="number" min="1" value="1" required></label>';
  return `
    <form data-action="reset"><select name="type" aria-label="reset type"><option>Soft</option><option>Hard</option></select> <button>Reset</button></form>
    <form data-action="start">${conn} <label>idTag <input name="idTag" maxlength="20" required value="OPERATOR"></label> <button>Remote start</button></form>
    <form data-action="stop"><label>Transaction <select name="transactionId" required><option value="">no active session</option></select></label> <button>Remote stop</button></form>
    <form data-action="unlock">${conn} <button>Unlock</button></form>
    <form data-action="availability"><label>Connector <input name="connectorId" type="number" min="0" value="0" required></label> <select name="type" aria-label="availability"><option>Operative</option><option>Inoperative</option></select> <button>Set availability</button></form>`;
}
