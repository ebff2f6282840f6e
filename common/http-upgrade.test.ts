import { describe, expect, it } from 'vitest';
import { requestPath } from './http-upgrade.ts';

describe('requestPath', () => {
  it.each([
    ['/ocpp/CP1', '/ocpp/CP1'],
    ['/ocpp/CP1?x=1#f', '/ocpp/CP1'],
    // RFC 9112 §3.2.1 origin-form is an absolute-path: empty segments are allowed, so these are
    // paths (their last segment is the identity), not authorities as `new URL` would read them.
    ['//host:99999/CP1', '//host:99999/CP1'],
    ['//[', '//['],
    // §3.2.2 absolute-form (sent to proxies): the path after the authority.
    ['ws://gateway.example:9000/ocpp/CP1', '/ocpp/CP1'],
    ['http://h', '/'],
    [undefined, '/'],
  ])('%j -> %j', (target, path) => expect(requestPath(target)).toBe(path));
});
