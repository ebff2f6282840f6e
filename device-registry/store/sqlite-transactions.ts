/**
 * Charging sessions on SQLite (migration 1, with 8's charger-assigned ids and EVSEs). Numbers
 * and ids are checked before anything is written (numbers.ts, ocpp201-values.ts).
 */
import { StoreError, type Page, type Transaction } from '../../contracts/registry.ts';
import { paging } from './helpers.ts';
import { transactionStart, transactionStartKey, transactionStartPatch, transactionStop, transactionWhere } from './inputs.ts';
import { storableTransactionId } from './numbers.ts';
import { storableChargerTransactionId } from './ocpp201-values.ts';
import { returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { SqliteColumns, TransactionRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Transactions = Pick<
  RegistryStore,
  'startTransaction' | 'findTransactionByChargerId' | 'updateTransactionStart' | 'findTransactionByStart' | 'stopTransaction' | 'getTransaction' | 'listTransactions'
>;
type Row = TransactionRow<SqliteColumns>;

export function sqliteTransactions(deps: SqliteDeps): Transactions {
  const { sql, write, read, page } = deps;
  const { toTransaction } = rows;
  const transactionRow = (id: number) => sql('SELECT * FROM transactions WHERE id = ?').get(id) as Row | undefined;
  const byChargerId = (deviceId: string, chargerId: string) =>
    sql('SELECT * FROM transactions WHERE device_id = ? AND charger_transaction_id = ?').get(deviceId, chargerId) as Row | undefined;

  // First stop wins: a second StopTransaction (a resend after a reconnect) changes nothing.
  const stop = (id: number, stoppedAt: string, meterStop: number, stopReason: string | null, stopIdTag: string | null) => {
    sql(
      `UPDATE transactions SET meter_stop = ?, stopped_at = ?, stop_reason = ?, stop_id_tag = ?, status = 'completed'
       WHERE id = ? AND status = 'active'`,
    ).run(meterStop, stoppedAt, stopReason, stopIdTag, id);
    return transactionRow(id);
  };

  return {
    async startTransaction(input) {
      const { chargerId, params } = transactionStart(input);
      // The id is handed out only once the row has committed (AUTOINCREMENT, migration 1: the
      // sqlite_sequence update commits or rolls back with the row, so an id is never reused).
      // A charger id already stored for the device (a resent 2.0.1 Started, from this process
      // or another one on the file) inserts nothing and reads the stored session, in the same
      // BEGIN IMMEDIATE transaction: the partial unique index of migration 8 decides (the
      // conflict target names its WHERE, as SQLite requires for a partial index).
      const row = await write(() => {
        const inserted = returning<Row>(
          sql(
            `INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, reservation_id, charger_transaction_id, evse_id, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')
             ON CONFLICT (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL DO NOTHING
             RETURNING *`,
          ),
          ...params,
        );
        return inserted ?? (chargerId === null ? undefined : byChargerId(input.deviceId, chargerId));
      });
      return toTransaction(row!);
    },
    async findTransactionByChargerId(deviceId, chargerId) {
      if (!storableChargerTransactionId(chargerId)) return null;
      const row = await read(() => byChargerId(deviceId, chargerId));
      return row ? toTransaction(row) : null;
    },
    async updateTransactionStart(id, patch) {
      if (!storableTransactionId(id)) return null;
      const { meterStart, idTag, evseId } = transactionStartPatch(patch);
      // One statement: only an active row is changed (a stop committed first leaves it completed).
      const result = await write(() => {
        const updated = returning<Row>(
          sql(`UPDATE transactions SET meter_start = coalesce(?, meter_start), id_tag = coalesce(?, id_tag), evse_id = coalesce(?, evse_id), connector_id = coalesce(?, connector_id) WHERE id = ? AND status = 'active' RETURNING *`),
          meterStart,
          idTag,
          evseId,
          evseId,
          id,
        );
        return updated ?? transactionRow(id) ?? null;
      });
      if (!result) return null;
      if (result.status !== 'active') throw new StoreError('CONFLICT', `transaction ${id} is completed: its start can no longer be changed`, 'status');
      return toTransaction(result);
    },
    async findTransactionByStart(deviceId, connectorId, startedAt, meterStart) {
      const at = transactionStartKey(connectorId, startedAt, meterStart);
      if (at === null) return null;
      const row = await read(
        () =>
          sql('SELECT * FROM transactions WHERE device_id = ? AND connector_id = ? AND started_at = ? AND meter_start = ? ORDER BY id LIMIT 1').get(
            deviceId,
            connectorId,
            at,
            meterStart,
          ) as Row | undefined,
      );
      return row ? toTransaction(row) : null;
    },
    async stopTransaction(id, s) {
      if (!storableTransactionId(id)) return null;
      const { meterStop, stoppedAt, stopReason, stopIdTag } = transactionStop(s);
      const row = await write(() => stop(id, stoppedAt, meterStop, stopReason, stopIdTag));
      return row ? toTransaction(row) : null;
    },
    async getTransaction(id) {
      if (!storableTransactionId(id)) return null;
      const row = await read(() => transactionRow(id));
      return row ? toTransaction(row) : null;
    },
    async listTransactions(filter) {
      const where = transactionWhere(filter, false);
      const { limit, offset } = paging(filter);
      const found = await page<Row>('transactions', where, 'id', limit, offset);
      return { items: found.rows.map(toTransaction), total: found.total } satisfies Page<Transaction>;
    },
  };
}
