/**
 * Device topics in the two layouts (docs/mqtt.md "Topic layouts", MQTT_TOPIC_LAYOUT):
 *
 * - `dojot` (the default, interface.md "MQTT"): `{tenant}:{deviceId}/{kind}`. `{tenant}:{deviceId}`
 *   is one topic level, so a platform follows all its devices with `+/attrs`.
 * - `tenant-level`: `{tenant}/{deviceId}/{kind}`. The tenant is a level of its own, so a
 *   standard broker ACL (Mosquitto `pattern read %u/#`, EMQX `${username}/#`) confines it; every
 *   tenant's attrs are `+/+/attrs`.
 *
 * Builders, parsers and the subscription filters every role needs live here and nowhere else:
 * a role asks `topicsFor(config.MQTT_TOPIC_LAYOUT)` and never spells a topic itself. Pure,
 * unit-tested.
 */
import { RESERVED_TENANTS, type TopicLayout } from '../common/topic-layout.ts';

export { RESERVED_TENANTS, TOPIC_LAYOUTS, type TopicLayout } from '../common/topic-layout.ts';

export type TopicKind = 'attrs' | 'state' | 'events' | 'config' | 'config/reply' | 'alerts';
/** What is published but never parsed back as a device topic: a replay of stored events. */
export type PublishedKind = TopicKind | 'events/replay';

const KINDS: ReadonlySet<string> = new Set<TopicKind>(['attrs', 'state', 'events', 'config', 'config/reply', 'alerts']);

export interface DeviceTopic {
  tenant: string;
  deviceId: string;
  kind: TopicKind;
}

export interface Topics {
  readonly layout: TopicLayout;
  /** The topic of one device's `kind`. */
  device(tenant: string, deviceId: string, kind: PublishedKind): string;
  /** The device topic's parts; null when the topic is not a device topic of this layout. */
  parse(topic: string): DeviceTopic | null;
  /**
   * The tenant a topic or a topic filter names: what comes before the tenant separator in the
   * first level; null for a filter starting with a wildcard, or a topic naming no tenant.
   */
  tenantOf(topicOrFilter: string): string | null;
  /** What every topic of the tenant starts with: `acme:` or `acme/`. */
  tenantPrefix(tenant: string): string;
  /** The filter matching `kind` of every device of every tenant: `+/attrs` or `+/+/attrs`. */
  every(kind: PublishedKind): string;
  /**
   * The filter matching `kind` of one tenant's devices, or of one device: `acme/+/events/replay`.
   * Dojot has no wildcard inside `{tenant}:{deviceId}`, so there it is `acme:+/...` as before,
   * which names the tenant but matches nothing but a device id `+`: use `every` with a tenant
   * client's broker-side confinement instead.
   */
  ofTenant(tenant: string, kind: PublishedKind, deviceId?: string): string;
  /** Handshake refusals for the installation's operators (docs/mqtt.md `gateway/refusals`). */
  refusals(tenant: string): string;
  /** Whether `tenant` can exist in this layout (RESERVED_TENANTS in `tenant-level`). */
  tenantAllowed(tenant: string): boolean;
}

function dojot(): Topics {
  return {
    layout: 'dojot',
    device: (tenant, deviceId, kind) => `${tenant}:${deviceId}/${kind}`,
    parse(topic) {
      const slash = topic.indexOf('/');
      if (slash < 0) return null;
      const head = topic.slice(0, slash);
      const kind = topic.slice(slash + 1);
      const colon = head.indexOf(':');
      if (colon <= 0 || colon === head.length - 1 || !KINDS.has(kind)) return null;
      return { tenant: head.slice(0, colon), deviceId: head.slice(colon + 1), kind: kind as TopicKind };
    },
    tenantOf(topic) {
      const slash = topic.indexOf('/');
      const head = slash < 0 ? topic : topic.slice(0, slash);
      const colon = head.indexOf(':');
      return colon > 0 ? head.slice(0, colon) : null;
    },
    tenantPrefix: (tenant) => `${tenant}:`,
    every: (kind) => `+/${kind}`,
    ofTenant: (tenant, kind, deviceId = '+') => `${tenant}:${deviceId}/${kind}`,
    refusals: (tenant) => `${tenant}:gateway/refusals`,
    tenantAllowed: () => true,
  };
}

function tenantLevel(): Topics {
  return {
    layout: 'tenant-level',
    device: (tenant, deviceId, kind) => `${tenant}/${deviceId}/${kind}`,
    parse(topic) {
      const a = topic.indexOf('/');
      if (a <= 0) return null;
      const b = topic.indexOf('/', a + 1);
      if (b < 0 || b === a + 1) return null;
      const kind = topic.slice(b + 1);
      if (!KINDS.has(kind)) return null;
      const tenant = topic.slice(0, a);
      // `chargebridge/private/...` and the like are chargebridge's, not a tenant's.
      if (RESERVED_TENANTS.includes(tenant)) return null;
      return { tenant, deviceId: topic.slice(a + 1, b), kind: kind as TopicKind };
    },
    tenantOf(topic) {
      const slash = topic.indexOf('/');
      const head = slash < 0 ? topic : topic.slice(0, slash);
      if (head === '' || head === '+' || head === '#' || head.startsWith('$') || RESERVED_TENANTS.includes(head)) return null;
      return head;
    },
    tenantPrefix: (tenant) => `${tenant}/`,
    every: (kind) => `+/+/${kind}`,
    ofTenant: (tenant, kind, deviceId = '+') => `${tenant}/${deviceId}/${kind}`,
    refusals: (tenant) => `${tenant}/gateway/refusals`,
    tenantAllowed: (tenant) => !RESERVED_TENANTS.includes(tenant),
  };
}

const LAYOUTS: Readonly<Record<TopicLayout, Topics>> = { dojot: Object.freeze(dojot()), 'tenant-level': Object.freeze(tenantLevel()) };

/** The codec of a layout (the same frozen object every time). */
export function topicsFor(layout: TopicLayout): Topics {
  return LAYOUTS[layout];
}
