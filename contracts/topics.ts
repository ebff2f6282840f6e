/**
 * Dojot-style topic builders (interface.md "MQTT"). `{tenant}:{deviceId}` is one topic level,
 * so a platform follows all its devices with `+/attrs`. Pure functions, unit-tested.
 */
export type TopicKind = 'attrs' | 'state' | 'events' | 'config' | 'config/reply' | 'alerts';

export function deviceTopic(tenant: string, deviceId: string, kind: TopicKind): string {
  return `${tenant}:${deviceId}/${kind}`;
}

/** Parses `{tenant}:{deviceId}/{kind}`; null when the topic is not a device topic. */
export function parseDeviceTopic(topic: string): { tenant: string; deviceId: string; kind: TopicKind } | null {
  const slash = topic.indexOf('/');
  if (slash < 0) return null;
  const head = topic.slice(0, slash);
  const kind = topic.slice(slash + 1);
  const colon = head.indexOf(':');
  if (colon <= 0 || colon === head.length - 1) return null;
  if (kind !== 'attrs' && kind !== 'state' && kind !== 'events' && kind !== 'config' && kind !== 'config/reply' && kind !== 'alerts') return null;
  return { tenant: head.slice(0, colon), deviceId: head.slice(colon + 1), kind };
}

/** The tenant a topic or topic filter belongs to: everything before the first ':' of level 1. */
export function topicTenant(topic: string): string | null {
  const slash = topic.indexOf('/');
  const head = slash < 0 ? topic : topic.slice(0, slash);
  const colon = head.indexOf(':');
  return colon > 0 ? head.slice(0, colon) : null;
}
