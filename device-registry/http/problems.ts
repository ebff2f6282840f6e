/**
 * One error handler for the whole HTTP API: every failure leaves as application/problem+json
 * with a stable `code` and, for validation failures, the offending fields by name.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, problemJson, type FieldProblem } from '../../common/errors.ts';
import { StoreError } from '../../contracts/registry.ts';

function fromStore(err: StoreError): AppError {
  // Not logged here: the store reported the outage to health once (common/health.ts), and a
  // line per refused request would bury it.
  if (err.code === 'UNAVAILABLE') return new AppError('STORAGE_UNAVAILABLE', err.message);
  const problems = err.field ? [{ field: `body.${err.field}`, message: err.message }] : [];
  if (err.code === 'DUPLICATE') return new AppError('DUPLICATE', err.message, problems);
  if (err.code === 'NOT_FOUND') return new AppError('NOT_FOUND', err.message);
  // A value the store refuses (migration 8's checks): the route's schema should have caught it.
  if (err.code === 'INVALID') return new AppError('VALIDATION_FAILED', err.message, problems);
  return new AppError('CONFLICT', err.message, problems);
}

/**
 * Errors fastify's router raises before any route or hook (a path that is not valid
 * percent-encoding, a path parameter over maxParamLength): `frameworkErrors` of the instance.
 */
export function frameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  // The path (its parameters) is what is wrong: named `params` as the route's own validation would.
  const err = new AppError('VALIDATION_FAILED', error.message, [{ field: 'params', message: error.message }]);
  reply.status(status).type('application/problem+json').send({ ...problemJson(err, req.url), status });
}

export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | StoreError | Error, req, reply) => {
    let appErr: AppError;
    if (error instanceof AppError) appErr = error;
    else if (error instanceof StoreError) appErr = fromStore(error);
    else if (hasZodFastifySchemaValidationErrors(error)) {
      // docs/api.md names fields `body.x`, `query.x`, `params.x`; fastify says `querystring`.
      const context = (error as FastifyError).validationContext ?? 'body';
      const where = context === 'querystring' ? 'query' : context;
      const problems: FieldProblem[] = error.validation.map((v) => {
        const path = (v.instancePath ?? '').split('/').filter(Boolean).join('.');
        const issue = (v.params as { issue?: { path?: PropertyKey[]; keys?: string[] } })?.issue;
        const missing = issue?.path?.length ? issue.path.map(String) : [];
        // An unknown key (a strict object) is named by the key itself.
        if (issue?.keys?.length) missing.push(String(issue.keys[0]));
        const field = path || missing.join('.');
        return { field: field ? `${where}.${field}` : where, message: v.message ?? 'invalid' };
      });
      appErr = new AppError('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      // fastify's own 4xx (bad JSON body, unsupported media type, body too large)
      const fe = error as FastifyError;
      appErr = new AppError(fe.statusCode === 406 ? 'NOT_ACCEPTABLE' : 'VALIDATION_FAILED', fe.message, [{ field: 'body', message: fe.message }]);
    } else {
      req.log.error({ err: error }, 'request failed');
      appErr = new AppError('INTERNAL');
    }
    reply.status(appErr.status).type('application/problem+json').send(problemJson(appErr, req.url));
  });
  app.setNotFoundHandler((req, reply) => {
    const err = new AppError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`);
    reply.status(404).type('application/problem+json').send(problemJson(err, req.url));
  });
}
