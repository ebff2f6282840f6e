/**
 * CALLERROR codes per OCPP-J version: one table, used for every CALLERROR the gateway sends and
 * for the events that name the code the charger received.
 *
 * Inside the code base errors carry OCPP-J 2.0.1's names (part 4 §4.3, Table 8: FormatViolation,
 * OccurrenceConstraintViolation, RpcFrameworkError, MessageTypeNotSupported, ...), which is also
 * what ocpp-rpc's error classes use, except that its validator emits the 1.6 misspelling
 * `OccurenceConstraintViolation`. On an ocpp1.6 connection only the ten codes of OCPP-J 1.6
 * §4.2.3 Table 7 may go on the wire, with the spellings of that table: the OCPP-J 1.6 errata
 * sheet §5.1 and §5.2 list `OccurenceConstraintViolation` and `FormationViolation` as "known
 * issues that will not be fixed ... might break implementations", so 1.6 keeps them.
 */

/** OCPP-J 1.6 §4.2.3 Table 7, as spelled there (and on the wire). */
export const OCPP16_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;

const V16: ReadonlySet<string> = new Set(OCPP16_ERROR_CODES);

// The 2.0.1 names that have a 1.6 counterpart under another name. RpcFrameworkError (the frame
// is not a valid OCPP-J message: not JSON, not an array, no id) is "not conform the PDU
// structure": FormationViolation. An unknown message type is "recognized but not supported".
const TO_16: Readonly<Record<string, string>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  RpcFrameworkError: 'FormationViolation',
  MessageTypeNotSupported: 'NotSupported',
};

/** OCPP-J 2.0.1 part 4 §4.3 Table 8. */
export const OCPP201_ERROR_CODES = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;

const V201: ReadonlySet<string> = new Set(OCPP201_ERROR_CODES);

const TO_201: Readonly<Record<string, string>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** The code to put on the wire of a connection speaking `protocol`; anything unknown is GenericError. */
export function wireCode(protocol: string, code: string | undefined): string {
  const c = code ?? 'GenericError';
  if (protocol === 'ocpp1.6') {
    const m = TO_16[c] ?? c;
    return V16.has(m) ? m : 'GenericError';
  }
  const m = TO_201[c] ?? c;
  return V201.has(m) ? m : 'GenericError';
}
