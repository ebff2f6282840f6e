/**
 * The message log's storage port (docs/message-log.md): one writer, any number of readers.
 * Implementations: backends/embedded.ts (SQLite under DATA_DIR, the default) and
 * backends/postgres.ts (DATABASE_URL); both pass backends/contract.ts.
 */
import type { LogFilter, LogRow, StoredRow } from './rows.ts';

export interface LogPage {
  items: StoredRow[];
  total: number;
}

/** Where a keyset scan goes on from: after this (time, id), in ascending order. */
export interface LogCursor {
  time: number;
  id: number;
}

export interface MessageLogStore {
  readonly name: string;
  init(): Promise<void>;
  /** Stores a batch in one transaction; rows older than the retention are not stored (counted). */
  write(rows: readonly LogRow[], now?: number): Promise<{ written: number; expired: number }>;
  /** One page in time order (`desc`: newest first) with the total of matching rows. */
  query(filter: LogFilter, page: { limit: number; offset: number; order: 'asc' | 'desc' }): Promise<LogPage>;
  /** Up to `limit` rows after `after`, ascending: the export's and the replay's keyset scan. */
  scan(filter: LogFilter, after: LogCursor | null, limit: number): Promise<StoredRow[]>;
  /** Drops the days wholly older than the retention; returns how many. */
  prune(now?: number): Promise<number>;
  close(): Promise<void>;
}
