/** API tokens on PostgreSQL (migration 2, with 5's expiry and last use). */
import { randomBytes } from 'node:crypto';
import { ANY_ID, TOKEN_KEYS } from './helpers.ts';
import { duplicate, rows, type PgDeps } from './postgres-deps.ts';
import type { PgColumns, TokenRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Tokens = Pick<RegistryStore, 'createToken' | 'findTokenByDigest' | 'listTokens' | 'deleteToken' | 'touchToken'>;
type Row = TokenRow<PgColumns>;

export function postgresTokens(deps: PgDeps): Tokens {
  const { write, read, one, all, changed } = deps;
  const { toToken } = rows;
  return {
    async createToken(t) {
      const params = [t.id ?? randomBytes(6).toString('hex'), t.tenant, t.role, t.label ?? '', t.digest, t.expiresAt ?? null];
      try {
        const row = await write(() => one<Row>('INSERT INTO api_tokens (id, tenant, role, label, digest, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', params));
        return toToken(row!);
      } catch (err) {
        throw duplicate(err, TOKEN_KEYS, ANY_ID) ?? err;
      }
    },
    async findTokenByDigest(digest) {
      const row = await read(() => one<Row>('SELECT * FROM api_tokens WHERE digest = $1', [digest]));
      return row ? toToken(row) : null;
    },
    async listTokens(tenant) {
      return (await read(() => all<Row>('SELECT * FROM api_tokens WHERE tenant = $1 ORDER BY created_at, id', [tenant]))).map(toToken);
    },
    async deleteToken(tenant, id) {
      return changed('DELETE FROM api_tokens WHERE tenant = $1 AND id = $2', [tenant, id]);
    },
    async touchToken(id, at) {
      // Never backwards: two processes touching at once keep the later time.
      await changed('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [id, at]);
    },
  };
}
