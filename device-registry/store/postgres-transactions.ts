/**
 * Charging sessions on PostgreSQL (migration 1, with 8's charger-assigned ids and EVSEs). Numbers
 * and ids are checked before anything is written (numbers.ts, ocpp201-values.ts); each write is
 * one statement under the row's lock.
 */
import { StoreError, type Page, type Transaction } from '../../contracts/registry.ts';
import { paging } from './helpers.ts';
import { transactionStart, transactionStartKey, transactionStartPatch, transactionStop, transactionWhere } from './inputs.ts';
import { storableTransactionId } from './numbers.ts';
import { storableChargerTransactionId } from './ocpp201-values.ts';
import { rows, type PgDeps } from './postgres-deps.ts';
import type { PgColumns, TransactionRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Transactions = Pick<
  RegistryStore,
  'startTransaction' | 'findTransactionByChargerId' | 'updateTransactionStart' | 'findTransactionByStart' | 'stopTransaction' | 'getTransaction' | 'listTransactions'
>;
type Row = TransactionRow<PgColumns>;

export function postgresTransactions(deps: PgDeps): Transactions {
  const { pool, write, read, one, page } = deps;
  const { toTransaction } = rows;
  const byChargerId = (deviceId: string, chargerId: string) =>
    one<Row>('SELECT * FROM transactions WHERE device_id = $1 AND charger_transaction_id = $2', [deviceId, chargerId]);

  return {
    async startTransaction(input) {
      const { chargerId, params } = transactionStart(input);
      // The identity sequence may skip a value a failed insert drew, but never hands one out twice.
      // A charger id the device already has (a resent 2.0.1 Started, perhaps at the same moment
      // through another gateway): ON CONFLICT DO NOTHING waits for a concurrent insert of the same
      // key to commit (or roll back: then this one inserts), and the winner is read by a second
      // statement, whose fresh snapshot sees it (in one statement it would be invisible). Rows
      // are never deleted, so the SELECT finds it; the loop only guards against the impossible.
      for (let attempt = 1; ; attempt++) {
        const row = await write(() =>
          one<Row>(
            `INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, reservation_id, charger_transaction_id, evse_id, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active')
             ON CONFLICT (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL DO NOTHING
             RETURNING *`,
            params,
          ),
        );
        if (row) return toTransaction(row);
        const existing = chargerId === null ? null : await read(() => byChargerId(input.deviceId, chargerId));
        if (existing) return toTransaction(existing);
        if (attempt >= 3) throw new StoreError('CONFLICT', `transaction ${JSON.stringify(chargerId)} of device ${input.deviceId} neither inserted nor found`, 'chargerTransactionId');
      }
    },
    async findTransactionByChargerId(deviceId, chargerId) {
      if (!storableChargerTransactionId(chargerId)) return null;
      const row = await read(() => byChargerId(deviceId, chargerId));
      return row ? toTransaction(row) : null;
    },
    async updateTransactionStart(id, patch) {
      if (!storableTransactionId(id)) return null;
      const { meterStart, idTag, evseId } = transactionStartPatch(patch);
      // One statement, under the row lock: a stop that commits first leaves nothing to update
      // (status completed), one that comes after sees the new start.
      const updated = await write(() =>
        one<Row>(
          `UPDATE transactions SET meter_start = coalesce($2::bigint, meter_start), id_tag = coalesce($3::text, id_tag), evse_id = coalesce($4::integer, evse_id), connector_id = coalesce($4::integer, connector_id) WHERE id = $1 AND status = 'active' RETURNING *`,
          [id, meterStart, idTag, evseId],
        ),
      );
      if (updated) return toTransaction(updated);
      const row = await read(() => one<Row>('SELECT * FROM transactions WHERE id = $1', [id]));
      if (!row) return null;
      throw new StoreError('CONFLICT', `transaction ${id} is completed: its start can no longer be changed`, 'status');
    },
    async findTransactionByStart(deviceId, connectorId, startedAt, meterStart) {
      const at = transactionStartKey(connectorId, startedAt, meterStart);
      if (at === null) return null;
      const row = await read(() =>
        one<Row>('SELECT * FROM transactions WHERE device_id = $1 AND connector_id = $2 AND started_at = $3 AND meter_start = $4 ORDER BY id LIMIT 1', [
          deviceId,
          connectorId,
          at,
          meterStart,
        ]),
      );
      return row ? toTransaction(row) : null;
    },
    async stopTransaction(id, stop) {
      if (!storableTransactionId(id)) return null;
      // First stop wins. Two statements on purpose: the SELECT takes a fresh snapshot, so after
      // losing a race to another stop it reads the winner's values, not the row as it was.
      const { meterStop, stoppedAt, stopReason, stopIdTag } = transactionStop(stop);
      const params = [id, meterStop, stoppedAt, stopReason, stopIdTag];
      await write(() =>
        pool.query(
          `UPDATE transactions SET meter_stop = $2, stopped_at = $3, stop_reason = $4, stop_id_tag = $5, status = 'completed'
           WHERE id = $1 AND status = 'active'`,
          params,
        ),
      );
      const row = await read(() => one<Row>('SELECT * FROM transactions WHERE id = $1', [id]));
      return row ? toTransaction(row) : null;
    },
    async getTransaction(id) {
      if (!storableTransactionId(id)) return null;
      const row = await read(() => one<Row>('SELECT * FROM transactions WHERE id = $1', [id]));
      return row ? toTransaction(row) : null;
    },
    async listTransactions(filter) {
      const where = transactionWhere(filter, true);
      const { limit, offset } = paging(filter);
      const found = await page<Row>('transactions', where, 'id', limit, offset);
      return { items: found.rows.map(toTransaction), total: found.total } satisfies Page<Transaction>;
    },
  };
}
