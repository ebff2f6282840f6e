/**
 * JSON-schema validation of one OCPP version's payloads (a "schema set": 1.6, 2.0.1 or 2.1, the
 * schemas ocpp-rpc ships), each on an ajv instance of its own so that what a CALLERROR says is
 * bounded and its code is the right one. Schemas come in with every `$ref` already resolved
 * (the 2.x ones are dereferenced once at load: ocpp/ocpp201/schemas.ts), so the
 * validator and the leniency walker (leniency.ts) read the same tree.
 *
 * Error codes follow ocpp-rpc's strict mode (its lib/validator.js keyword table) so that a
 * charger sees the same codes from us as from an ocpp-rpc central system, with three changes:
 * - a value outside an enumeration or a malformed date-time is "syntactically correct but at
 *   least one field contains an invalid value": PropertyConstraintViolation (OCPP-J 1.6
 *   §4.2.3 Table 7; OCPP-J 2.0.1 part 4 §4.3 Table 8), where ocpp-rpc falls back to
 *   FormatViolation;
 * - an integer beyond what a JavaScript number holds exactly (|n| > 2^53 - 1, e.g.
 *   `meterStart: 1e308`, which JSON Schema's "integer" accepts) "violates data type
 *   constraints": TypeConstraintViolation. Neither spec gives integers a width, but such a
 *   value cannot be stored or summed correctly, and a charger retrying it would be refused
 *   forever with InternalError otherwise; the same for the ids the registry stores as 32-bit
 *   integers (connectorId, evseId, transactionId of 1.6, reservationId);
 * - codes carry OCPP-J 2.0.1's spelling (OccurrenceConstraintViolation, FormatViolation);
 *   the wire spelling per version is common/ocpp-j/error-codes.ts's.
 * Details never carry the payload back (ocpp-rpc puts the whole request in them): only the
 * first failure's path, keyword and parameters.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createRPCError } from 'ocpp-rpc';
import { ENUM_KEPT_RAW } from './enum-leniency.ts';

export interface JsonSchema {
  $id?: string;
  $schema?: string;
  type?: string;
  enum?: string[];
  format?: string;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  description?: string;
}

export interface RpcErrorLike extends Error {
  rpcErrorCode: string;
  details?: unknown;
}

export type Validation = { ok: true } | { ok: false; error: RpcErrorLike };

/** One OCPP version's request and response schemas, by action. */
export interface SchemaSet {
  readonly name: string;
  requestSchema(action: string): JsonSchema | undefined;
  responseSchema(action: string): JsonSchema | undefined;
  hasSchema(action: string): boolean;
  validateRequest(action: string, params: unknown): Validation;
  /** The lenient second pass, after leniency.ts repaired the request. */
  validateRepairedRequest(action: string, params: unknown): Validation;
  validateResponse(action: string, result: unknown): Validation;
  /** The first failure of one sampledValue element, or null when it is usable. */
  sampledValueProblem(item: unknown): string | null;
}

// ocpp-rpc lib/validator.js errorCodeLUT, in 2.0.1 spelling, plus the changes above.
const KEYWORD_CODE: Readonly<Record<string, string>> = {
  maximum: 'FormatViolation',
  minimum: 'FormatViolation',
  maxLength: 'FormatViolation',
  minLength: 'FormatViolation',
  exclusiveMaximum: 'OccurrenceConstraintViolation',
  exclusiveMinimum: 'OccurrenceConstraintViolation',
  multipleOf: 'OccurrenceConstraintViolation',
  maxItems: 'OccurrenceConstraintViolation',
  minItems: 'OccurrenceConstraintViolation',
  maxProperties: 'OccurrenceConstraintViolation',
  minProperties: 'OccurrenceConstraintViolation',
  additionalItems: 'OccurrenceConstraintViolation',
  required: 'OccurrenceConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  propertyNames: 'PropertyConstraintViolation',
  additionalProperties: 'PropertyConstraintViolation',
  type: 'TypeConstraintViolation',
  enum: 'PropertyConstraintViolation',
  format: 'PropertyConstraintViolation',
  safeInteger: 'TypeConstraintViolation',
  int32: 'TypeConstraintViolation',
};

/** Ids stored as 32-bit integers (device-registry/store/numbers.ts). */
const INT32_FIELDS: ReadonlySet<string> = new Set(['connectorId', 'evseId', 'transactionId', 'reservationId']);

/** Every `"type": "integer"` of the schemas also checked for a safe integer. */
function withSafeIntegers(node: unknown, name = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => withSafeIntegers(n));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // Under `properties`, each key names the property its schema is for.
    out[k] = k === 'properties' && typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([p, sub]) => [p, withSafeIntegers(sub, p)])) : withSafeIntegers(v);
  }
  if (out['type'] === 'integer') out[INT32_FIELDS.has(name) ? 'int32' : 'safeInteger'] = true;
  return out;
}

/** A copy of `node` without `enum` on the properties named in `fields`. */
function withoutEnums(node: unknown, fields: ReadonlySet<string>, name = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutEnums(n, fields));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' && fields.has(name)) continue;
    out[k] = k === 'properties' && typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([p, sub]) => [p, withoutEnums(sub, fields, p)])) : withoutEnums(v, fields);
  }
  return out;
}

