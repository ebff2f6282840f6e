/**
 * Validation with ocpp-rpc's own validator, so the CALLERROR codes are exactly those of its
 * strict mode (ajv keyword -> OCPP error code table in ocpp-rpc lib/validator.js).
 */
import { createRPCError, createValidator } from 'ocpp-rpc';
import { OCPP16_SCHEMAS, requestSchema, responseSchema } from './schemas.ts';

const validator = createValidator('ocpp1.6', OCPP16_SCHEMAS);

export interface RpcErrorLike extends Error {
  rpcErrorCode: string;
  details?: unknown;
}

export type Validation = { ok: true } | { ok: false; error: RpcErrorLike };

// OCPP-J 1.6 errata §5 spellings, as ocpp-rpc puts them on the wire for ocpp1.6.
const CODE_16: Record<string, string> = {
  FormatViolation: 'FormationViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

// ocpp-rpc has no entry for these ajv keywords and falls back to FormatViolation. A value
// outside an enumeration or a malformed date-time is "syntactically correct but at least one
// field contains an invalid value": PropertyConstraintViolation (OCPP-J 1.6 §4.2.3).
const KEYWORD_CODE: Record<string, string> = { enum: 'PropertyConstraintViolation', format: 'PropertyConstraintViolation' };

function run(schemaId: string, data: unknown): Validation {
  try {
    validator.validate(schemaId, data);
    return { ok: true };
  } catch (err) {
    const e = err as RpcErrorLike;
    const keyword = (e.details as { errors?: Array<{ keyword: string }> } | undefined)?.errors?.[0]?.keyword;
    const base = (keyword && KEYWORD_CODE[keyword]) || e.rpcErrorCode;
    const code = CODE_16[base] ?? base;
    return { ok: false, error: code === e.rpcErrorCode ? e : (createRPCError(code, e.message, e.details as object) as RpcErrorLike) };
  }
}

export function hasSchema(action: string): boolean {
  return requestSchema(action) !== undefined;
}

export function validateRequest(action: string, params: unknown): Validation {
  return run(`urn:${action}.req`, params);
}

export function validateResponse(action: string, result: unknown): Validation {
  if (!responseSchema(action)) return { ok: false, error: createRPCError('NotImplemented', `no schema for ${action}`) as RpcErrorLike };
  return run(`urn:${action}.conf`, result);
}

/** The dotted path of the first schema failure (`csChargingProfiles.stackLevel`), or ''. */
export function failedPath(error: RpcErrorLike): string {
  const first = (error.details as { errors?: Array<{ instancePath?: string; params?: { missingProperty?: string; additionalProperty?: string } }> } | undefined)?.errors?.[0];
  return [first?.instancePath?.split('/').filter(Boolean).join('.'), first?.params?.missingProperty ?? first?.params?.additionalProperty].filter(Boolean).join('.');
}
