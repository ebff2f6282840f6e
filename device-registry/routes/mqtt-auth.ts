/**
 * MQTT authentication and authorization hooks for an external broker that asks over HTTP (EMQX 5),
 * so that tenants log in with their API tokens there as on the embedded broker, under the same
 * tenant rule (broker/acl.ts). Registered only with MQTT_AUTH_HOOK_SECRET (docs/mqtt.md
 * "EMQX"); without it these paths are not served (404).
 *
 * The contract is EMQX 5's (docs.emqx.com/en/emqx/latest/access-control/authn/http.html and
 * .../authz/http.html):
 * - authentication: EMQX POSTs the JSON body configured in its authenticator, with placeholders
 *   (`${username}`, `${password}`, `${clientid}`, `${peerhost}`); the answer is 200 with
 *   `application/json` `{"result": "allow" | "deny" | "ignore", "is_superuser": bool}` and,
 *   from EMQX 5.7, optional `client_attrs` (string keys and values); a 4xx/5xx answer is taken
 *   as `ignore` (the next authenticator of the chain decides).
 * - authorization: EMQX POSTs the configured body (`${username}`, `${topic}`, `${action}` =
 *   publish or subscribe, `${retain}`, `${clientid}`, `${client_attrs.NAME}`); the answer is 200
 *   `{"result": "allow" | "deny"}` (a 200 without one of them, or any other status, is `ignore`:
 *   set EMQX's `authorization.no_match = deny`).
 *
 * The token's role reaches authorization as the client attribute `cb_role` set here at
 * authentication: EMQX's authorization request carries no password to look the token up again.
 * A request without a known role is taken as read-only. The gateway's service account
 * (MQTT_USERNAME / MQTT_PASSWORD) is a superuser: EMQX then asks nothing for its publishes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mayPublish, maySubscribe, principal } from '../../broker/acl.ts';
import { tenantName } from '../../common/config.ts';
import { AppError } from '../../common/errors.ts';
import type { TokenRole } from '../../common/http/auth.ts';
import type { LoginThrottle } from '../../common/login-throttle.ts';
import type { Topics } from '../../contracts/topics.ts';
import type { TokenService } from '../tokens.ts';

export const AUTHENTICATE_PATH = '/hooks/mqtt/authenticate';
export const AUTHORIZE_PATH = '/hooks/mqtt/authorize';
/** The header carrying MQTT_AUTH_HOOK_SECRET (set it in EMQX's `headers`). */
export const SECRET_HEADER = 'x-chargebridge-hook-secret';
/** The client attribute naming the token's role (EMQX `${client_attrs.cb_role}`). */
export const ROLE_ATTRIBUTE = 'cb_role';

export interface MqttAuthHookDeps {
  secret: string;
  topics: Topics;
  tokens: Pick<TokenService, 'resolve'>;
  /** chargebridge's own account on the broker (MQTT_USERNAME / MQTT_PASSWORD), if any. */
  service?: { username: string; password: string } | undefined;
  /** The embedded broker's failed-login throttle, per username and client address. */
  logins: LoginThrottle;
}

const authnBody = z.object({
  username: z.string().max(256),
  password: z.string().max(4096),
  clientid: z.string().max(1024).optional(),
  /** The MQTT client's address (`${peerhost}`): the throttle's address, not EMQX's. */
  peerhost: z.string().max(64).optional(),
});
const authzBody = z.object({
  username: z.string().max(256),
  topic: z.string().max(65535),
  action: z.enum(['publish', 'subscribe']),
  clientid: z.string().max(1024).optional(),
  /** `${client_attrs.cb_role}`, set at authentication; empty or absent: read-only. */
  role: z.string().max(32).optional(),
  /** `${retain}`: a command is never retained (docs/mqtt.md "Retained messages"). */
  retain: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});
const authnAnswer = z.object({ result: z.enum(['allow', 'deny', 'ignore']), is_superuser: z.boolean(), client_attrs: z.record(z.string(), z.string()).optional() });
const authzAnswer = z.object({ result: z.enum(['allow', 'deny']) });
type AuthnAnswer = z.infer<typeof authnAnswer>;
type AuthzAnswer = z.infer<typeof authzAnswer>;
const verdict = (ok: boolean): AuthzAnswer => ({ result: ok ? 'allow' : 'deny' });

const ROLES: ReadonlySet<string> = new Set<TokenRole>(['admin', 'operator', 'read-only']);

/** Constant-time equality of two secrets of any length (their SHA-256). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function mqttAuthHookRoutes(deps: MqttAuthHookDeps) {
  const { topics, logins } = deps;
  const deny: AuthnAnswer = { result: 'deny', is_superuser: false };
  return async function register(app: FastifyInstance) {
    // Only the broker knows the secret: anyone else is refused before a body is looked at.
    app.addHook('onRequest', async (req) => {
      const given = req.headers[SECRET_HEADER];
      if (typeof given !== 'string' || !sameSecret(given, deps.secret)) throw new AppError('UNAUTHORIZED', `${SECRET_HEADER} missing or wrong`);
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(AUTHENTICATE_PATH, { schema: { tags: ['mqtt hooks'], summary: 'EMQX HTTP authentication: username = tenant, password = an API token of it', body: authnBody, response: { 200: authnAnswer } } }, async (req): Promise<AuthnAnswer> => {
      const { username, password } = req.body;
      // Without `${peerhost}` in the body, the address is EMQX's own: the per-address limit then
      // counts all its clients together (docs/mqtt.md).
      const address = req.body.peerhost ?? req.ip;
      if (deps.service && username === deps.service.username) {
        // The service account is not a tenant: no token opens it, only its own password.
        if (!logins.admit(username, address).allowed) return deny;
        if (!sameSecret(password, deps.service.password)) {
          logins.failed(username, address);
          return deny;
        }
        logins.succeeded(username, address);
        return { result: 'allow', is_superuser: true };
      }
      // As the embedded broker (broker/embedded.ts): refused without looking at the token while
      // the username or the address backs off or is locked out.
      if (!logins.admit(username, address).allowed) return deny;
      const caller = tenantName.safeParse(username).success ? await deps.tokens.resolve(password) : null;
      // Expired and revoked tokens resolve to null (tokens.ts); a token of another tenant does
      // not open this one; a tenant the layout reserves cannot log in.
      if (!caller || caller.tenant !== username || !topics.tenantAllowed(username)) {
        logins.failed(username, address);
        return deny;
      }
      logins.succeeded(username, address);
      return { result: 'allow', is_superuser: false, client_attrs: { [ROLE_ATTRIBUTE]: caller.role } };
    });
    r.post(AUTHORIZE_PATH, { schema: { tags: ['mqtt hooks'], summary: 'EMQX HTTP authorization: the tenant rule of the embedded broker', body: authzBody, response: { 200: authzAnswer } } }, async (req): Promise<AuthzAnswer> => {
      const { username, topic, action } = req.body;
      if (!tenantName.safeParse(username).success) return verdict(false);
      const role: TokenRole = req.body.role !== undefined && ROLES.has(req.body.role) ? (req.body.role as TokenRole) : 'read-only';
      const p = principal(username, role, topics);
      if (action === 'publish') {
        const retained = req.body.retain === true || req.body.retain === 'true';
        return verdict(!retained && mayPublish(p, topic));
      }
      // EMQX checks a subscription once and then delivers whatever it matches: only filters that
      // name the tenant in their first level (`acme/#`, `acme/+/attrs`) are confined.
      return verdict(maySubscribe(p, topic, { filtersDeliveries: false }));
    });
  };
}
