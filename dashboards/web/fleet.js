// The fleet view: one row per charger, problems first, with search and filters. The filters are
// built once (typing keeps its focus) and kept in the hash (`#/?q=&status=&site=&model=`, so a
// filtered view can be bookmarked); totals, alerts and rows are rebuilt from the store on every
// update (a few hundred rows render in well under a frame; no diffing library needed).
import { deviceSummary, faultText, filterChoices, filterFleet, fleetFilterHash, fleetOrder, fleetTotals, formatPower, formatTime, modelName, NO_SITE, parseFleetFilter, STATUS_FILTERS } from './model.js';
import { alertsPanel } from './alerts.js';
import { esc } from './ui.js';
import { dailyHtml, dailySection } from './daily.js';

function connectorChips(s) {
  if (!s.connectors.length) return '<span class="muted">—</span>';
  return s.connectors
    .map((c) => `<span class="chip status-${esc(c.status)}${c.faulted ? ' fault' : c.unavailable ? ' unavail' : ''}" data-connector="${esc(c.id)}" title="${esc(faultText(c) || c.errorCode)}">${esc(c.id)}: ${esc(c.status)}${c.errorCode && c.errorCode !== 'NoError' ? ` · ${esc(c.errorCode)}` : ''}</span>`)
    .join(' ');
}

/** Under the chips, each faulted connector (0: the charger as a whole): code, info, vendor code, since. */
export function faultDetails(s) {
  return s.faults
    .map((c) => `<div class="fault-detail small" data-fault-connector="${esc(c.id)}">${c.id === '0' ? 'charger' : `connector ${esc(c.id)}`}: ${esc(c.status)}${faultText(c) ? ` · ${esc(faultText(c))}` : ''} · since <time datetime="${esc(c.since ?? '')}">${esc(formatTime(c.since))}</time></div>`)
    .join('');
}

const LABELS = { online: 'Online', offline: 'Offline', charging: 'Charging', faulted: 'Faulted', unavailable: 'Unavailable' };

