import { describe, expect, it } from 'vitest';
import { topicsFor } from '../contracts/topics.ts';
import { mayPublish, mayReceive, maySubscribe, principal, sessionId, sessionReceiver } from './acl.ts';

const dojot = topicsFor('dojot');
const level = topicsFor('tenant-level');
const EXTERNAL = { filtersDeliveries: false };

describe('tenant ACL, dojot layout', () => {
  const acme = principal('acme', 'operator', dojot);
  const reader = principal('acme', 'read-only', dojot);
  const service = principal('admin', 'service', dojot);

  it.each([
    ['acme:dev1/attrs', true],
    ['acme:+/state', true],
    ['+/attrs', true],
    ['#', true],
    ['other:dev1/attrs', false],
    ['other:+/#', false],
    ['$SYS/#', false],
    ['acmex:dev/attrs', false],
  ])('subscribe %s -> %s', (f, ok) => expect(maySubscribe(acme, f)).toBe(ok));

  it.each([
    ['acme:dev1/config', true],
    ['acme:dev1/attrs', false],
    ['acme:dev1/config/reply', false],
    ['other:dev1/config', false],
    ['acme:dev1/x/config', false],
    ['acme:/config', false],
  ])('publish %s -> %s', (t, ok) => expect(mayPublish(acme, t)).toBe(ok));

  it('read-only may not publish; service may do anything', () => {
    expect(mayPublish(reader, 'acme:dev1/config')).toBe(false);
    expect(mayPublish(service, 'other:dev/attrs')).toBe(true);
    expect(mayReceive(service, 'other:dev/attrs')).toBe(true);
  });

  it('forwards only the own tenant', () => {
    expect(mayReceive(acme, 'acme:d/attrs')).toBe(true);
    expect(mayReceive(acme, 'acmex:d/attrs')).toBe(false);
    expect(mayReceive(acme, 'other:d/attrs')).toBe(false);
    expect(mayReceive(acme, 'acme/d/attrs')).toBe(false);
  });

  it('without delivery filtering (EMQX), wildcard-first filters are refused', () => {
    expect(maySubscribe(acme, '+/attrs', EXTERNAL)).toBe(false);
    expect(maySubscribe(acme, '#', EXTERNAL)).toBe(false);
    expect(maySubscribe(acme, 'acme:dev1/attrs', EXTERNAL)).toBe(true);
  });
});

describe('tenant ACL, tenant-level layout', () => {
  const acme = principal('acme', 'operator', level);
  const reader = principal('acme', 'read-only', level);
  const service = principal('admin', 'service', level);
  const reserved = principal('chargebridge', 'admin', level);

  it.each([
    ['acme/dev1/attrs', true],
    ['acme/+/state', true],
    ['acme/#', true],
    ['acme/+/config/reply', true],
    ['+/+/attrs', true],
    ['+/#', true],
    ['#', true],
    ['other/dev1/attrs', false],
    ['other/#', false],
    ['acmex/#', false],
    ['acme:dev1/attrs', false],
    ['$SYS/#', false],
    ['$share/g/acme/#', false],
    ['chargebridge/#', false],
  ])('subscribe %s -> %s', (f, ok) => expect(maySubscribe(acme, f)).toBe(ok));

  it.each([
    ['acme/+/attrs', true],
    ['acme/#', true],
    ['+/+/attrs', false],
    ['+/#', false],
    ['#', false],
    ['other/#', false],
  ])('subscribe %s without delivery filtering (EMQX) -> %s', (f, ok) => expect(maySubscribe(acme, f, EXTERNAL)).toBe(ok));

  it.each([
    ['acme/dev1/config', true],
    ['acme/dev1/attrs', false],
    ['acme/dev1/config/reply', false],
    ['other/dev1/config', false],
    ['acme/dev1/x/config', false],
    ['acme//config', false],
    ['acme:dev1/config', false],
    ['chargebridge/private/acme/dev1/config', false],
  ])('publish %s -> %s', (t, ok) => expect(mayPublish(acme, t)).toBe(ok));

  it('read-only may not publish; service may do anything', () => {
    expect(mayPublish(reader, 'acme/dev1/config')).toBe(false);
    expect(maySubscribe(reader, 'acme/#')).toBe(true);
    expect(mayPublish(service, 'chargebridge/private/acme/dev1/config')).toBe(true);
    expect(maySubscribe(service, '$share/chargebridge-gateways/+/+/config')).toBe(true);
  });

  it('forwards only the own tenant: `#` and `+/#` get nothing of the others', () => {
    expect(mayReceive(acme, 'acme/d/attrs')).toBe(true);
    expect(mayReceive(acme, 'acme/gateway/refusals')).toBe(true);
    expect(mayReceive(acme, 'acmex/d/attrs')).toBe(false);
    expect(mayReceive(acme, 'other/d/attrs')).toBe(false);
    expect(mayReceive(acme, 'acme:d/attrs')).toBe(false);
    expect(mayReceive(acme, 'chargebridge/alerts/control')).toBe(false);
  });

  it('a reserved tenant (chargebridge) may do nothing, not even read its own level', () => {
    expect(maySubscribe(reserved, 'chargebridge/#')).toBe(false);
    expect(maySubscribe(reserved, '#')).toBe(false);
    expect(mayReceive(reserved, 'chargebridge/gateways/gw-1/commands')).toBe(false);
    expect(mayPublish(reserved, 'chargebridge/dev1/config')).toBe(false);
  });
});

