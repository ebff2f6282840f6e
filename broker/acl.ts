/**
 * Tenant confinement for MQTT clients (interface.md "MQTT"). Pure rules, tested alone.
 *
 * - A tenant client (username = tenant, password = API token of that tenant) may subscribe to
 *   its own `{tenant}:...` topics, and to filters that start with a wildcard (`+/attrs`, `#`):
 *   the broker then forwards it only its own tenant's messages (see `mayReceive`).
 * - It may publish only commands: `{tenant}:{deviceId}/config`, and not with the read-only role.
 * - The `service` principal (the gateway and history processes against an external broker
 *   configured with the admin token) is not confined.
 */
import type { TokenRole } from '../common/http/auth.ts';
import { topicTenant } from '../contracts/topics.ts';

/** A tenant client has its token's role; `service` is chargebridge's own processes. */
export type Role = TokenRole | 'service';

export interface Principal {
  tenant: string;
  role: Role;
  /** `${tenant}:`, precomputed: mayReceive runs for every message and every subscriber. */
  prefix: string;
}

export function principal(tenant: string, role: Role): Principal {
  return { tenant, role, prefix: `${tenant}:` };
}

export function maySubscribe(p: Principal, filter: string): boolean {
  if (p.role === 'service') return true;
  if (filter.startsWith('$')) return false; // $SYS and shared subscriptions are not tenant data
  if (filter === '#' || filter.startsWith('+/') || filter === '+') return true;
  return topicTenant(filter) === p.tenant;
}

export function mayPublish(p: Principal, topic: string): boolean {
  if (p.role === 'service') return true;
  if (p.role === 'read-only') return false;
  return topic.startsWith(p.prefix) && topic.endsWith('/config') && topic.indexOf('/') === topic.length - '/config'.length;
}

export function mayReceive(p: Principal, topic: string): boolean {
  return p.role === 'service' || topic.startsWith(p.prefix);
}

/** Namespace of the service principal's sessions: `*` is no tenant name (common/config.ts). */
const SERVICE_SESSIONS = '*:';

/**
 * The broker-side id of a client's session: its client id inside its tenant's namespace, so that
 * the same client id under two tenants names two sessions. A client can then take over (MQTT
 * 3.1.1 §3.1.4 step 2) and resume (§3.1.2.4) only a session of its own tenant.
 */
export function sessionId(p: Principal, clientId: string): string {
  return (p.role === 'service' ? SERVICE_SESSIONS : p.prefix) + clientId;
}

/**
 * Whether the owner of a session (by its id alone: it may be offline) may receive `topic`: the
 * rule of `mayReceive` for sessions queued while their client is away.
 */
export function sessionMayReceive(session: string, topic: string): boolean {
  const colon = session.indexOf(':');
  if (colon === 1 && session.charCodeAt(0) === 42) return true; // '*:', the service principal
  if (colon <= 0 || topic.length <= colon || topic.charCodeAt(colon) !== 58) return false;
  // Compared in place: this runs for every QoS 1 message and every persistent session.
  for (let i = 0; i < colon; i++) if (session.charCodeAt(i) !== topic.charCodeAt(i)) return false;
  return true;
}
