/** RFC 4180 CSV, pure. Cells starting with = + - @ are prefixed with ' so spreadsheets do not run them. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T extends Record<string, unknown>>(columns: readonly (keyof T & string)[], rows: readonly T[], o: { header?: boolean } = {}): string {
  const lines = o.header === false ? [] : [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return lines.length ? lines.join('\r\n') + '\r\n' : '';
}