describe('sessions per tenant', () => {
  const acme = principal('acme', 'operator', dojot);
  const service = principal('admin', 'service', dojot);

  it('namespaces client ids by tenant, so tenants never share a session (both layouts)', () => {
    expect(sessionId(acme, 'x')).toBe('acme:x');
    expect(sessionId(principal('acme', 'operator', level), 'x')).toBe('acme:x');
    expect(sessionId(principal('beta', 'read-only', dojot), 'x')).toBe('beta:x');
    expect(sessionId(principal('beta', 'read-only', dojot), 'acme:x')).toBe('beta:acme:x');
    expect(sessionId(service, 'x')).toBe('*:x');
  });

  it.each([
    ['acme:x', 'acme:d/attrs', true],
    ['acme:x', 'acmex:d/attrs', false],
    ['acme:x', 'acm:d/attrs', false],
    ['acme:x', 'other:d/attrs', false],
    ['acme:x', 'acme', false],
    ['acme:x', 'acme/d/attrs', false],
    ['acme:x', '$SYS/x/heartbeat', false],
    ['beta:acme:x', 'acme:d/attrs', false],
    ['*:x', 'other:d/attrs', true],
    ['*:x', '$SYS/x', true],
    ['nocolon', 'nocolon:d/attrs', false],
  ])('dojot: session %s may receive %s -> %s', (s, t, ok) => expect(sessionReceiver(dojot)(s, t)).toBe(ok));

  it.each([
    ['acme:x', 'acme/d/attrs', true],
    ['acme:x', 'acmex/d/attrs', false],
    ['acme:x', 'acm/d/attrs', false],
    ['acme:x', 'acme:d/attrs', false],
    ['acme:x', 'other/d/attrs', false],
    ['beta:acme:x', 'acme/d/attrs', false],
    ['chargebridge:x', 'chargebridge/private/acme/d/config', false],
    ['*:x', 'chargebridge/private/acme/d/config', true],
  ])('tenant-level: session %s may receive %s -> %s', (s, t, ok) => expect(sessionReceiver(level)(s, t)).toBe(ok));

  it('agrees with mayReceive for the session of a tenant client, in both layouts', () => {
    for (const topics of [dojot, level]) {
      const p = principal('acme', 'operator', topics);
      const receiver = sessionReceiver(topics);
      for (const topic of ['acme:d/attrs', 'acmex:d/attrs', 'other:d/state', 'acme:', 'acme/d/attrs', 'acmex/d/attrs', 'acme/']) {
        expect(receiver(sessionId(p, 'c'), topic)).toBe(mayReceive(p, topic));
      }
    }
  });
});
