// Management pages, each through the existing HTTP API (docs/api.md, docs/commands.md):
//   #/manage/devices       the registry's devices: list, create
//   #/manage/devices/{id}  one device: label, site, enabled, OCPP password; and commands to the
//                          charger: charging limit (set, daily window, clear), settings (read,
//                          write: the neutral getSetting / setSetting), trigger message
//   #/manage/id-tags       ID tags: list, add, block and unblock
// A read-only token sees the lists and records, and no form that changes anything.
import { applyDeviceList, canWrite, chargingLimitBody, COMMON_SETTINGS, deviceBody, familyOf, formatTime, parseLocalDateTime, removeDevice, triggerCommand, TRIGGERS, utcOffsetMinutes } from './model.js';
import { confirmAction, esc, showResult } from './ui.js';

const yesNo = (b) => (b ? 'yes' : 'no');
// Times are typed as 24-hour text, not <input type="time">, whose display follows the locale
// (12-hour in en-US): one time format across the page.
const HHMM = '([01][0-9]|2[0-3]):[0-5][0-9]';
const DATETIME = '[0-9]{4}-[0-9]{2}-[0-9]{2}( ([01][0-9]|2[0-3]):[0-5][0-9])?';
const fail = (el, what) => (err) => showResult(el, false, `${what} failed: ${err.message}`);

async function allDevices(api) {
  const items = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api(`/devices?limit=1000&offset=${offset}`);
    items.push(...page.items);
    if (page.items.length < 1000 || items.length >= page.total) return items;
  }
}

export function openDeviceList(main, store, { api, role }) {
  const writer = canWrite(role);
  let closed = false;
  main.innerHTML = `
    <h1>Devices</h1>
    <p class="muted">The registry: every charger this tenant may connect (docs/api.md <code>/devices</code>). ${writer ? '' : '<span id="read-only-note">This token is read-only.</span>'}</p>
    ${
      writer
        ? `<details class="panel" id="create-panel"><summary>Add a device</summary>
      <form id="device-create" class="grid-form">
        <label>chargePointId <input name="chargePointId" required maxlength="48" autocomplete="off"></label>
        <label>Label <input name="label" maxlength="200"></label>
        <label>Site <input name="siteName" maxlength="200"></label>
        <label>Site address <input name="siteAddress" maxlength="500"></label>
        <label>OCPP password <input name="password" type="password" minlength="16" maxlength="40" autocomplete="new-password" placeholder="optional, 16–40 characters"></label>
        <label class="check"><input name="enabled" type="checkbox" checked> enabled</label>
        <div><button type="submit">Add device</button></div>
      </form><p id="create-result" role="status"></p></details>`
        : ''
    }
    <div class="table-wrap"><table class="manage cards" id="device-list">
      <thead><tr><th>chargePointId</th><th>Label</th><th>Site</th><th>Enabled</th><th>Password</th><th>Profile</th><th>Presence</th><th></th></tr></thead>
      <tbody><tr><td colspan="8" class="muted">loading…</td></tr></tbody>
    </table></div>`;

  async function load() {
    const items = await allDevices(api);
    if (closed) return;
    applyDeviceList(store, items);
    items.sort((a, b) => a.chargePointId.localeCompare(b.chargePointId));
    main.querySelector('#device-list tbody').innerHTML =
      items
        .map(
          (d) => `<tr data-device="${esc(d.id)}" data-enabled="${d.enabled}">
        <td data-label="chargePointId"><a href="#/manage/devices/${encodeURIComponent(d.id)}">${esc(d.chargePointId)}</a></td>
        <td data-label="Label">${esc(d.label)}</td>
        <td data-label="Site" class="site">${esc(d.site?.name ?? '—')}</td>
        <td data-label="Enabled">${yesNo(d.enabled)}</td>
        <td data-label="Password">${d.hasPassword ? (d.passwordPending ? 'set (rotation pending)' : 'set') : 'none'}</td>
        <td data-label="Profile">${d.securityProfile}</td>
        <td data-label="Presence">${d.online === null ? '—' : d.online ? 'online' : 'offline'}</td>
        <td><a href="#/manage/devices/${encodeURIComponent(d.id)}">${writer ? 'Edit' : 'Details'}</a> · <a href="#/devices/${encodeURIComponent(d.id)}">Charger view</a></td>
      </tr>`,
        )
        .join('') || '<tr><td colspan="8" class="muted">No devices yet.</td></tr>';
  }

  const form = main.querySelector('#device-create');
  form?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = main.querySelector('#create-result');
    try {
      const d = await api('/devices', { method: 'POST', body: JSON.stringify(deviceBody(Object.fromEntries(new FormData(form)))) });
      applyDeviceList(store, [d]);
      showResult(out, true, `Added ${d.chargePointId} (device ${d.id}).`);
      form.reset();
      await load();
    } catch (err) {
      fail(out, 'Adding the device')(err);
    }
  });

  load().catch((err) => (main.querySelector('#device-list tbody').innerHTML = `<tr><td colspan="8" class="bad">${esc(err.message)}</td></tr>`));
  return { update() {}, close: () => void (closed = true) };
}

