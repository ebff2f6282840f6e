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
import { topicTenant } from '../gateway/topics.ts';

export type Role = 'admin' | 'operator' | 'read-only' | 'service';

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
