/**
 * Tenant confinement for MQTT clients (interface.md "MQTT"). Pure rules, tested alone, in both
 * topic layouts (contracts/topics.ts); the embedded broker and the EMQX authorization hook
 * (device-registry/routes/mqtt-auth.ts) both ask these, so the rule exists once.
 *
 * - A tenant client (username = tenant, password = API token of that tenant) may subscribe to
 *   its own tenant's topics (`acme:dev1/attrs`, `acme/+/attrs`, `acme/#`). A broker that filters
 *   each delivery by `mayReceive` (the embedded one) also lets it subscribe to filters that start
 *   with a wildcard (`+/attrs`, `+/+/attrs`, `#`) and forwards it only its own tenant's
 *   messages; one that cannot (EMQX through the HTTP hook) refuses those.
 * - It may publish only commands: `{tenant}:{deviceId}/config` (`{tenant}/{deviceId}/config`),
 *   and not with the read-only role.
 * - The `service` principal (the gateway and history processes against an external broker
 *   configured with the admin token) is not confined.
 * - A reserved tenant (`chargebridge` in the tenant-level layout, whose first level is
 *   chargebridge's own) may do nothing.
 */
import type { TokenRole } from '../common/http/auth.ts';
import type { Topics } from '../contracts/topics.ts';

/** A tenant client has its token's role; `service` is chargebridge's own processes. */
export type Role = TokenRole | 'service';

export interface Principal {
  tenant: string;
  role: Role;
  /**
   * `${tenant}:` or `${tenant}/` (the layout's tenant prefix), precomputed: mayReceive runs for
   * every message and every subscriber. Null for a tenant the layout reserves: it gets nothing.
   */
  prefix: string | null;
  topics: Topics;
}

export function principal(tenant: string, role: Role, topics: Topics): Principal {
  return { tenant, role, prefix: role === 'service' || topics.tenantAllowed(tenant) ? topics.tenantPrefix(tenant) : null, topics };
}

export interface SubscribeOptions {
  /**
   * The broker forwards each message only if `mayReceive` says so (the embedded broker): a
   * filter starting with a wildcard is then safe. False for a broker that only asks once, at
   * SUBSCRIBE (EMQX's HTTP authorization): there a filter must name the tenant in its first level.
   */
  filtersDeliveries: boolean;
}

export function maySubscribe(p: Principal, filter: string, opts: SubscribeOptions = { filtersDeliveries: true }): boolean {
  if (p.role === 'service') return true;
  if (p.prefix === null) return false;
  if (filter.startsWith('$')) return false; // $SYS and shared subscriptions are not tenant data
  const slash = filter.indexOf('/');
  const first = slash < 0 ? filter : filter.slice(0, slash);
  if (first === '#' || first === '+') return opts.filtersDeliveries;
  return p.topics.tenantOf(filter) === p.tenant;
}

export function mayPublish(p: Principal, topic: string): boolean {
  if (p.role === 'service') return true;
  if (p.role === 'read-only' || p.prefix === null) return false;
  if (!topic.startsWith(p.prefix) || !topic.endsWith('/config')) return false;
  const deviceId = topic.slice(p.prefix.length, topic.length - '/config'.length);
  // One level, named: a device id, never a wildcard (not valid in a PUBLISH anyway, MQTT 3.1.1 §3.3.2.1).
  return deviceId !== '' && !/[/+#]/.test(deviceId);
}

export function mayReceive(p: Principal, topic: string): boolean {
  return p.role === 'service' || (p.prefix !== null && topic.startsWith(p.prefix));
}

/** Namespace of the service principal's sessions: `*` is no tenant name (common/config.ts). */
const SERVICE_SESSIONS = '*:';

/**
 * The broker-side id of a client's session: its client id inside its tenant's namespace, so that
 * the same client id under two tenants names two sessions. A client can then take over (MQTT
 * 3.1.1 §3.1.4 step 2) and resume (§3.1.2.4) only a session of its own tenant. Always
 * `{tenant}:{clientId}` whatever the topic layout: a tenant name has no colon.
 */
export function sessionId(p: Principal, clientId: string): string {
  return (p.role === 'service' ? SERVICE_SESSIONS : `${p.tenant}:`) + clientId;
}

/**
 * Whether the owner of a session (by its id alone: it may be offline) may receive `topic`: the
 * rule of `mayReceive` for sessions queued while their client is away, in `topics`' layout.
 */
export function sessionReceiver(topics: Topics): (session: string, topic: string) => boolean {
  // The character that ends the tenant in a topic: ':' (dojot) or '/' (tenant-level).
  const separator = topics.tenantPrefix('x').charCodeAt(1);
  return (session, topic) => {
    const colon = session.indexOf(':');
    if (colon === 1 && session.charCodeAt(0) === 42) return true; // '*:', the service principal
    if (colon <= 0 || topic.length <= colon || topic.charCodeAt(colon) !== separator) return false;
    // Compared in place: this runs for every QoS 1 message and every persistent session.
    for (let i = 0; i < colon; i++) if (session.charCodeAt(i) !== topic.charCodeAt(i)) return false;
    return topics.tenantAllowed(session.slice(0, colon));
  };
}
