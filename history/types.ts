/**
 * The time-series port of the history role. Backends: InfluxDB 1.x (`influx`), InfluxDB 2.x/3.x
 * (`@influxdata/influxdb-client`) and the embedded default (SQLite under DATA_DIR). All pass the
 * same contract suite (history/backends/contract.ts).
 *
 * Schema (docs/history.md): measurement `telemetry`; tags `tenant`, `device`, `connector`, and
 * when present `phase` (L1, L2-N, ...), `location` (Body, EV, ... never Outlet), `transaction`;
 * fields are the attribute base names (`power`, `current`, `energy`, ...) as floats. The point
 * time is the charger's sample time. A point with the same measurement, tag set and time as an
 * existing one replaces it (InfluxDB semantics), so a replayed point never duplicates.
 */

export interface Point {
  tags: PointTags;
  fields: Record<string, number>;
  /** Charger sample time, ms since epoch. */
  time: number;
}

export interface PointTags {
  tenant: string;
  device: string;
  connector: string;
  phase?: string | undefined;
  location?: string | undefined;
  transaction?: string | undefined;
}

export interface WriteResult {
  written: number;
  /** Points the backend refused for good (bad value, bad tag): logged, never retried. */
  rejected: Array<{ point: Point; reason: string }>;
}

/** One requested series: an attribute key of `attrs` resolved to field + phase + location. */
export interface SeriesSelector {
  /** The attribute key as front ends name it: `power`, `current_L1`, `temperature_Body`. */
  key: string;
  field: string;
  phase?: string | undefined;
  location?: string | undefined;
}

export type AggregateFn = 'mean' | 'min' | 'max' | 'sum' | 'first' | 'last' | 'count';

export interface SeriesQuery {
  tenant: string;
  device: string;
  series: SeriesSelector[];
  /** Inclusive, ms since epoch. */
  from?: number | undefined;
  /** Exclusive, ms since epoch. */
  to?: number | undefined;
  /** Only the last N points (after aggregation), still returned oldest first. */
  lastN?: number | undefined;
  /** Aggregation window in ms; requires fn. Windows are aligned to the epoch. */
  every?: number | undefined;
  fn?: AggregateFn | undefined;
  transaction?: string | undefined;
  connector?: string | undefined;
}

export interface SeriesPoint {
  /** ISO 8601 UTC: the point time, or the window start when aggregated. */
  ts: string;
  value: number;
}

export type SeriesResult = Record<string, SeriesPoint[]>;

export interface HistoryBackend {
  readonly name: string;
  /**
   * The most points one `write()` should take (the persister's batch bound when it is given none):
   * what one transaction or request of this backend carries best. 5,000 when unset.
   */
  readonly batchPoints?: number;
  /** Creates the database/bucket/tables if needed. */
  init(): Promise<void>;
  /**
   * Writes a batch. Resolves with what was written and what was refused for good; rejects only
   * when the backend is unreachable or failing (the caller keeps the batch and retries).
   */
  write(points: Point[]): Promise<WriteResult>;
  query(q: SeriesQuery): Promise<SeriesResult>;
  close(): Promise<void>;
}
