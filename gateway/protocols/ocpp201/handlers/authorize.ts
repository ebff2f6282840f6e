import { lookupIdTag } from '../../../authorization.ts';
import type { HandlerContext } from '../../context.ts';
import { idTokenInfo, NO_AUTHORIZATION, type IdTokenInfo2 } from '../id-tokens.ts';
import type { Handler201 } from './types.ts';

/** The IdTokenInfo for an idToken of this charger's tenant (2.0.1 C01, C05; registry ID tags). */
export async function lookupIdToken(ctx: HandlerContext, token: { idToken: string; type: string }): Promise<IdTokenInfo2> {
  if (token.type === NO_AUTHORIZATION) return { status: 'Accepted' };
  return idTokenInfo(await lookupIdTag(ctx, token.idToken));
}

// 2.0.1 C01: Authorize with an idToken (ISO 15118 certificate data is not checked: no
// certificate is issued yet; certificateStatus is left out, as for a token without one).
export const authorize: Handler201<'Authorize'> = async (ctx, req) => ({ idTokenInfo: (await lookupIdToken(ctx, req.idToken)) as never });
