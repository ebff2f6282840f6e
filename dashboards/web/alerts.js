// The fleet page's alerts panel: the tenant's active alerts (from GET /alerts at sign-in, then
// each device's retained `alerts` message from the live feed), newest problem on top, with an
// Acknowledge button for tokens that may write (hidden for read-only ones).
import { activeAlerts, formatTime } from './model.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function alertsPanel(store, role) {
  const list = activeAlerts(store);
  const canAck = role === 'admin' || role === 'operator';
  const rows = list
    .map(
      (a) => `<li data-alert="${esc(a.id)}" data-rule="${esc(a.rule)}" data-acknowledged="${a.acknowledgedAt ? 'true' : 'false'}" class="sev-${esc(a.severity)}">
        <span class="badge ${a.severity === 'critical' ? 'off' : 'warn'}">${esc(a.severity)}</span>
        <span class="who"><a href="#/devices/${encodeURIComponent(a.deviceId)}">${esc(a.name)}</a>${a.connectorId === null ? '' : ` <span class="muted small">connector ${esc(a.connectorId)}</span>`}</span>
        <span class="what">${esc(a.message)} <span class="muted small">${esc(a.rule)}</span></span>
        <span class="small since" title="${esc(a.since)}">since ${esc(formatTime(a.since))}</span>
        <span class="small ack">${a.acknowledgedAt ? `acknowledged ${esc(formatTime(a.acknowledgedAt))}` : canAck ? `<button type="button" data-ack="${esc(a.id)}">Acknowledge</button>` : '<span class="muted">not acknowledged</span>'}</span>
      </li>`,
    )
    .join('');
  return `<section id="alerts" class="alerts" aria-label="active alerts" data-count="${list.length}">
    <h2>Active alerts <span class="muted small">(${list.length})</span></h2>
    ${list.length ? `<ul class="alerts-list">${rows}</ul>` : '<p class="muted small">No active alerts.</p>'}
  </section>`;
}
