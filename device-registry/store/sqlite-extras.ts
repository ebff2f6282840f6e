/**
 * The SQLite half of migration 2: API tokens, templates, and the ID-tag list/delete. Kept apart
 * from sqlite.ts so each file stays readable; both are one store, with the same rules: writes
 * through `write` (one checked transaction each), RETURNING rows through `returning()`.
 */
import { randomBytes } from 'node:crypto';
import { isUniqueViolation, type Statement } from '../../common/sqlite.ts';
import { newDeviceId } from '../ids.ts';
import { StoreError, type ApiToken, type IdTag, type Template, type TemplateAttr } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

/** Runs a function in one BEGIN IMMEDIATE transaction, through the storage guard. */
export type SqliteWrite = <T>(fn: () => T) => Promise<T>;
/** Runs a read through the storage guard (its storage errors become StoreError UNAVAILABLE). */
export type SqliteRead = <T>(fn: () => T) => Promise<T>;

/**
 * The rows of a statement with RETURNING, run to completion with `.all()` (never `.get()`: see
 * the top of sqlite.ts); the first one, for the single-row writes here.
 */
export function returning<R>(statement: Statement, ...params: unknown[]): R | undefined {
  return statement.all(...params)[0] as R | undefined;
}

type Extras = Pick<RegistryStore, 'listIdTags' | 'deleteIdTag' | 'createToken' | 'findTokenByDigest' | 'listTokens' | 'deleteToken' | 'touchToken' | 'createTemplate' | 'getTemplate' | 'listTemplates' | 'updateTemplate' | 'deleteTemplate'>;

interface TokenRow { id: string; tenant: string; role: ApiToken['role']; label: string; digest: string; created_at: string; expires_at: string | null; last_used_at: string | null }
interface TemplateRow { id: string; tenant: string; label: string; attrs: string; created_at: string; updated_at: string }
interface IdTagRow { tenant: string; id_tag: string; status: IdTag['status']; expiry_date: string | null; parent_id_tag: string | null }

const toToken = (r: TokenRow): ApiToken => ({ id: r.id, tenant: r.tenant, role: r.role, label: r.label, digest: r.digest, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at });
const toTemplate = (r: TemplateRow): Template => ({ id: r.id, tenant: r.tenant, label: r.label, attrs: JSON.parse(r.attrs) as TemplateAttr[], createdAt: r.created_at, updatedAt: r.updated_at });
const toIdTag = (r: IdTagRow): IdTag => ({ tenant: r.tenant, idTag: r.id_tag, status: r.status, expiryDate: r.expiry_date, parentIdTag: r.parent_id_tag });

function dup(err: unknown): StoreError | null {
  if (!isUniqueViolation(err)) return null;
  const e = err as { message?: unknown };
  const m = String(e.message);
  if (m.includes('api_tokens.digest')) return new StoreError('DUPLICATE', 'a token with this digest exists', 'digest');
  if (m.includes('templates.label')) return new StoreError('DUPLICATE', 'a template with this label exists', 'label');
  return new StoreError('DUPLICATE', 'this id exists', 'id');
}

/** Inside a write: a unique violation becomes StoreError DUPLICATE (and rolls the transaction back). */
function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw dup(err) ?? err;
  }
}

export function sqliteExtras(deps: { sql: (text: string) => Statement; write: SqliteWrite; read: SqliteRead }): Extras {
  const { sql, write, read } = deps;
  const page = (limit?: number, offset?: number) => [limit ?? -1, offset ?? 0];
  return {
    async listIdTags(tenant, p = {}) {
      return read(() => {
        const total = (sql('SELECT COUNT(*) AS n FROM id_tags WHERE tenant = ?').get(tenant) as { n: number }).n;
        const rows = sql('SELECT * FROM id_tags WHERE tenant = ? ORDER BY id_tag LIMIT ? OFFSET ?').all(tenant, ...page(p.limit, p.offset)) as IdTagRow[];
        return { items: rows.map(toIdTag), total };
      });
    },
    async deleteIdTag(tenant, idTag) {
      return write(() => sql('DELETE FROM id_tags WHERE tenant = ? AND id_tag = ?').run(tenant, idTag).changes > 0);
    },
    async createToken(t) {
      const expires = t.expiresAt ? new Date(t.expiresAt).toISOString() : null;
      const params = [t.id ?? randomBytes(6).toString('hex'), t.tenant, t.role, t.label ?? '', t.digest, new Date().toISOString(), expires];
      const row = await write(() => run(() => returning<TokenRow>(sql('INSERT INTO api_tokens (id, tenant, role, label, digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *'), ...params)));
      return toToken(row!);
    },
    async findTokenByDigest(digest) {
      const row = await read(() => sql('SELECT * FROM api_tokens WHERE digest = ?').get(digest) as TokenRow | undefined);
      return row ? toToken(row) : null;
    },
    async listTokens(tenant) {
      return (await read(() => sql('SELECT * FROM api_tokens WHERE tenant = ? ORDER BY created_at, id').all(tenant) as TokenRow[])).map(toToken);
    },
    async deleteToken(tenant, id) {
      return write(() => sql('DELETE FROM api_tokens WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },
    async touchToken(id, at) {
      // Never backwards: two processes touching at once keep the later time.
      await write(() => sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(new Date(at).toISOString(), id, new Date(at).toISOString()));
    },
    async createTemplate(t) {
      const now = new Date().toISOString();
      const params = [t.id ?? newDeviceId(), t.tenant, t.label, JSON.stringify(t.attrs), now, now];
      const row = await write(() => run(() => returning<TemplateRow>(sql('INSERT INTO templates (id, tenant, label, attrs, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *'), ...params)));
      return toTemplate(row!);
    },
    async getTemplate(tenant, id) {
      const row = await read(() => sql('SELECT * FROM templates WHERE tenant = ? AND id = ?').get(tenant, id) as TemplateRow | undefined);
      return row ? toTemplate(row) : null;
    },
    async listTemplates(tenant, p = {}) {
      return read(() => {
        const total = (sql('SELECT COUNT(*) AS n FROM templates WHERE tenant = ?').get(tenant) as { n: number }).n;
        const rows = sql('SELECT * FROM templates WHERE tenant = ? ORDER BY created_at, id LIMIT ? OFFSET ?').all(tenant, ...page(p.limit, p.offset)) as TemplateRow[];
        return { items: rows.map(toTemplate), total };
      });
    },
    async updateTemplate(tenant, id, patch) {
      // One statement: atomic; COALESCE keeps what the patch leaves out.
      const params = [patch.label ?? null, patch.attrs ? JSON.stringify(patch.attrs) : null, new Date().toISOString(), tenant, id];
      const row = await write(() =>
        run(() => returning<TemplateRow>(sql('UPDATE templates SET label = COALESCE(?, label), attrs = COALESCE(?, attrs), updated_at = ? WHERE tenant = ? AND id = ? RETURNING *'), ...params)),
      );
      return row ? toTemplate(row) : null;
    },
    async deleteTemplate(tenant, id) {
      return write(() => sql('DELETE FROM templates WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },
  };
}
