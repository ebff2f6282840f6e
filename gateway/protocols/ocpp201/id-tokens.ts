/**
 * A registry ID tag as OCPP 2.x IdTokenInfoType (2.0.1 part 2 appendices; C01, C05). Pure.
 * The registry's 1.6-style record maps one to one: status (Accepted, Blocked, Expired, Invalid,
 * ConcurrentTx are values of both versions' enumerations), expiryDate -> cacheExpiryDateTime,
 * parentIdTag -> groupIdToken (type Central: a token the CSMS made up, C09).
 */
import type { IdTagInfo } from '../../id-tags.ts';

export interface IdTokenInfo2 {
  status: string;
  cacheExpiryDateTime?: string;
  groupIdToken?: { idToken: string; type: string };
}

export function idTokenInfo(info: IdTagInfo): IdTokenInfo2 {
  const out: IdTokenInfo2 = { status: info.status };
  if (info.expiryDate) out.cacheExpiryDateTime = info.expiryDate;
  if (info.parentIdTag) out.groupIdToken = { idToken: info.parentIdTag, type: 'Central' };
  return out;
}

/**
 * IdTokenEnumType NoAuthorization: "No Authorization possible/ required" (a free-charging
 * station, C11); the token is empty and nothing is looked up.
 */
export const NO_AUTHORIZATION = 'NoAuthorization';
