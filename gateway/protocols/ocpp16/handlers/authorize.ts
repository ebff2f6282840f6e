import { lookupIdTag } from '../../../authorization.ts';
import type { Handler } from './types.ts';

// OCPP 1.6 §4.1 / §6.1.
export const authorize: Handler<'Authorize'> = async (ctx, req) => ({ idTagInfo: await lookupIdTag(ctx, req.idTag) });
