// "Per day (last 14 days)": energy per day as bars (uPlot) and a day / sessions / kWh table, for
// one charger (deviceId) or the whole tenant; the sums are model.js dailyTotals.
import uPlot from '/ui/vendor/uplot/uPlot.esm.js';
import { dailyFrom, dailyLine, dailyTotals, dayLabel, formatKWh } from './model.js';
import { esc } from './ui.js';

export const DAILY_DAYS = 14;
/** GET /transactions' largest page (docs/api.md). */
const PAGE = 10_000;

/** Every session that started since `from`, page by page (offset, until `total`). */
export async function loadSessionsSince(api, from, deviceId = null) {
  const items = [];
  for (;;) {
    const q = `/transactions?from=${encodeURIComponent(from)}${deviceId ? `&deviceId=${encodeURIComponent(deviceId)}` : ''}&limit=${PAGE}&offset=${items.length}`;
    const r = await api(q);
    items.push(...r.items);
    if (!r.items.length || items.length >= (r.total ?? 0)) return items;
  }
}

export function dailyHtml({ compact = false } = {}) {
  return `<section class="daily" id="daily"><h2>Per day (last ${DAILY_DAYS} days)</h2>
    <p id="daily-line" class="${compact ? '' : 'muted small'}">loading…</p>
    <figure class="chart daily-chart" data-chart="daily"><figcaption>Energy per day <span class="muted">(kWh)</span></figcaption><div class="plot"></div></figure>
    ${compact ? '<details id="daily-details"><summary>Per day table</summary>' : ''}<div class="table-wrap"><table class="daily-table"><thead><tr><th>Day</th><th class="num">Sessions</th><th class="num">kWh</th></tr></thead><tbody id="daily-rows"></tbody></table></div>${compact ? '</details>' : ''}
  </section>`;
}

/** Fills a dailyHtml() section inside `root`; returns { reload, close }. */
export function dailySection(root, api, deviceId = null) {
  let plot = null;
  let closed = false;
  let running = null;
  const fig = root.querySelector('[data-chart="daily"]');
  const el = fig.querySelector('.plot');

  function draw(rows) {
    const data = [rows.map((_, i) => i), rows.map((r) => r.energyKWh)];
    const labels = rows.map((r) => dayLabel(r.day));
    fig.dataset.points = String(rows.length);
    if (plot) return void plot.setData(data);
    el.innerHTML = '';
    const bars = uPlot.paths?.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : uPlot.paths.stepped({ align: 1 });
    plot = new uPlot(
      {
        width: el.clientWidth || 420,
        height: 160,
        scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{ value: (u, v) => (v === null || v === undefined ? '—' : (labels[v] ?? '—')) }, { label: 'kWh', stroke: '#2563eb', fill: 'rgba(37,99,235,0.35)', paths: bars, points: { show: false } }],
        axes: [{ values: (u, splits) => splits.map((s) => (Number.isInteger(s) ? (labels[s] ?? '') : '')), space: 44, size: 36 }, { size: 44 }],
        legend: { show: false },
      },
      data,
      el,
    );
  }

  async function load() {
    const sessions = await loadSessionsSince(api, dailyFrom(DAILY_DAYS), deviceId);
    if (closed) return;
    const rows = dailyTotals(sessions, DAILY_DAYS);
    root.querySelector('#daily-line').textContent = dailyLine(rows);
    root.querySelector('#daily-rows').innerHTML = [...rows]
      .reverse()
      .map((r) => `<tr data-day="${r.day}"><td><time datetime="${r.day}">${esc(dayLabel(r.day))}</time></td><td class="num" data-col="sessions">${r.sessions}</td><td class="num" data-col="kwh">${formatKWh(r.energyKWh)}</td></tr>`)
      .join('');
    draw(rows);
    root.querySelector('#daily').dataset.loaded = String(Date.now());
  }

  // One load at a time; a reload asked for meanwhile runs after it.
  let again = false;
  function reload() {
    if (running) return void (again = true);
    running = load()
      .catch((err) => {
        if (!closed) root.querySelector('#daily-line').textContent = `per day: ${err.message}`;
      })
      .finally(() => {
        running = null;
        if (again && !closed) (again = false), reload();
      });
  }

  const resize = new ResizeObserver(() => {
    if (plot && el.clientWidth && Math.abs(el.clientWidth - plot.width) > 2) plot.setSize({ width: el.clientWidth, height: 160 });
  });
  resize.observe(fig);
  reload();
  return {
    reload,
    close() {
      closed = true;
      resize.disconnect();
      plot?.destroy();
    },
  };
}
