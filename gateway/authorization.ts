/** ID tag lookups for handlers of every OCPP version (the registry's tags of the charger's tenant). */
import { idTagInfo, type IdTagInfo } from './id-tags.ts';
import type { HandlerContext } from './protocols/context.ts';

/** The IdTagInfo for an idTag of this charger's tenant (OCPP 1.6 §4.1; 2.x maps it: protocols/ocpp201/id-tokens.ts). */
export async function lookupIdTag(ctx: HandlerContext, idTag: string): Promise<IdTagInfo> {
  const tag = await ctx.store.getIdTag(ctx.session.device.tenant, idTag);
  return idTagInfo(tag, new Date(), ctx.config.ACCEPT_UNKNOWN_ID_TAGS);
}
