/**
 * The rules both backends apply to a device-model write (RegistryStore.saveDeviceVariables,
 * migration 9), checked before anything is written, the way ocpp201-values.ts checks migration
 * 8's values: an input the columns would refuse (their CHECKs) or could not hold as given is a
 * StoreError('INVALID') naming the field, never a driver error. Also: the key with its sentinels
 * (ABSENT_INSTANCE, ABSENT_ID) and the batch reduced to one row per key. The inputs of a
 * NotifyReport's reportData are the contracts' (contracts/device-variables.ts).
 */
import { ATTRIBUTE_TYPES, DEVICE_VARIABLE_LIMITS as LIMITS, MUTABILITIES, StoreError, VARIABLE_DATA_TYPES, type AttributeType, type DeviceVariableInput, type DeviceVariableKey, type Mutability, type VariableCharacteristics } from '../../contracts/registry.ts';

/** What the key columns hold for an absent instance (migration 9: the key columns are NOT NULL). */
export const ABSENT_INSTANCE = '';
/** What evse_id / connector_id hold for an absent EVSE or connector (ids are >= 0). */
export const ABSENT_ID = -1;

/** A validated input as the columns hold it: sentinels for absent parts, OCPP defaults applied. */
export interface VariableRow {
  component: string;
  component_instance: string;
  evse_id: number;
  connector_id: number;
  variable: string;
  variable_instance: string;
  attribute_type: AttributeType;
  value: string | null;
  mutability: Mutability;
  persistent: boolean;
  constant: boolean;
  characteristics: VariableCharacteristics | null;
}

const INT32_MAX = 2 ** 31 - 1;

const invalid = (i: number, field: string, problem: string) => new StoreError('INVALID', `items[${i}].${field} ${problem}`, field);

/**
 * A string the text columns hold as given, counted as both databases count (SQLite length(),
 * PostgreSQL char_length(): code points, not UTF-16 units), and as OCPP's JSON schemas do. NUL
 * (PostgreSQL text and jsonb cannot hold it) and lone surrogates (either driver would store
 * U+FFFD) cannot be stored.
 */
function text(i: number, field: string, v: unknown, max: number, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw invalid(i, field, 'must be a string');
  if (opts.nonEmpty && v.length === 0) throw invalid(i, field, 'must not be empty');
  // Never more code points than UTF-16 units: counted only when it could matter.
  if (v.length > max) {
    const n = [...v].length;
    if (n > max) throw invalid(i, field, `must be at most ${max} characters (OCPP 2.0.1), got ${n}`);
  }
  // The quick test first (a thousand rows per call): a surrogate pair passes the exact one.
  if (/[\u0000\ud800-\udfff]/.test(v) && /\u0000|\p{Cs}/u.test(v)) throw invalid(i, field, 'must not hold NUL or unpaired surrogates');
  return v;
}

const optionalText = (i: number, field: string, v: unknown, max: number) => (v == null ? undefined : text(i, field, v, max));

/** An EVSE or connector id: int32 >= 0 (-1 is the sentinel for none). */
function id(i: number, field: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= INT32_MAX)) throw invalid(i, field, `must be an integer from 0 to ${INT32_MAX}: ${String(v)}`);
  return v;
}

function oneOf<T extends string>(i: number, field: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v == null) return fallback;
  if (!(allowed as readonly unknown[]).includes(v)) throw invalid(i, field, `must be one of ${allowed.join(', ')}: ${JSON.stringify(v)}`);
  return v as T;
}

function flag(i: number, field: string, v: unknown): boolean {
  if (v == null) return false;
  if (typeof v !== 'boolean') throw invalid(i, field, `must be a boolean: ${JSON.stringify(v)}`);
  return v;
}

function finite(i: number, field: string, v: unknown): number | undefined {
  if (v == null) return undefined;
  if (!(typeof v === 'number' && Number.isFinite(v))) throw invalid(i, field, `must be a finite number: ${String(v)}`);
  return v;
}