export function openDeviceAdmin(main, store, deviceId, { api, role }) {
  const writer = canWrite(role);
  let closed = false;
  let device = null;
  main.innerHTML = `<p class="crumbs"><a href="#/manage/devices">← Devices</a> · <a href="#/devices/${encodeURIComponent(deviceId)}">Charger view</a></p><div id="device-admin"><p class="muted">loading…</p></div>`;
  const root = main.querySelector('#device-admin');

  const shadow = () => store.devices.get(deviceId)?.shadow ?? null;
  const name = () => device?.label || device?.chargePointId || deviceId;
  const command = (body) => api(`/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body: JSON.stringify(body) });

  function render() {
    const d = device;
    const s = shadow();
    const fam = familyOf(s?.protocol);
    const connectors = Object.keys(s?.connectors ?? {}).filter((k) => k !== '0');
    const ro = writer ? '' : ' disabled';
    root.innerHTML = `
      <h1>${esc(name())} <span class="muted small">${esc(d.chargePointId)}</span></h1>
      <p class="muted small">device ${esc(d.id)} · security profile ${d.securityProfile} · ${s?.protocol ? esc(s.protocol.replace(/^ocpp/, 'OCPP ')) : 'not connected yet'} · created <time datetime="${esc(d.createdAt)}">${esc(formatTime(d.createdAt))}</time> · updated <time datetime="${esc(d.updatedAt)}">${esc(formatTime(d.updatedAt))}</time>${writer ? '' : ' · <span id="read-only-note">read-only token</span>'}</p>
      <div class="admin-grid">
      <section class="panel"><h2>Registry</h2>
        <form id="device-edit" class="grid-form"><fieldset${ro}>
          <label>Label <input name="label" maxlength="200" value="${esc(d.label)}"></label>
          <label>Site <input name="siteName" maxlength="200" value="${esc(d.site?.name ?? '')}"></label>
          <label>Site address <input name="siteAddress" maxlength="500" value="${esc(d.site?.address ?? '')}"></label>
          <label class="check"><input name="enabled" type="checkbox"${d.enabled ? ' checked' : ''}> enabled (a disabled charger stays connected, its BootNotification answered Rejected)</label>
          ${writer ? '<div><button type="submit">Save</button></div>' : ''}
        </fieldset></form><p id="edit-result" role="status"></p>
      </section>
      <section class="panel"><h2>OCPP password</h2>
        <p>Password: <b id="has-password">${d.hasPassword ? 'set' : 'none'}</b>${d.passwordPending ? ' (a rotation waits for the charger)' : ''}. The charger sends it with HTTP Basic auth at its handshake.</p>
        ${
          writer
            ? `<form id="password-form" class="inline-form"><label>New password <input name="password" type="password" required minlength="16" maxlength="40" autocomplete="new-password" placeholder="16–40 characters"></label> <button type="submit">Set password</button>${d.hasPassword ? ' <button type="button" id="password-remove">Remove password</button>' : ''}</form><p id="password-result" role="status"></p>`
            : ''
        }
      </section>
      ${
        writer
          ? `<section class="panel"><h2>Charging limit</h2>
        <form id="limit-form" class="grid-form">
          <label>Connector <select name="connectorId"><option value="0">0: whole charger</option>${connectors.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join('')}</select></label>
          <label>Limit <input name="limit" type="number" min="0.1" step="any" required value="16"></label>
          <label>Unit <select name="unit"><option value="A">A (per phase)</option><option value="W">W (total)</option></select></label>
          <label class="check"><input name="daily" type="checkbox"> daily, in a window</label>
          <label>From <input name="from" value="18:00" pattern="${HHMM}" placeholder="HH:MM" inputmode="numeric" maxlength="5" title="24-hour HH:MM"></label>
          <label>To <input name="to" value="22:00" pattern="${HHMM}" placeholder="HH:MM" inputmode="numeric" maxlength="5" title="24-hour HH:MM"></label>
          <div><button type="submit">Set limit</button> <button type="button" id="limit-clear">Clear limit</button></div>
        </form>
        <p class="muted small">A daily window is 24-hour wall-clock time in this page's time zone (its UTC offset today). Sent as the SetChargingProfile the charger understands; a new limit on the same connector replaces the last.</p>
        <p id="limit-result" role="status"></p>
      </section>
      <section class="panel"><h2>Settings</h2>
        <form id="setting-form" class="grid-form">
          <label>Key <input name="key" list="setting-keys" required maxlength="100" value="HeartbeatInterval" autocomplete="off"></label>
          <datalist id="setting-keys">${COMMON_SETTINGS.map((k) => `<option value="${k}">`).join('')}</datalist>
          <label>Value <input name="value" maxlength="1000"></label>
          <div><button type="submit" value="read" id="setting-read">Read</button> <button type="submit" value="write" id="setting-write">Write</button></div>
        </form>
        <p class="muted small">A 1.6 configuration key; on a 2.x charger the gateway reads and writes the variable that holds it (or <code>Component.Variable</code>).</p>
        <p id="setting-result" role="status"></p>
      </section>
      <section class="panel"><h2>Trigger message</h2>
        <form id="trigger-form" class="inline-form">
          <label>Message <select name="requestedMessage">${TRIGGERS[fam].map((m) => `<option>${m}</option>`).join('')}</select></label>
          <label>Connector <select name="connectorId"><option value="">any</option>${connectors.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join('')}</select></label>
          <button type="submit">Trigger</button>
        </form><p id="trigger-result" role="status"></p>
      </section>`
          : ''
      }
      </div>`;
    wire();
  }

  function wire() {
    const $ = (sel) => root.querySelector(sel);
    $('#device-edit')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!writer) return;
      try {
        device = await api(`/devices/${encodeURIComponent(deviceId)}`, { method: 'PATCH', body: JSON.stringify(deviceBody(Object.fromEntries(new FormData(ev.target)), device)) });
        applyDeviceList(store, [device]);
        render();
        showResult(root.querySelector('#edit-result'), true, 'Saved.');
      } catch (err) {
        fail($('#edit-result'), 'Saving')(err);
      }
    });
    const setPassword = async (pw) => {
      device = await api(`/devices/${encodeURIComponent(deviceId)}`, { method: 'PATCH', body: JSON.stringify({ ocppPassword: pw }) });
      applyDeviceList(store, [device]);
      render();
      showResult(root.querySelector('#password-result'), true, pw === null ? 'Password removed.' : 'Password set: the charger must use it from its next connection.');
    };
    $('#password-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!(await confirmAction(`Set a new OCPP password for ${name()}? The charger is refused until it uses it.`, { ok: 'Set password' }))) return;
      setPassword(new FormData(ev.target).get('password')).catch(fail($('#password-result'), 'Setting the password'));
    });
    $('#password-remove')?.addEventListener('click', async () => {
      if (!(await confirmAction(`Remove the OCPP password of ${name()}? It may then connect without one.`, { ok: 'Remove' }))) return;
      setPassword(null).catch(fail($('#password-result'), 'Removing the password'));
    });

    $('#limit-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = chargingLimitBody(Object.fromEntries(new FormData(ev.target)), utcOffsetMinutes());
      const what = `a limit of ${body.limit} ${body.unit} on ${body.connectorId ? `connector ${body.connectorId}` : 'the whole charger'}${body.daily ? `, daily ${body.daily.from}–${body.daily.to}` : ', now'}`;
      if (!(await confirmAction(`Send ${what} to ${name()}?`))) return;
      const out = $('#limit-result');
      try {
        const r = await api(`/devices/${encodeURIComponent(deviceId)}/charging-limit`, { method: 'POST', body: JSON.stringify(body) });
        showResult(out, r.response?.status === 'Accepted', `Charging limit: ${r.response?.status ?? 'ok'}`);
      } catch (err) {
        fail(out, 'Charging limit')(err);
      }
    });
    $('#limit-clear')?.addEventListener('click', async () => {
      const connectorId = Number($('#limit-form').connectorId.value);
      if (!(await confirmAction(`Clear the charging limit of ${connectorId ? `connector ${connectorId}` : 'the whole charger'} on ${name()}?`))) return;
      const out = $('#limit-result');
      try {
        const r = await api(`/devices/${encodeURIComponent(deviceId)}/charging-limit?connectorId=${connectorId}`, { method: 'DELETE' });
        showResult(out, r.response?.status === 'Accepted', `Clear limit: ${r.response?.status ?? 'ok'}`);
      } catch (err) {
        fail(out, 'Clearing the limit')(err);
      }
    });

    $('#setting-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const key = form.key.value.trim();
      const out = $('#setting-result');
      if (ev.submitter?.value === 'write') {
        const value = form.value.value;
        if (!(await confirmAction(`Set ${key} to "${value}" on ${name()}?`))) return;
        try {
          const r = await command({ action: 'setSetting', payload: { key, value } });
          showResult(out, r.response?.status === 'Accepted', `${key}: ${r.response?.status ?? 'ok'}${r.response?.status === 'RebootRequired' ? ' (takes effect after a reboot)' : ''}`);
        } catch (err) {
          fail(out, `Writing ${key}`)(err);
        }
        return;
      }
      try {
        const r = await command({ action: 'getSetting', payload: { key } });
        const v = r.response ?? {};
        if (v.status === 'Accepted') {
          form.value.value = v.value ?? '';
          showResult(out, true, `${key} = ${v.value ?? '(empty)'}${v.readonly ? ' (read-only)' : ''}`);
        } else showResult(out, false, `${key}: ${v.status ?? 'unknown'}`);
      } catch (err) {
        fail(out, `Reading ${key}`)(err);
      }
    });

    $('#trigger-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = Object.fromEntries(new FormData(ev.target));
      if (!(await confirmAction(`Ask ${name()} to send ${f.requestedMessage}${f.connectorId ? ` for connector ${f.connectorId}` : ''} now?`))) return;
      const out = $('#trigger-result');
      try {
        const r = await command(triggerCommand(shadow(), f.requestedMessage, f.connectorId));
        showResult(out, r.response?.status === 'Accepted', `${f.requestedMessage}: ${r.response?.status ?? 'ok'}`);
      } catch (err) {
        fail(out, 'Trigger')(err);
      }
    });
  }

  api(`/devices/${encodeURIComponent(deviceId)}`)
    .then((d) => {
      if (closed) return;
      device = d;
      applyDeviceList(store, [d]);
      render();
    })
    .catch((err) => {
      if (err.status === 404) removeDevice(store, deviceId);
      root.innerHTML = `<p class="bad">${esc(err.message)}</p>`;
    });

  // The charger's protocol and connectors come from its shadow: build the forms once it is known.
  let known = JSON.stringify([shadow()?.protocol, Object.keys(shadow()?.connectors ?? {})]);
  return {
    update(changed) {
      if (!device || !changed.has(deviceId)) return;
      const now = JSON.stringify([shadow()?.protocol, Object.keys(shadow()?.connectors ?? {})]);
      // Re-render only when the forms' choices change, and never while the user is typing.
      if (now !== known && !root.contains(document.activeElement)) {
        known = now;
        render();
      }
    },
    close: () => void (closed = true),
  };
}

export function openIdTags(main, _store, { api, role }) {
  const writer = canWrite(role);
  let closed = false;
  main.innerHTML = `
    <h1>ID tags</h1>
    <p class="muted">RFID cards and other tokens that may charge: they answer Authorize and the start of a session. ${writer ? '' : '<span id="read-only-note">This token is read-only.</span>'}</p>
    ${
      writer
        ? `<form id="idtag-add" class="grid-form panel">
      <label>ID tag <input name="idTag" required maxlength="20" autocomplete="off"></label>
      <label>Status <select name="status"><option>Accepted</option><option>Blocked</option><option>Expired</option><option>Invalid</option></select></label>
      <label>Expires <input name="expiryDate" pattern="${DATETIME}" placeholder="YYYY-MM-DD HH:MM" maxlength="16" title="optional: date and 24-hour time in this page's time zone"></label>
      <label>Parent ID tag <input name="parentIdTag" maxlength="20"></label>
      <div><button type="submit">Add ID tag</button></div>
    </form><p id="idtag-result" role="status"></p>`
        : ''
    }
    <p id="idtag-count" class="muted small"></p>
    <div class="table-wrap"><table class="manage cards" id="idtag-list">
      <thead><tr><th>ID tag</th><th>Status</th><th>Expires</th><th>Parent</th><th></th></tr></thead>
      <tbody><tr><td colspan="5" class="muted">loading…</td></tr></tbody>
    </table></div>`;
  let tags = [];
  const out = () => main.querySelector('#idtag-result');

  async function load() {
    const r = await api('/id-tags?limit=10000');
    if (closed) return;
    tags = r.items.sort((a, b) => a.idTag.localeCompare(b.idTag));
    main.querySelector('#idtag-count').textContent = `${r.total} ID tag${r.total === 1 ? '' : 's'}${r.total > tags.length ? `, ${tags.length} shown` : ''}`;
    main.querySelector('#idtag-list tbody').innerHTML =
      tags
        .map(
          (t) => `<tr data-idtag="${esc(t.idTag)}" data-status="${esc(t.status)}">
        <td data-label="ID tag"><code>${esc(t.idTag)}</code></td>
        <td data-label="Status" class="${t.status === 'Accepted' ? 'ok' : 'bad'}">${esc(t.status)}</td>
        <td data-label="Expires">${t.expiryDate ? `<time datetime="${esc(t.expiryDate)}">${esc(formatTime(t.expiryDate))}</time>` : '—'}</td>
        <td data-label="Parent">${esc(t.parentIdTag ?? '—')}</td>
        <td>${writer ? (t.status === 'Blocked' ? `<button type="button" data-unblock="${esc(t.idTag)}">Unblock</button>` : `<button type="button" data-block="${esc(t.idTag)}">Block</button>`) : ''}</td>
      </tr>`,
        )
        .join('') || '<tr><td colspan="5" class="muted">No ID tags yet.</td></tr>';
  }

  const put = (t, status) => api(`/id-tags/${encodeURIComponent(t.idTag)}`, { method: 'PUT', body: JSON.stringify({ status, expiryDate: t.expiryDate, parentIdTag: t.parentIdTag }) });

  main.querySelector('#idtag-list').addEventListener('click', async (ev) => {
    const b = ev.target.closest?.('button[data-block], button[data-unblock]');
    if (!b) return;
    const tag = tags.find((t) => t.idTag === (b.dataset.block ?? b.dataset.unblock));
    if (!tag) return;
    const block = b.dataset.block !== undefined;
    if (block && !(await confirmAction(`Block ID tag ${tag.idTag}? Chargers refuse it from its next Authorize or session start.`, { ok: 'Block' }))) return;
    b.disabled = true;
    try {
      await put(tag, block ? 'Blocked' : 'Accepted');
      showResult(out(), true, `${tag.idTag} ${block ? 'blocked' : 'unblocked'}.`);
      await load();
    } catch (err) {
      b.disabled = false;
      fail(out(), block ? 'Blocking' : 'Unblocking')(err);
    }
  });

  main.querySelector('#idtag-add')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = Object.fromEntries(new FormData(ev.target));
    const expiry = f.expiryDate.trim() ? parseLocalDateTime(f.expiryDate) : null;
    if (f.expiryDate.trim() && !expiry) return showResult(out(), false, 'Expires: expected YYYY-MM-DD HH:MM (24-hour).');
    const body = { idTag: f.idTag.trim(), status: f.status, ...(expiry ? { expiryDate: expiry.toISOString() } : {}), ...(f.parentIdTag.trim() ? { parentIdTag: f.parentIdTag.trim() } : {}) };
    try {
      await api('/id-tags', { method: 'POST', body: JSON.stringify(body) });
      showResult(out(), true, `Added ${body.idTag}.`);
      ev.target.reset();
      await load();
    } catch (err) {
      fail(out(), 'Adding the ID tag')(err);
    }
  });

  load().catch((err) => (main.querySelector('#idtag-list tbody').innerHTML = `<tr><td colspan="5" class="bad">${esc(err.message)}</td></tr>`));
  return { update() {}, close: () => void (closed = true) };
}

