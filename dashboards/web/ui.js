// Small DOM helpers the views share: escaping, the confirmation dialog, a result line.
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The confirmation every change to a charger goes through: a modal naming what is sent to whom,
 * with an optional warning; resolves true only for "Send".
 */
export function confirmAction(text, { warning = null, ok = 'Send' } = {}) {
  let dlg = document.getElementById('confirm');
  if (!dlg) {
    document.body.insertAdjacentHTML('beforeend', '<dialog id="confirm"><form method="dialog"><p id="confirm-text"></p><p id="confirm-warning" class="warning" role="alert"></p><menu><button value="cancel">Cancel</button> <button value="ok" id="confirm-ok" class="danger"></button></menu></form></dialog>');
    dlg = document.getElementById('confirm');
  }
  dlg.querySelector('#confirm-text').textContent = text;
  const w = dlg.querySelector('#confirm-warning');
  w.textContent = warning ?? '';
  w.hidden = !warning;
  dlg.querySelector('#confirm-ok').textContent = ok;
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.onclose = () => resolve(dlg.returnValue === 'ok');
    dlg.showModal();
  });
}

/** Shows an outcome under a form: `ok` green, else red. */
export function showResult(el, ok, text) {
  el.className = ok ? 'ok' : 'bad';
  el.textContent = text;
}