/** Only the fields of VariableCharacteristicsType (customData and anything else are dropped). */
function characteristics(i: number, v: unknown): VariableCharacteristics | null {
  if (v == null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(i, 'characteristics', 'must be an object');
  const c = v as Record<string, unknown>;
  if (c['dataType'] == null) throw invalid(i, 'characteristics.dataType', 'is required');
  if (typeof c['supportsMonitoring'] !== 'boolean') throw invalid(i, 'characteristics.supportsMonitoring', 'must be a boolean');
  const out: VariableCharacteristics = {
    dataType: oneOf(i, 'characteristics.dataType', c['dataType'], VARIABLE_DATA_TYPES, 'string'),
    supportsMonitoring: c['supportsMonitoring'],
  };
  const unit = optionalText(i, 'characteristics.unit', c['unit'], LIMITS.unit);
  const minLimit = finite(i, 'characteristics.minLimit', c['minLimit']);
  const maxLimit = finite(i, 'characteristics.maxLimit', c['maxLimit']);
  const valuesList = optionalText(i, 'characteristics.valuesList', c['valuesList'], LIMITS.valuesList);
  if (unit !== undefined) out.unit = unit;
  if (minLimit !== undefined) out.minLimit = minLimit;
  if (maxLimit !== undefined) out.maxLimit = maxLimit;
  if (valuesList !== undefined) out.valuesList = valuesList;
  return out;
}

/** One input checked and as stored; throws StoreError INVALID naming the first bad field. */
function row(i: number, input: DeviceVariableInput): VariableRow {
  if (typeof input !== 'object' || input === null) throw new StoreError('INVALID', `items[${i}] must be an object`, 'items');
  const evse = input.evseId == null ? ABSENT_ID : id(i, 'evseId', input.evseId);
  if (input.connectorId != null && evse === ABSENT_ID) throw invalid(i, 'connectorId', 'needs an evseId (a connector is on an EVSE)');
  return {
    component: text(i, 'component', input.component, LIMITS.name, { nonEmpty: true }),
    component_instance: optionalText(i, 'componentInstance', input.componentInstance, LIMITS.instance) ?? ABSENT_INSTANCE,
    evse_id: evse,
    connector_id: input.connectorId == null ? ABSENT_ID : id(i, 'connectorId', input.connectorId),
    variable: text(i, 'variable', input.variable, LIMITS.name, { nonEmpty: true }),
    variable_instance: optionalText(i, 'variableInstance', input.variableInstance, LIMITS.instance) ?? ABSENT_INSTANCE,
    attribute_type: oneOf(i, 'attributeType', input.attributeType, ATTRIBUTE_TYPES, 'Actual'),
    value: optionalText(i, 'value', input.value, LIMITS.value) ?? null,
    mutability: oneOf(i, 'mutability', input.mutability, MUTABILITIES, 'ReadWrite'),
    persistent: flag(i, 'persistent', input.persistent),
    constant: flag(i, 'constant', input.constant),
    characteristics: characteristics(i, input.characteristics),
  };
}

/**
 * ASCII case folding, what SQLite's NOCASE and PostgreSQL's lower() under COLLATE "C" do (the
 * key's case-insensitivity, migration 9): only A-Z change.
 */
export const fold = (s: string) => (/[^\x00-\x7f]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase());

/** NUL cannot be in any part (text() refuses it): an unambiguous separator. */
const keyOf = (r: VariableRow) =>
  [fold(r.component), fold(r.component_instance), r.evse_id, r.connector_id, fold(r.variable), fold(r.variable_instance), r.attribute_type].join('\u0000');

/**
 * The inputs checked (all of them, before any write) and reduced to one row per key, the last
 * input of a key winning (in the place of that last input): one statement then touches each
 * row once (PostgreSQL's ON CONFLICT DO UPDATE refuses to touch a row twice).
 */
export function variableRows(items: readonly DeviceVariableInput[]): VariableRow[] {
  if (!Array.isArray(items)) throw new StoreError('INVALID', 'items must be an array', 'items');
  if (items.length > LIMITS.items) throw new StoreError('INVALID', `items: at most ${LIMITS.items} per call, got ${items.length}; save a larger report in parts`, 'items');
  const rows = new Map<string, VariableRow>();
  items.forEach((input, i) => {
    const r = row(i, input);
    const k = keyOf(r);
    // delete + set: the row takes the place of the last input of its key.
    rows.delete(k);
    rows.set(k, r);
  });
  return [...rows.values()];
}

/** A key (API shape, absent parts null) as the key columns hold it, for keyset paging. */
export function keyColumns(k: DeviceVariableKey): [string, string, number, number, string, string, string] {
  return [k.component, k.componentInstance ?? ABSENT_INSTANCE, k.evseId ?? ABSENT_ID, k.connectorId ?? ABSENT_ID, k.variable, k.variableInstance ?? ABSENT_INSTANCE, k.attributeType];
}

/** The API shape of the key columns: sentinels back to null. */
export function keyFromColumns(r: Pick<VariableRow, 'component' | 'component_instance' | 'evse_id' | 'connector_id' | 'variable' | 'variable_instance' | 'attribute_type'>): DeviceVariableKey {
  return {
    component: r.component,
    componentInstance: r.component_instance === ABSENT_INSTANCE ? null : r.component_instance,
    evseId: r.evse_id === ABSENT_ID ? null : r.evse_id,
    connectorId: r.connector_id === ABSENT_ID ? null : r.connector_id,
    variable: r.variable,
    variableInstance: r.variable_instance === ABSENT_INSTANCE ? null : r.variable_instance,
    attributeType: r.attribute_type,
  };
}
