/** Timestamps arrive validated as date-time (leniency already added a missing zone). */
export function iso(ts: string | undefined, fallback: Date): string {
  if (!ts) return fallback.toISOString();
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? fallback.toISOString() : new Date(ms).toISOString();
}
