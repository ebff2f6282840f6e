/**
 * What both backends' aggregate files share beyond the rows (rows.ts): paging, filter clauses,
 * time values, and the shape of a duplicate-key error.
 */
import { StoreError } from '../../contracts/registry.ts';

/** How often a generated id is redrawn after a collision (1 in 4 billion per device). */
const ID_ATTEMPTS = 5;

/**
 * `insert(id)` with the given id or, without one, a generated one, redrawn while it collides
 * with a stored one (up to ID_ATTEMPTS). A unique violation is thrown as what `duplicate`
 * makes of it (StoreError DUPLICATE), else as it is.
 */
export async function withGeneratedId<T>(given: string | undefined, newId: () => string, insert: (id: string) => Promise<T>, duplicate: (err: unknown) => StoreError | null): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insert(given ?? newId());
    } catch (err) {
      const dup = duplicate(err);
      if (dup?.field === 'id' && given === undefined && attempt < ID_ATTEMPTS) continue;
      throw dup ?? err;
    }
  }
}

/** limit (none: all) and offset of a list, checked: a non-negative integer each, else a RangeError. */
export function paging(filter: { limit?: number | undefined; offset?: number | undefined }): { limit: number | null; offset: number } {
  const { limit, offset = 0 } = filter;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer: ${limit}`);
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`offset must be a non-negative integer: ${offset}`);
  return { limit: limit ?? null, offset };
}

/**
 * A WHERE clause built condition by condition, each written with one `?` for its value; with
 * `numbered` (PostgreSQL) the `?` becomes `$n` in the order the values are added.
 */
export class Where {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];
  readonly numbered: boolean;
  constructor(numbered: boolean) {
    this.numbered = numbered;
  }
  add(condition: string, value: unknown): this {
    this.params.push(value);
    this.sql.push(this.numbered ? condition.replace('?', `$${this.params.length}`) : condition);
    return this;
  }
  /** A condition without a value (`until IS NULL`). */
  raw(condition: string): this {
    this.sql.push(condition);
    return this;
  }
  get clause(): string {
    return this.sql.length ? `WHERE ${this.sql.join(' AND ')}` : '';
  }
}

/**
 * Any parseable date-time as `toISOString()` writes it (UTC, milliseconds, `Z`): normalized ISO
 * strings compare as text in time order on SQLite, and both backends keep millisecond precision.
 */
export function utc(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** A nullable JSON column's parameter: SQL NULL for null (not the JSON text `null`). */
export const jsonOrNull = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/**
 * A unique key a write may collide with: as each backend names it in its error (SQLite the
 * columns in the message, `UNIQUE constraint failed: devices.charge_point_id`; PostgreSQL the
 * constraint, named in migrations.ts), and the StoreError DUPLICATE it becomes.
 */
export interface UniqueKey {
  sqlite: string;
  postgres: string;
  field: string;
  message: string;
}

export const DEVICE_KEYS: readonly UniqueKey[] = [
  { sqlite: 'devices.charge_point_id', postgres: 'devices_charge_point_id_key', field: 'chargePointId', message: 'a device with this chargePointId already exists' },
  { sqlite: 'devices.id', postgres: 'devices_pkey', field: 'id', message: 'a device with this id already exists' },
];
export const TOKEN_KEYS: readonly UniqueKey[] = [{ sqlite: 'api_tokens.digest', postgres: 'api_tokens_digest_key', field: 'digest', message: 'a token with this digest exists' }];
export const TEMPLATE_KEYS: readonly UniqueKey[] = [{ sqlite: 'templates.label', postgres: 'templates_tenant_label_key', field: 'label', message: 'a template with this label exists' }];
/** Tokens and templates: any other unique violation is of the primary key. */
export const ANY_ID = { field: 'id', message: 'this id exists' } as const;

/**
 * The StoreError DUPLICATE of the first key `hits`; else the fallback's, or null when there is
 * none (a unique violation of no key named here: the driver's error stands).
 */
export function duplicateOf(keys: readonly UniqueKey[], hits: (k: UniqueKey) => boolean, fallback: Pick<UniqueKey, 'field' | 'message'> | null): StoreError | null {
  const k = keys.find(hits) ?? fallback;
  return k ? new StoreError('DUPLICATE', k.message, k.field) : null;
}
