/**
 * The registry of application errors (the fastify model): each has a stable code, an HTTP
 * status and a title. HTTP answers them as application/problem+json (RFC 9457); tests assert
 * the code, never the message. Listed for users in docs/api.md (Errors).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, title: 'Missing or invalid API token' },
  FORBIDDEN: { status: 403, title: 'This token may not do that' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  DUPLICATE: { status: 409, title: 'A resource with this key already exists' },
  CONFLICT: { status: 409, title: 'The resource changed or is in use' },
  NOT_ACCEPTABLE: { status: 406, title: 'Unsupported Accept type' },
  CHARGER_OFFLINE: { status: 409, title: 'The charger is not connected' },
  CHARGER_TIMEOUT: { status: 504, title: 'The charger did not answer in time' },
  CHARGER_BUSY: { status: 429, title: 'Too many commands are already waiting for this charger' },
  CHARGER_ERROR: { status: 502, title: 'The charger answered with an OCPP error' },
  // A charging limit in a unit the charger does not take and that may not be converted (DC).
  UNIT_NOT_SUPPORTED: { status: 422, title: 'The charger cannot take a limit in this unit' },
  UNAVAILABLE: { status: 503, title: 'A backing service is unavailable' },
  // The registry's storage refused the write (full, read-only, I/O error, database unreachable):
  // nothing was acknowledged, the client retries later. Distinct from UNAVAILABLE (history).
  STORAGE_UNAVAILABLE: { status: 503, title: 'The registry cannot store writes right now' },
  // More HTTP requests wait for a turn than HTTP_MAX_QUEUED_REQUESTS (device-registry/http/admission.ts).
  OVERLOADED: { status: 503, title: 'Too many requests are waiting; retry later' },
  // One replay of the message log at a time per tenant (message-log/replay.ts).
  REPLAY_BUSY: { status: 429, title: 'A replay of this tenant is already running' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldProblem {
  /** Dotted path of the offending field, prefixed with where it was: `body.site.lat`, `query.from`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly problems: FieldProblem[];
  /** Extension members of the problem object (RFC 9457), e.g. a command's `sent`. */
  readonly extensions: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message?: string, problems: FieldProblem[] = [], extensions: Readonly<Record<string, unknown>> = {}) {
    super(message ?? ERRORS[code].title);
    this.code = code;
    this.problems = problems;
    this.extensions = extensions;
    this.name = 'AppError';
    this.status = ERRORS[code].status;
  }
}

export function problemJson(err: AppError, instance?: string) {
  return {
    type: `urn:chargebridge:error:${err.code}`,
    title: ERRORS[err.code].title,
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(err.problems.length ? { errors: err.problems } : {}),
    ...err.extensions,
  };
}
