import { describe, expect, it } from 'vitest';
import { deviceTopic, parseDeviceTopic, topicTenant } from './topics.ts';

describe('topics', () => {
  it.each([
    ['admin', 'a1b2c3d4', 'attrs', 'admin:a1b2c3d4/attrs'],
    ['acme', '00ff00ff', 'state', 'acme:00ff00ff/state'],
    ['t-1', 'deadbeef', 'config/reply', 't-1:deadbeef/config/reply'],
    ['acme', 'deadbeef', 'alerts', 'acme:deadbeef/alerts'],
  ] as const)('builds %s %s %s', (tenant, id, kind, topic) => {
    expect(deviceTopic(tenant, id, kind)).toBe(topic);
    expect(parseDeviceTopic(topic)).toEqual({ tenant, deviceId: id, kind });
  });

  it.each(['admin/attrs', ':x/attrs', 'admin:/attrs', 'admin:x/other', 'admin:x'])('rejects %s', (t) => {
    expect(parseDeviceTopic(t)).toBeNull();
  });

  it.each([
    ['admin:x/attrs', 'admin'],
    ['+/attrs', null],
    ['#', null],
    ['acme:+/state', 'acme'],
  ])('tenant of %s is %s', (t, tenant) => expect(topicTenant(t)).toBe(tenant));
});