export function openFleet(main, store, { api } = {}) {
  let filter = parseFleetFilter(location.hash);
  main.innerHTML = `
    <section class="totals" id="totals" aria-label="fleet totals"></section>
    <div id="alerts-slot"></div>
    ${dailyHtml({ compact: true })}
    <form id="filters" class="filters" role="search" aria-label="filter chargers">
      <label class="grow">Search <input type="search" name="q" placeholder="name, chargePointId, vendor, model" autocomplete="off"></label>
      <label>Status <select name="status"><option value="">all</option>${STATUS_FILTERS.map((s) => `<option value="${s}">${LABELS[s]}</option>`).join('')}</select></label>
      <label>Site <select name="site"><option value="">all</option></select></label>
      <label>Model <select name="model"><option value="">all</option></select></label>
      <button type="reset">Clear</button>
    </form>
    <p id="fleet-count" class="muted small" role="status"></p>
    <div class="table-wrap"><table class="fleet cards">
      <thead><tr><th>Charger</th><th>Site</th><th>Presence</th><th>Connectors</th><th class="num">Power</th><th class="num">SoC</th><th>Last seen</th></tr></thead>
      <tbody id="fleet-rows"></tbody>
    </table></div>`;
  const form = main.querySelector('#filters');
  form.q.value = filter.q;
  form.status.value = filter.status;
  let choices = '';

  const read = () => {
    filter = { q: form.q.value, status: form.status.value, site: form.site.value, model: form.model.value };
    history.replaceState(null, '', fleetFilterHash(filter));
    render();
  };
  form.addEventListener('input', read);
  form.addEventListener('submit', (ev) => ev.preventDefault());
  form.addEventListener('reset', () => setTimeout(read));

  function setOptions(select, values, current) {
    select.innerHTML = `<option value="">all</option>${values.map((v) => `<option value="${esc(v)}">${v === NO_SITE ? 'no site' : esc(v)}</option>`).join('')}${current && !values.includes(current) ? `<option value="${esc(current)}">${esc(current)}</option>` : ''}`;
    select.value = current;
  }

  function render() {
    // A device known only from its alerts (reloaded after a restart, not in the registry list
    // yet) gets no fleet row of its own.
    const all = [...store.devices.values()].filter((d) => d.shadow || d.label !== null).map(deviceSummary).sort(fleetOrder);
    const c = filterChoices(all);
    const key = JSON.stringify(c);
    if (key !== choices) {
      choices = key;
      setOptions(form.site, c.sites, filter.site);
      setOptions(form.model, c.models, filter.model);
    }
    const rows = filterFleet(all, filter);
    const t = fleetTotals(rows);
    main.querySelector('#totals').innerHTML = `
      <div><b data-total="online">${t.online}</b> / ${t.total} online</div>
      <div class="${t.offline ? 'bad' : ''}"><b data-total="offline">${t.offline}</b> offline</div>
      <div><b data-total="charging">${t.charging}</b> charging</div>
      <div class="${t.faulted ? 'bad' : ''}"><b data-total="faulted">${t.faulted}</b> faulted</div>
      <div class="${t.unavailable ? 'warn' : ''}"><b data-total="unavailable">${t.unavailable}</b> unavailable</div>
      <div data-complete="${t.reporting === t.flowing}"><b data-total="power">${formatPower(t.powerW)}</b> now${t.reporting < t.flowing ? `<span class="small incomplete" data-total="reporting">incomplete: ${t.reporting} of ${t.flowing} chargers reporting</span>` : ''}</div>`;
    main.querySelector('#alerts-slot').innerHTML = alertsPanel(store, store.role);
    const filtered = filter.q || filter.status || filter.site || filter.model;
    main.querySelector('#fleet-count').textContent = filtered ? `${rows.length} of ${all.length} chargers match` : '';
    main.querySelector('#fleet-rows').innerHTML = rows.length
      ? rows.map(row).join('')
      : `<tr><td colspan="7" class="muted">${all.length ? 'No charger matches the filter.' : 'No chargers yet. Point one at ws://HOST:9000/&lt;chargePointId&gt;.'}</td></tr>`;
  }

  // The tenant's sessions per day; reloaded when a session starts or ends on any charger.
  const daily = dailySection(main, api);
  let lastTx = null;
  function update(changed) {
    render();
    const tx = JSON.stringify([...store.devices.values()].map((d) => Object.values(d.shadow?.connectors ?? {}).map((c) => c.transactionId ?? null)));
    if (lastTx !== null && tx !== lastTx) daily.reload();
    lastTx = tx;
  }

  update();
  return { update, close: () => daily.close() };
}

function row(s) {
  const cls = [s.faulted ? 'row-fault' : '', s.unavailable ? 'row-unavailable' : '', s.online ? '' : 'row-offline'].filter(Boolean).join(' ');
  return `<tr data-device="${esc(s.id)}" data-online="${s.online}" data-charging="${s.charging}" data-faulted="${s.faulted}" data-unavailable="${s.unavailable}" class="${cls}">
    <td data-label="Charger"><a href="#/devices/${encodeURIComponent(s.id)}">${esc(s.name)}</a><div class="muted small">${esc(s.chargePointId)}${s.vendor ? ` · ${esc(modelName(s))}` : ''}${s.protocol ? ` · ${esc(s.protocol)}` : ''}${s.enabled ? '' : ' · <b>disabled</b>'}</div></td>
    <td data-label="Site" class="site">${s.site ? esc(s.site) : '<span class="muted">—</span>'}</td>
    <td data-label="Presence" class="presence"><span class="badge ${s.online ? 'on' : 'off'}">${s.online ? 'online' : 'OFFLINE'}</span>${s.online ? '' : `<div class="small">${s.offlineReason === 'heartbeatTimeout' ? 'silent since' : 'since'} ${esc(formatTime(s.since))}</div>`}</td>
    <td data-label="Connectors" class="connectors">${connectorChips(s)}${faultDetails(s)}</td>
    <td data-label="Power" class="num power"${s.flowing && !s.reporting ? ' data-incomplete="true" title="not every charging connector has reported yet"' : ''}>${formatPower(s.powerW)}</td>
    <td data-label="SoC" class="num soc">${s.soc === null ? '—' : `${Math.round(s.soc)} %`}</td>
    <td data-label="Last seen" class="small">${esc(formatTime(s.lastSeen))}</td>
  </tr>`;
}
