/**
 * Turns a registry idTag record into the IdTagInfo of Authorize.conf / StartTransaction.conf
 * (OCPP 1.6 §7.27 IdTagInfo, §7.2 AuthorizationStatus). Pure.
 */
import type { IdTag } from '../contracts/registry.ts';

export interface IdTagInfo {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

export function idTagInfo(tag: IdTag | null, now: Date, acceptUnknown: boolean): IdTagInfo {
  if (!tag) return { status: acceptUnknown ? 'Accepted' : 'Invalid' };
  const info: IdTagInfo = { status: tag.status };
  if (tag.expiryDate) {
    info.expiryDate = tag.expiryDate;
    if (tag.status === 'Accepted' && Date.parse(tag.expiryDate) <= now.getTime()) info.status = 'Expired';
  }
  if (tag.parentIdTag) info.parentIdTag = tag.parentIdTag;
  return info;
}
