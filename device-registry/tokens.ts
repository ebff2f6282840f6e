/**
 * API tokens: issue, resolve, revoke. A token is `cb_` + 32 random bytes; only its SHA-256
 * digest is stored (high-entropy secrets need no slow KDF, and a digest can be looked up by
 * index). The same tokens authenticate HTTP (Bearer) and MQTT (username = tenant).
 * Resolutions are cached briefly: every MQTT CONNECT and HTTP request would otherwise be a
 * storage round-trip; revoking through this service clears the cache at once.
 */
import { principal } from '../broker/acl.ts';
import type { MqttAuthenticator } from '../broker/embedded.ts';
import type { AdminToken } from './admin-token.ts';
import { newToken, tokenDigest } from './admin-token.ts';
import type { Caller, TokenResolver, TokenRole } from '../common/http/auth.ts';
import type { ApiToken } from '../contracts/registry.ts';
import type { Topics } from '../contracts/topics.ts';
import type { RegistryStore } from './store/types.ts';

const CACHE_MS = 30_000;
/** lastUsedAt is kept to the minute: one write per token and minute, not one per request. */
const TOUCH_MS = 60_000;

export interface TokenService extends TokenResolver {
  issue(input: { tenant: string; role: TokenRole; label?: string | undefined; expiresAt?: string | undefined }): Promise<{ token: string; record: ApiToken }>;
  list(tenant: string): Promise<ApiToken[]>;
  revoke(tenant: string, id: string): Promise<boolean>;
  mqttAuthenticator(): MqttAuthenticator;
}

export function createTokenService(deps: { store: RegistryStore; admin: AdminToken; defaultTenant: string; topics: Topics }): TokenService {
  const { store, admin } = deps;
  const cache = new Map<string, { caller: Caller | null; until: number }>();

  const touched = new Map<string, number>();
  function touch(id: string, now: number): void {
    if ((touched.get(id) ?? 0) > now - TOUCH_MS) return;
    if (touched.size > 10_000) touched.clear();
    touched.set(id, now);
    // Best effort: a failed write (full disk) must not fail the request it records.
    store.touchToken(id, new Date(now).toISOString()).catch(() => undefined);
  }

  async function resolve(token: string): Promise<Caller | null> {
    if (admin.verify(token)) return { tenant: deps.defaultTenant, role: 'admin', installationAdmin: true, tokenId: null };
    const digest = tokenDigest(token).toString('hex');
    const hit = cache.get(digest);
    const now = Date.now();
    let entry = hit && hit.until > now ? hit : undefined;
    if (!entry) {
      const rec = await store.findTokenByDigest(digest);
      const expires = rec?.expiresAt ? Date.parse(rec.expiresAt) : Infinity;
      const caller: Caller | null = rec && expires > now ? { tenant: rec.tenant, role: rec.role, installationAdmin: false, tokenId: rec.id } : null;
      if (cache.size > 10_000) cache.clear();
      // Never cached past its expiry: an expired token stops working on time.
      entry = { caller, until: caller ? Math.min(now + CACHE_MS, expires) : now + CACHE_MS };
      cache.set(digest, entry);
    }
    if (entry.caller?.tokenId) touch(entry.caller.tokenId, now);
    return entry.caller;
  }

  return {
    resolve,
    async issue({ tenant, role, label, expiresAt }) {
      const token = newToken();
      const record = await store.createToken({ tenant, role, label, expiresAt, digest: tokenDigest(token).toString('hex') });
      return { token, record };
    },
    list: (tenant) => store.listTokens(tenant),
    async revoke(tenant, id) {
      const ok = await store.deleteToken(tenant, id);
      if (ok) cache.clear();
      return ok;
    },
    mqttAuthenticator: () => ({
      async authenticate(username, password) {
        if (!username || !password) return null;
        const caller = await resolve(password.toString('utf8'));
        // username = tenant (interface.md): a token of another tenant does not open this one.
        // A tenant the topic layout reserves (`chargebridge` in tenant-level) cannot log in.
        if (!caller || caller.tenant !== username || !deps.topics.tenantAllowed(caller.tenant)) return null;
        return principal(caller.tenant, caller.role, deps.topics);
      },
    }),
  };
}
