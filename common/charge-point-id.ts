/**
 * What a charge point identity may be, for the OCPP handshake and the registry API alike.
 *
 * OCPP-J 2.0.1 part 4 §3.1.1: the identity is the last segment of the connection URL
 * (percent-encoded), at most 48 characters. OCPP-J 1.6 §3.1.1 sets no limit; we apply 2.0.1's
 * to both. 2.0.1 also rules out ':' (it is the Basic-auth user name); we still accept it, because
 * 1.6 chargers in the field use it and the handshake matches the user part as `identity:`
 * (gateway/ocpp/server.ts), so it is unambiguous. Beyond that, an identity ends up in logs, events, the dashboard and CSV exports, so it must be
 * printable: no control characters (C0, C1, DEL), no format characters (the bidi overrides
 * U+202A..U+202E and U+2066..U+2069, zero-width characters, BOM), no line or paragraph
 * separators, nothing unassigned. Spaces are allowed ("RDAM 123" is the spec's own example).
 */
export const MAX_CHARGE_POINT_ID_LENGTH = 48;

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cn}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

/** Null when acceptable, else why not (for a 400 answer and the log). */
export function chargePointIdProblem(id: string): string | null {
  if (id.length === 0) return 'is empty';
  // Length in code points, as a charger's configuration would count it.
  let n = 0;
  for (const _ of id) if (++n > MAX_CHARGE_POINT_ID_LENGTH) return `is longer than ${MAX_CHARGE_POINT_ID_LENGTH} characters`;
  const m = FORBIDDEN.exec(id);
  if (m) return `contains the non-printable character U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (id.trim() !== id) return 'starts or ends with white space';
  return null;
}
