/**
 * The admin API token (interface.md: API_TOKEN, or generated, stored and printed once on first
 * start). API tokens are 32 random bytes, so a SHA-256 digest is a safe stored form and lets a
 * token be checked in constant time without a slow KDF on every MQTT CONNECT.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';

export function tokenDigest(token: string | Buffer): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newToken(): string {
  return `cb_${randomBytes(32).toString('base64url')}`;
}

export interface AdminToken {
  /** The token generated on this start (to print once), or null. */
  generated: string | null;
  verify(token: string | Buffer): boolean;
}

export async function createAdminToken(deps: { config: Config; log: Logger; dataDir: string }): Promise<AdminToken> {
  const { config } = deps;
  let digest: Buffer;
  let generated: string | null = null;
  if (config.API_TOKEN) {
    digest = tokenDigest(config.API_TOKEN);
  } else {
    const file = path.join(deps.dataDir, 'admin-token.sha256');
    if (existsSync(file)) {
      digest = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    } else {
      generated = newToken();
      digest = tokenDigest(generated);
      mkdirSync(deps.dataDir, { recursive: true });
      writeFileSync(file, digest.toString('hex') + '\n', { mode: 0o600 });
    }
  }
  const verify = (token: string | Buffer) => timingSafeEqual(tokenDigest(token), digest);
  return {
    generated,
    verify,
  };
}
