import { idTagInfo } from '../id-tags.ts';
import type { Handler, HandlerContext } from './types.ts';

/** The IdTagInfo for an idTag of this charger's tenant (OCPP 1.6 §4.1). */
export async function lookupIdTag(ctx: HandlerContext, idTag: string) {
  const tag = await ctx.store.getIdTag(ctx.session.device.tenant, idTag);
  return idTagInfo(tag, new Date(), ctx.config.ACCEPT_UNKNOWN_ID_TAGS);
}

export const authorize: Handler<'Authorize'> = async (ctx, req) => ({ idTagInfo: await lookupIdTag(ctx, req.idTag) });
