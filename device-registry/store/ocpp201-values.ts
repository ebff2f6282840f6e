/**
 * The values migration 8 added, checked before anything is written (both backends), the way
 * numbers.ts checks the numeric columns: a value the column would refuse (its CHECK) or could not
 * hold as given is a StoreError('INVALID') naming the field, never a driver error.
 */
import { OCPP_PROTOCOLS, type OcppProtocol } from '../../ocpp/protocols.ts';
import { CHARGER_TRANSACTION_ID_MAX, StoreError } from '../../contracts/registry.ts';

/**
 * Characters as both databases count them (SQLite length(), PostgreSQL char_length(): code
 * points, not UTF-16 units); NUL (PostgreSQL text cannot hold it) and lone surrogates (stored as
 * U+FFFD by either driver, so not the value given) cannot be stored.
 */
function chargerIdProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const n = [...value].length;
  if (n === 0) return 'must not be empty';
  if (n > CHARGER_TRANSACTION_ID_MAX) return `must be at most ${CHARGER_TRANSACTION_ID_MAX} characters (OCPP 2.0.1 TransactionType.transactionId), got ${n}`;
  if (/\u0000|\p{Cs}/u.test(value)) return 'must not hold NUL or unpaired surrogates';
  return null;
}

/** OCPP 2.0.1 transactionInfo.transactionId: a non-empty string of at most 36 characters. */
export function chargerTransactionId(value: string): string {
  const problem = chargerIdProblem(value);
  if (problem) throw new StoreError('INVALID', `chargerTransactionId ${problem}`, 'chargerTransactionId');
  return value;
}

/** True when a session could have this charger id: a lookup by any other finds nothing. */
export const storableChargerTransactionId = (value: unknown): value is string => chargerIdProblem(value) === null;

/** One of OCPP_PROTOCOLS or null (migration 8's CHECK on devices.ocpp_protocol). */
export function ocppProtocol(value: OcppProtocol | null): OcppProtocol | null {
  if (value === null || (OCPP_PROTOCOLS as readonly unknown[]).includes(value)) return value;
  throw new StoreError('INVALID', `ocppProtocol must be one of ${OCPP_PROTOCOLS.join(', ')} or null: ${JSON.stringify(value)}`, 'ocppProtocol');
}
