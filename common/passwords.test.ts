import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from './passwords.ts';

/**
 * A hash as hashSecret writes it, at a tenth of the cost (N 1024): each hashSecret or verify at
 * the real parameters (N 16384) costs ~100 ms of CPU, so the cases that only need *a* valid hash
 * use these, and hashSecret itself is checked at its own parameters below.
 */
function cheapHash(secret: string | Buffer, salt = Buffer.from('fedcba9876543210')): string {
  return `scrypt$1024$8$1$${salt.toString('base64')}$${scryptSync(secret, salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64')}`;
}

describe('secret hashing', () => {
  it('verifies the right secret only, with a fresh salt each time', async () => {
    const [h1, h2] = await Promise.all([hashSecret('s3cret-pass'), hashSecret('s3cret-pass')]);
    expect(h1).not.toBe(h2);
    expect(h1).not.toContain('s3cret-pass');
    expect(await verifySecret('s3cret-pass', h1)).toBe(true);
    expect(await verifySecret('wrong', h2)).toBe(false);
    const cheap = cheapHash('s3cret-pass');
    expect(await verifySecret(Buffer.from('s3cret-pass'), cheap)).toBe(true);
    expect(await verifySecret('s3cret-pass ', cheap)).toBe(false);
    expect(await verifySecret('', cheap)).toBe(false);
  });

  it('writes scrypt$N$r$p$salt$hash with a 16-byte salt', async () => {
    const h = await hashSecret('x');
    const [scheme, n, r, p, salt, hash] = h.split('$');
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
  });

  it('handles non-ASCII and empty secrets (a Buffer of the UTF-8 bytes matches the string)', async () => {
    const h = cheapHash('pässwörd-€');
    expect(await verifySecret(Buffer.from('pässwörd-€', 'utf8'), h)).toBe(true);
    expect(await verifySecret('pässwörd-€', cheapHash(Buffer.from('pässwörd-€', 'utf8')))).toBe(true);
    expect(await verifySecret('passwort-€', h)).toBe(false);
    expect(await verifySecret('', cheapHash(''))).toBe(true);
  });

  it('verifies hashes made with other parameters (they travel with the hash)', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('legacy', salt, 64, { N: 1024, r: 4, p: 2 });
    const stored = `scrypt$1024$4$2$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifySecret('legacy', stored)).toBe(true);
    expect(await verifySecret('Legacy', stored)).toBe(false);
  });

  const salt = Buffer.alloc(16, 1).toString('base64');
  const hash = Buffer.alloc(32, 2).toString('base64');
  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    ['other scheme', `bcrypt$16384$8$1$${salt}$${hash}`],
    ['too few fields', `scrypt$16384$8$${salt}$${hash}`],
    ['N not a power of two', `scrypt$1000$8$1$${salt}$${hash}`],
    ['N too large (memory exhaustion)', `scrypt$${2 ** 24}$8$1$${salt}$${hash}`],
    ['r too large', `scrypt$16384$1000$1$${salt}$${hash}`],
    ['non-numeric p', `scrypt$16384$8$x$${salt}$${hash}`],
    ['bad base64', `scrypt$16384$8$1$!!!$${hash}`],
    ['empty hash', `scrypt$16384$8$1$${salt}$`],
    ['short hash', `scrypt$16384$8$1$${salt}$${Buffer.alloc(4).toString('base64')}`],
  ])('answers false, never throws, for a malformed hash: %s', async (_, stored) => {
    await expect(verifySecret('anything', stored)).resolves.toBe(false);
  });
});
