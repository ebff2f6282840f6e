/**
 * Low-entropy secrets (OCPP Basic-auth passwords, security profile 1) are stored as scrypt
 * hashes: salted, memory-hard, compared in constant time.
 *
 * Format: `scrypt$N$r$p$salt_b64$hash_b64` (standard base64). The parameters travel with the
 * hash, so raising them later leaves existing hashes verifiable.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** 2^14, r=8, p=1: 16 MiB and some tens of ms per hash (the RFC 7914 interactive-login setting). */
const N = 16384;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Bounds on what a stored hash may ask for, so a corrupt or hostile row cannot exhaust memory. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/**
 * scrypt runs on libuv's thread pool (4 threads by default), which file I/O shares: the
 * telemetry journal's fsync among it. A burst of handshakes with passwords (a reconnection storm,
 * or someone guessing passwords) must not take every thread for seconds, so at most
 * SCRYPT_CONCURRENCY hashes run at once; up to SCRYPT_QUEUE more wait, and past that the caller
 * is told to retry (the handshake answers 503) instead of queueing without bound.
 */
const SCRYPT_CONCURRENCY = 2;
const SCRYPT_QUEUE = 512;
let running = 0;
const waiting: Array<() => void> = [];

export class HashingBusyError extends Error {
  readonly code = 'HASHING_BUSY';
  constructor() {
    super('too many password checks in progress; retry');
  }
}

async function slot(): Promise<void> {
  if (running < SCRYPT_CONCURRENCY) {
    running++;
    return;
  }
  if (waiting.length >= SCRYPT_QUEUE) throw new HashingBusyError();
  // The slot is handed over by release(): running stays counted.
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

async function scrypt(secret: string | Buffer, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  await slot();
  try {
    return await new Promise((resolve, reject) => scryptCb(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
  } finally {
    release();
  }
}

/** scrypt needs about 128 * N * r bytes; node's default cap (32 MiB) is too low for larger N. */
const maxmem = (n: number, r: number) => 256 * n * r;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(secret, salt, KEY_BYTES, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DIGITS = /^[1-9][0-9]{0,9}$/;

function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (!DIGITS.test(n) || !DIGITS.test(r) || !DIGITS.test(p) || !BASE64.test(salt) || !BASE64.test(hash)) return null;
  const parsed = { n: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  // N must be a power of two above 1.
  if (parsed.n < 2 || parsed.n > MAX_N || (parsed.n & (parsed.n - 1)) !== 0) return null;
  if (parsed.r > MAX_R || parsed.p > MAX_P) return null;
  if (parsed.salt.length < 8 || parsed.hash.length < 16) return null;
  return parsed;
}

/**
 * True when `secret` matches `stored`; false for a wrong secret or a malformed hash (never throws
 * on bad input). Throws HashingBusyError when too many checks are already waiting.
 */
export async function verifySecret(secret: string | Buffer, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  let actual: Buffer;
  try {
    actual = await scrypt(secret, h.salt, h.hash.length, { N: h.n, r: h.r, p: h.p, maxmem: maxmem(h.n, h.r) });
  } catch (err) {
    if (err instanceof HashingBusyError) throw err;
    return false;
  }
  return timingSafeEqual(actual, h.hash);
}
