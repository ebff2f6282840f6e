// The fleet view: one row per charger, problems first. Rebuilt from the store on every update
// (a few hundred rows render in well under a frame; no diffing library needed).
import { deviceSummary, fleetOrder, fleetTotals, formatPower, formatTime } from './model.js';
import { alertsPanel } from './alerts.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function connectorChips(s) {
  if (!s.connectors.length) return '<span class="muted">—</span>';
  return s.connectors
    .map((c) => `<span class="chip status-${esc(c.status)}${c.faulted ? ' fault' : ''}" data-connector="${esc(c.id)}" title="${esc(c.errorCode)}">${esc(c.id)}: ${esc(c.status)}${c.errorCode && c.errorCode !== 'NoError' ? ` · ${esc(c.errorCode)}` : ''}</span>`)
    .join(' ');
}

export function renderFleet(main, store) {
  // A device known only from its alerts (reloaded after a restart, not in the registry list
  // yet) gets no fleet row of its own.
  const rows = [...store.devices.values()].filter((d) => d.shadow || d.label !== null).map(deviceSummary).sort(fleetOrder);
  const t = fleetTotals(rows);
  main.innerHTML = `
    <section class="totals" aria-label="fleet totals">
      <div><b data-total="online">${t.online}</b> / ${t.total} online</div>
      <div class="${t.offline ? 'bad' : ''}"><b data-total="offline">${t.offline}</b> offline</div>
      <div><b data-total="charging">${t.charging}</b> charging</div>
      <div class="${t.faulted ? 'bad' : ''}"><b data-total="faulted">${t.faulted}</b> faulted</div>
      <div><b data-total="power">${formatPower(t.powerW)}</b> now</div>
    </section>
    ${alertsPanel(store, store.role)}
    <table class="fleet">
      <thead><tr><th>Charger</th><th>Presence</th><th>Connectors</th><th class="num">Power</th><th class="num">SoC</th><th>Last seen</th></tr></thead>
      <tbody>${
        rows.length
          ? rows
              .map(
                (s) => `<tr data-device="${esc(s.id)}" data-online="${s.online}" data-charging="${s.charging}" data-faulted="${s.faulted}" class="${s.faulted ? 'row-fault' : ''}${s.online ? '' : ' row-offline'}">
          <td><a href="#/devices/${encodeURIComponent(s.id)}">${esc(s.name)}</a><div class="muted small">${esc(s.chargePointId)}${s.vendor ? ` · ${esc(s.vendor)} ${esc(s.model ?? '')}` : ''}${s.protocol ? ` · ${esc(s.protocol)}` : ''}</div></td>
          <td class="presence"><span class="badge ${s.online ? 'on' : 'off'}">${s.online ? 'online' : 'OFFLINE'}</span>${s.online ? '' : `<div class="small">${s.offlineReason === 'heartbeatTimeout' ? 'silent since' : 'since'} ${esc(formatTime(s.since))}</div>`}</td>
          <td class="connectors">${connectorChips(s)}</td>
          <td class="num power">${formatPower(s.powerW)}</td>
          <td class="num soc">${s.soc === null ? '—' : `${Math.round(s.soc)} %`}</td>
          <td class="small">${esc(formatTime(s.lastSeen))}</td>
        </tr>`,
              )
              .join('')
          : '<tr><td colspan="6" class="muted">No chargers yet. Point one at ws://HOST:9000/&lt;chargePointId&gt;.</td></tr>'
      }</tbody>
    </table>`;
}
