import { describe, expect, it } from 'vitest';
import { topicsFor, type PublishedKind, type TopicKind, type TopicLayout } from './topics.ts';

const dojot = topicsFor('dojot');
const level = topicsFor('tenant-level');

describe('topics: both layouts', () => {
  it.each([
    ['dojot', 'admin', 'a1b2c3d4', 'attrs', 'admin:a1b2c3d4/attrs'],
    ['dojot', 'acme', '00ff00ff', 'state', 'acme:00ff00ff/state'],
    ['dojot', 't-1', 'deadbeef', 'config/reply', 't-1:deadbeef/config/reply'],
    ['dojot', 'acme', 'deadbeef', 'alerts', 'acme:deadbeef/alerts'],
    ['tenant-level', 'admin', 'a1b2c3d4', 'attrs', 'admin/a1b2c3d4/attrs'],
    ['tenant-level', 'acme', '00ff00ff', 'state', 'acme/00ff00ff/state'],
    ['tenant-level', 'acme', '00ff00ff', 'events', 'acme/00ff00ff/events'],
    ['tenant-level', 'acme', '00ff00ff', 'config', 'acme/00ff00ff/config'],
    ['tenant-level', 't-1', 'deadbeef', 'config/reply', 't-1/deadbeef/config/reply'],
    ['tenant-level', 'a.b_c', 'deadbeef', 'alerts', 'a.b_c/deadbeef/alerts'],
  ] as Array<[TopicLayout, string, string, TopicKind, string]>)('%s: builds and parses back %s %s %s', (layout, tenant, id, kind, topic) => {
    const t = topicsFor(layout);
    expect(t.device(tenant, id, kind)).toBe(topic);
    expect(t.parse(topic)).toEqual({ tenant, deviceId: id, kind });
    expect(t.tenantOf(topic)).toBe(tenant);
    expect(topic.startsWith(t.tenantPrefix(tenant))).toBe(true);
  });

  it.each(['admin/attrs', ':x/attrs', 'admin:/attrs', 'admin:x/other', 'admin:x', 'admin:x/events/replay', 'admin/x/attrs'])('dojot rejects %s', (t) => {
    expect(dojot.parse(t)).toBeNull();
  });

  it.each([
    'admin:x/attrs',
    'admin/attrs',
    '/x/attrs',
    'admin//attrs',
    'admin/x/other',
    'admin/x/y/attrs',
    'admin/x/events/replay',
    'admin/gateway/refusals',
    // chargebridge's own topics are no tenant's device topics
    'chargebridge/private/config',
    'chargebridge/x/state',
  ])('tenant-level rejects %s', (t) => expect(level.parse(t)).toBeNull());

  it('never reads one layout as the other', () => {
    for (const kind of ['attrs', 'state', 'events', 'config', 'config/reply', 'alerts'] as const) {
      expect(level.parse(dojot.device('acme', 'deadbeef', kind))).toBeNull();
      expect(dojot.parse(level.device('acme', 'deadbeef', kind))).toBeNull();
    }
  });

  it.each([
    ['dojot', 'attrs', '+/attrs'],
    ['dojot', 'config', '+/config'],
    ['dojot', 'config/reply', '+/config/reply'],
    ['dojot', 'events/replay', '+/events/replay'],
    ['tenant-level', 'attrs', '+/+/attrs'],
    ['tenant-level', 'state', '+/+/state'],
    ['tenant-level', 'config', '+/+/config'],
    ['tenant-level', 'config/reply', '+/+/config/reply'],
  ] as Array<[TopicLayout, PublishedKind, string]>)('%s: every %s is %s', (layout, kind, filter) => expect(topicsFor(layout).every(kind)).toBe(filter));

  it('tenant filters, refusals and replays', () => {
    expect(level.ofTenant('acme', 'events/replay')).toBe('acme/+/events/replay');
    expect(level.ofTenant('acme', 'events/replay', 'deadbeef')).toBe('acme/deadbeef/events/replay');
    expect(dojot.ofTenant('acme', 'events/replay', 'deadbeef')).toBe('acme:deadbeef/events/replay');
    expect(dojot.device('acme', 'deadbeef', 'events/replay')).toBe('acme:deadbeef/events/replay');
    expect(dojot.refusals('admin')).toBe('admin:gateway/refusals');
    expect(level.refusals('admin')).toBe('admin/gateway/refusals');
  });

  it.each([
    ['dojot', 'admin:x/attrs', 'admin'],
    ['dojot', '+/attrs', null],
    ['dojot', '#', null],
    ['dojot', 'acme:+/state', 'acme'],
    ['dojot', 'acme/#', null],
    ['dojot', 'chargebridge/alerts/control', null],
    ['tenant-level', 'acme/#', 'acme'],
    ['tenant-level', 'acme/+/attrs', 'acme'],
    ['tenant-level', 'acme', 'acme'],
    ['tenant-level', '+/+/attrs', null],
    ['tenant-level', '+/#', null],
    ['tenant-level', '#', null],
    ['tenant-level', '$SYS/#', null],
    ['tenant-level', 'chargebridge/alerts/control', null],
    ['tenant-level', '/x/attrs', null],
  ] as Array<[TopicLayout, string, string | null]>)('%s: tenant of %s is %s', (layout, t, tenant) => expect(topicsFor(layout).tenantOf(t)).toBe(tenant));

  it('reserves chargebridge as a tenant in tenant-level only', () => {
    expect(level.tenantAllowed('chargebridge')).toBe(false);
    expect(level.tenantAllowed('acme')).toBe(true);
    expect(dojot.tenantAllowed('chargebridge')).toBe(true);
  });
});
