/**
 * OCPP decimals given as text: 1.6 SampledValue.value is a string (§7.43), and chargers send
 * numbers as strings in other fields too (leniency.ts repairs those). Pure.
 */

// Strict decimal number: no hex, no Infinity, no trailing unit, no empty string.
const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function parseNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string' || !NUMBER_RE.test(raw)) return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}
