/**
 * What both backends take from a call the same way, before their SQL differs: the WHERE of each
 * list filter (written with `?`, numbered for PostgreSQL by Where) and the checked columns of a
 * transaction's start, start update and stop. Values a column cannot hold are refused here
 * (numbers.ts, ocpp201-values.ts).
 */
import type { AlertFilter, DeliveryFilter } from '../../contracts/alerts.ts';
import type { DeviceFilter, NewTransaction, TransactionFilter, TransactionStartPatch, TransactionStop } from '../../contracts/registry.ts';
import { utc, Where } from './helpers.ts';
import { int32, meterWh, storableInt32, storableMeter } from './numbers.ts';
import { chargerTransactionId } from './ocpp201-values.ts';

export function deviceWhere(filter: DeviceFilter, numbered: boolean): Where {
  const where = new Where(numbered);
  if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
  if (filter.chargePointId !== undefined) where.add('charge_point_id = ?', filter.chargePointId);
  return where;
}

export function transactionWhere(filter: TransactionFilter, numbered: boolean): Where {
  const where = new Where(numbered);
  if (filter.tenant !== undefined) where.add('tenant = ?', filter.tenant);
  if (filter.deviceId !== undefined) where.add('device_id = ?', filter.deviceId);
  // Normalized ISO strings compare as text in time order (SQLite), as timestamptz (PostgreSQL).
  if (filter.from !== undefined) where.add('started_at >= ?', utc(filter.from, 'from'));
  if (filter.to !== undefined) where.add('started_at < ?', utc(filter.to, 'to'));
  if (filter.status !== undefined) where.add('status = ?', filter.status);
  if (filter.afterId !== undefined) where.add('id > ?', filter.afterId);
  return where;
}

export function alertWhere(f: AlertFilter, numbered: boolean): Where {
  const where = new Where(numbered);
  if (f.tenant !== undefined) where.add('tenant = ?', f.tenant);
  if (f.deviceId !== undefined) where.add('device_id = ?', f.deviceId);
  if (f.rule !== undefined) where.add('rule = ?', f.rule);
  if (f.active !== undefined) where.raw(f.active ? 'until IS NULL' : 'until IS NOT NULL');
  return where;
}

export function deliveryWhere(f: DeliveryFilter, numbered: boolean): Where {
  const where = new Where(numbered);
  if (f.tenant !== undefined) where.add('tenant = ?', f.tenant);
  if (f.status !== undefined) where.add('status = ?', f.status);
  if (f.alertId !== undefined) where.add('alert_id = ?', f.alertId);
  return where;
}

/**
 * A new transaction's columns, checked before the write (a value the column cannot hold exactly
 * is refused, not rounded), in the order of both backends' INSERT: device_id, tenant,
 * connector_id, id_tag, started_at, meter_start, reservation_id, charger_transaction_id, evse_id.
 */
export function transactionStart(input: NewTransaction): { chargerId: string | null; params: unknown[] } {
  const chargerId = input.chargerTransactionId == null ? null : chargerTransactionId(input.chargerTransactionId);
  const params = [
    input.deviceId,
    input.tenant,
    int32(input.connectorId, 'connectorId'),
    input.idTag,
    utc(input.startedAt, 'startedAt'),
    meterWh(input.meterStart, 'meterStart'),
    input.reservationId == null ? null : int32(input.reservationId, 'reservationId'),
    chargerId,
    input.evseId == null ? null : int32(input.evseId, 'evseId'),
  ];
  return { chargerId, params };
}

/**
 * What findTransactionByStart looks for: the start time normalized, or null when the connector
 * or the meter reading is one no column holds (no session has it: nothing to find).
 */
export function transactionStartKey(connectorId: number, startedAt: string, meterStart: number): string | null {
  if (!storableInt32(connectorId) || !storableMeter(meterStart)) return null;
  return utc(startedAt, 'startedAt');
}

/** A start update's columns, checked; null where the patch leaves the stored value (evseId sets connector_id too). */
export function transactionStartPatch(patch: TransactionStartPatch): { meterStart: number | null; idTag: string | null; evseId: number | null } {
  return {
    meterStart: patch.meterStart === undefined ? null : meterWh(patch.meterStart, 'meterStart'),
    idTag: patch.idTag ?? null,
    evseId: patch.evseId === undefined ? null : int32(patch.evseId, 'evseId'),
  };
}

/** A stop's columns, checked: meter_stop, stopped_at, stop_reason, stop_id_tag. */
export function transactionStop(stop: TransactionStop): { meterStop: number; stoppedAt: string; stopReason: string | null; stopIdTag: string | null } {
  return { meterStop: meterWh(stop.meterStop, 'meterStop'), stoppedAt: utc(stop.stoppedAt, 'stoppedAt'), stopReason: stop.stopReason ?? null, stopIdTag: stop.stopIdTag ?? null };
}
