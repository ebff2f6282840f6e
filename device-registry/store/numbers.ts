/**
 * Numbers the transaction columns hold exactly, checked before anything is written (both
 * backends). OCPP 1.6's JSON schemas only say "integer", so a schema-valid StartTransaction may
 * carry `meterStart: 1e308`; the gateway refuses what OCPP does not allow, the store never
 * stores a value other than the one given (SQLite would round 2^60 + 1 silently) and never
 * leaves a driver error to say so.
 */

const INT32_MAX = 2 ** 31 - 1;

/** connectorId, reservationId: int4 on PostgreSQL. */
export function int32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < -INT32_MAX - 1 || value > INT32_MAX) throw new RangeError(`${field} must be a 32-bit integer: ${value}`);
  return value;
}

/** Meter readings in Wh: int8 columns, and a JS number is exact up to 2^53 - 1. */
export function meterWh(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${field} must be an integer of at most 2^53 - 1 Wh: ${value}`);
  return value;
}

/** True when a column could hold `value` at all: a lookup by any other value finds nothing. */
export const storableInt32 = (value: number) => Number.isInteger(value) && value >= -INT32_MAX - 1 && value <= INT32_MAX;
export const storableMeter = (value: number) => Number.isSafeInteger(value);

/** A transactionId as OCPP's int32 can carry (PostgreSQL's int4 identity); a lookup by any other finds nothing. */
export const storableTransactionId = (id: number) => Number.isInteger(id) && id >= 1 && id <= INT32_MAX;
/** An EVSE or connector id, int32 >= 0 (-1 is the device model's sentinel for none): a lookup by any other finds nothing. */
export const storableEvseId = (v: number) => Number.isInteger(v) && v >= 0 && v <= INT32_MAX;