// ajv-formats is CommonJS with its function as the default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  // As in ocpp-rpc: JSON numbers like 0.1 are multiples of 0.1 within a small epsilon.
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    errors: false,
    metaSchema: { type: 'number' },
    compile: (m: number) => (data: number) => Math.abs(Math.round(data / m) - data / m) < 1e-6,
  });
  ajv.addKeyword({
    keyword: 'int32',
    type: 'number',
    errors: false,
    metaSchema: { type: 'boolean' },
    compile: () => (data: number) => Number.isInteger(data) && data >= -(2 ** 31) && data <= 2 ** 31 - 1,
  });
  ajv.addKeyword({
    keyword: 'safeInteger',
    type: 'number',
    errors: false,
    metaSchema: { type: 'boolean' },
    compile: () => (data: number) => Number.isSafeInteger(data),
  });
  return ajv;
}

/** The first sampledValue item schema under a request schema (MeterValues: meterValue[].sampledValue[]). */
function sampledValueItems(s: JsonSchema | undefined): JsonSchema | undefined {
  return s?.properties?.['meterValue']?.items?.properties?.['sampledValue']?.items;
}

/**
 * A schema set from `$ref`-free schemas: `requests` and `responses` by action. The ids of the
 * 1.6 schemas (`urn:Authorize.req`) are URNs without a namespace identifier, which the URI
 * library of current ajv refuses to resolve: schemas are added under keys of our own, without
 * `$id` (nothing refers to them by id once dereferenced).
 */
export function createSchemaSet(name: string, requests: ReadonlyMap<string, JsonSchema>, responses: ReadonlyMap<string, JsonSchema>): SchemaSet {
  const ajv = newAjv();
  const add = (key: string, schema: JsonSchema, relaxed: boolean) => {
    const { $id: _id, $schema: _schema, ...rest } = withSafeIntegers(schema) as JsonSchema;
    ajv.addSchema(rest, `req:${key}`);
    // The lenient second pass (leniency.ts): the same schema, but a sampledValue field outside
    // its enumeration may stay as sent (enum-leniency.ts ENUM_KEPT_RAW); every other rule holds.
    if (relaxed) ajv.addSchema(withoutEnums(rest, ENUM_KEPT_RAW) as object, `relaxed:${key}`);
  };
  for (const [action, s] of requests) add(action, s, true);
  for (const [action, s] of responses) {
    const { $id: _id, $schema: _schema, ...rest } = withSafeIntegers(s) as JsonSchema;
    ajv.addSchema(rest, `conf:${action}`);
  }

  /** One SampledValue as the lenient pass accepts it, to drop a bad one alone. */
  const relaxedMeterValues = requests.has('MeterValues') ? (ajv.getSchema('relaxed:MeterValues')?.schema as JsonSchema | undefined) : undefined;
  const sampledValueSchema = sampledValueItems(relaxedMeterValues);
  const sampledValueCheck = sampledValueSchema ? ajv.compile(sampledValueSchema) : undefined;

  const compiled = new Map<string, ValidateFunction | null>();
  function compiledFor(key: string): ValidateFunction | null {
    let v = compiled.get(key);
    if (v === undefined) compiled.set(key, (v = ajv.getSchema(key) ?? null));
    return v;
  }

  function failure(errors: ErrorObject[]): RpcErrorLike {
    const first = errors[0]!;
    const code = KEYWORD_CODE[first.keyword] ?? 'FormatViolation';
    const message =
      first.keyword === 'safeInteger'
        ? `data${first.instancePath} must be an integer of at most 2^53 - 1 in magnitude`
        : first.keyword === 'int32'
          ? `data${first.instancePath} must be a 32-bit integer`
          : ajv.errorsText([first]);
    const details = { errors: [{ instancePath: first.instancePath, keyword: first.keyword, params: first.params }] };
    return createRPCError(code, message.slice(0, 255), details) as RpcErrorLike;
  }

  function run(key: string, data: unknown): Validation {
    const validate = compiledFor(key);
    if (!validate) return { ok: false, error: createRPCError('ProtocolError', `no ${name} schema for ${key}`, {}) as RpcErrorLike };
    if (validate(data)) return { ok: true };
    return { ok: false, error: failure(validate.errors ?? [{ keyword: 'type', instancePath: '', schemaPath: '', params: {} } as ErrorObject]) };
  }

  return {
    name,
    requestSchema: (action) => requests.get(action),
    responseSchema: (action) => responses.get(action),
    hasSchema: (action) => requests.has(action),
    validateRequest: (action, params) => run(`req:${action}`, params),
    validateRepairedRequest: (action, params) => run(`relaxed:${action}`, params),
    validateResponse(action, result) {
      if (!responses.has(action)) return { ok: false, error: createRPCError('NotImplemented', `no schema for ${action}`) as RpcErrorLike };
      return run(`conf:${action}`, result);
    },
    sampledValueProblem(item) {
      if (!sampledValueCheck || sampledValueCheck(item)) return null;
      return ajv.errorsText(sampledValueCheck.errors?.slice(0, 1), { dataVar: 'sampledValue' }).slice(0, 255);
    },
  };
}

/** The dotted path of the first schema failure (`csChargingProfiles.stackLevel`), or ''. */
export function failedPath(error: RpcErrorLike): string {
  const first = (error.details as { errors?: Array<{ instancePath?: string; params?: { missingProperty?: string; additionalProperty?: string } }> } | undefined)?.errors?.[0];
  return [first?.instancePath?.split('/').filter(Boolean).join('.'), first?.params?.missingProperty ?? first?.params?.additionalProperty].filter(Boolean).join('.');
}
