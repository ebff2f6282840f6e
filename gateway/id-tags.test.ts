import { describe, expect, it } from 'vitest';
import { idTagInfo } from './id-tags.ts';

const now = new Date('2026-06-01T00:00:00Z');
const tag = (o: Partial<Parameters<typeof idTagInfo>[0] & object> = {}) => ({
  tenant: 'admin',
  idTag: 'NOA',
  status: 'Accepted' as const,
  expiryDate: null,
  parentIdTag: null,
  ...o,
});

describe('idTagInfo', () => {
  it.each([
    [null, true, { status: 'Accepted' }],
    [null, false, { status: 'Invalid' }],
    [tag(), false, { status: 'Accepted' }],
    [tag({ status: 'Blocked' }), true, { status: 'Blocked' }],
    [tag({ expiryDate: '2026-01-01T00:00:00.000Z' }), true, { status: 'Expired', expiryDate: '2026-01-01T00:00:00.000Z' }],
    [tag({ expiryDate: '2027-01-01T00:00:00.000Z', parentIdTag: 'FLEET' }), true, { status: 'Accepted', expiryDate: '2027-01-01T00:00:00.000Z', parentIdTag: 'FLEET' }],
  ])('%o (acceptUnknown %s) -> %o', (t, acceptUnknown, expected) => {
    expect(idTagInfo(t, now, acceptUnknown)).toEqual(expected);
  });
});
