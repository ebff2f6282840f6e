/**
 * A command's error reply (contracts/commands.ts) as the HTTP error it becomes, for
 * every route that sends commands. `sent` travels as a problem+json member when known.
 */
import { AppError } from '../../common/errors.ts';
import type { ReplyError } from '../../contracts/commands.ts';

/** `invalidField` names, in the request, the field an `invalid` reply points at. */
export function commandProblem(e: ReplyError, invalidField: (field: string | undefined) => string): AppError {
  const sent = e.sent === undefined ? {} : { sent: e.sent };
  if (e.code === 'offline') return new AppError('CHARGER_OFFLINE', e.message, [], sent);
  if (e.code === 'timeout') return new AppError('CHARGER_TIMEOUT', e.message, [], sent);
  if (e.code === 'busy') return new AppError('CHARGER_BUSY', e.message, [], sent);
  if (e.code === 'invalid') return new AppError('VALIDATION_FAILED', e.message, [{ field: invalidField(e.field), message: e.message }]);
  return new AppError('CHARGER_ERROR', `${e.code}: ${e.message}`, [{ field: 'ocppErrorCode', message: e.code }]);
}
