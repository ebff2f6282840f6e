/** API tokens on SQLite (migration 2, with 5's expiry and last use). */
import { randomBytes } from 'node:crypto';
import { ANY_ID, TOKEN_KEYS } from './helpers.ts';
import { duplicate, returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { SqliteColumns, TokenRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Tokens = Pick<RegistryStore, 'createToken' | 'findTokenByDigest' | 'listTokens' | 'deleteToken' | 'touchToken'>;
type Row = TokenRow<SqliteColumns>;

export function sqliteTokens(deps: SqliteDeps): Tokens {
  const { sql, write, read } = deps;
  const { toToken } = rows;
  return {
    async createToken(t) {
      const expires = t.expiresAt ? new Date(t.expiresAt).toISOString() : null;
      const params = [t.id ?? randomBytes(6).toString('hex'), t.tenant, t.role, t.label ?? '', t.digest, new Date().toISOString(), expires];
      const row = await write(() => {
        try {
          return returning<Row>(sql('INSERT INTO api_tokens (id, tenant, role, label, digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *'), ...params);
        } catch (err) {
          throw duplicate(err, TOKEN_KEYS, ANY_ID) ?? err;
        }
      });
      return toToken(row!);
    },
    async findTokenByDigest(digest) {
      const row = await read(() => sql('SELECT * FROM api_tokens WHERE digest = ?').get(digest) as Row | undefined);
      return row ? toToken(row) : null;
    },
    async listTokens(tenant) {
      return (await read(() => sql('SELECT * FROM api_tokens WHERE tenant = ? ORDER BY created_at, id').all(tenant) as Row[])).map(toToken);
    },
    async deleteToken(tenant, id) {
      return write(() => sql('DELETE FROM api_tokens WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },
    async touchToken(id, at) {
      // Never backwards: two processes touching at once keep the later time.
      const iso = new Date(at).toISOString();
      await write(() => sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(iso, id, iso));
    },
  };
}
