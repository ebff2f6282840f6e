import { describe, expect, it } from 'vitest';
import { mayPublish, mayReceive, maySubscribe, principal, sessionId, sessionMayReceive } from './acl.ts';

const acme = principal('acme', 'operator');
const reader = principal('acme', 'read-only');
const service = principal('admin', 'service');

describe('tenant ACL', () => {
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
  });
});

describe('sessions per tenant', () => {
  it('namespaces client ids by tenant, so tenants never share a session', () => {
    expect(sessionId(acme, 'x')).toBe('acme:x');
    expect(sessionId(principal('beta', 'read-only'), 'x')).toBe('beta:x');
    expect(sessionId(principal('beta', 'read-only'), 'acme:x')).toBe('beta:acme:x');
    expect(sessionId(service, 'x')).toBe('*:x');
  });

  it.each([
    ['acme:x', 'acme:d/attrs', true],
    ['acme:x', 'acmex:d/attrs', false],
    ['acme:x', 'acm:d/attrs', false],
    ['acme:x', 'other:d/attrs', false],
    ['acme:x', 'acme', false],
    ['acme:x', '$SYS/x/heartbeat', false],
    ['beta:acme:x', 'acme:d/attrs', false],
    ['*:x', 'other:d/attrs', true],
    ['*:x', '$SYS/x', true],
    ['nocolon', 'nocolon:d/attrs', false],
  ])('session %s may receive %s -> %s', (s, t, ok) => expect(sessionMayReceive(s, t)).toBe(ok));

  it('agrees with mayReceive for the session of a tenant client', () => {
    for (const topic of ['acme:d/attrs', 'acmex:d/attrs', 'other:d/state', 'acme:']) {
      expect(sessionMayReceive(sessionId(acme, 'c'), topic)).toBe(mayReceive(acme, topic));
    }
  });
});
