/**
 * The PostgreSQL half of migration 2: API tokens, templates, and the ID-tag list/delete.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { newDeviceId } from '../ids.ts';
import type { PgRead, PgWrite } from './postgres.ts';
import { StoreError, type ApiToken, type IdTag, type Template, type TemplateAttr } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

type Extras = Pick<RegistryStore, 'listIdTags' | 'deleteIdTag' | 'createToken' | 'findTokenByDigest' | 'listTokens' | 'deleteToken' | 'touchToken' | 'createTemplate' | 'getTemplate' | 'listTemplates' | 'updateTemplate' | 'deleteTemplate'>;

interface TokenRow { id: string; tenant: string; role: ApiToken['role']; label: string; digest: string; created_at: Date; expires_at: Date | null; last_used_at: Date | null }
interface TemplateRow { id: string; tenant: string; label: string; attrs: TemplateAttr[]; created_at: Date; updated_at: Date }
interface IdTagRow { tenant: string; id_tag: string; status: IdTag['status']; expiry_date: Date | null; parent_id_tag: string | null }

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  tenant: r.tenant,
  role: r.role,
  label: r.label,
  digest: r.digest,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at?.toISOString() ?? null,
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
});
const toTemplate = (r: TemplateRow): Template => ({ id: r.id, tenant: r.tenant, label: r.label, attrs: r.attrs, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() });
const toIdTag = (r: IdTagRow): IdTag => ({ tenant: r.tenant, idTag: r.id_tag, status: r.status, expiryDate: r.expiry_date?.toISOString() ?? null, parentIdTag: r.parent_id_tag });

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code !== '23505') throw err;
    if (e.constraint === 'api_tokens_digest_key') throw new StoreError('DUPLICATE', 'a token with this digest exists', 'digest');
    if (e.constraint === 'templates_tenant_label_key') throw new StoreError('DUPLICATE', 'a template with this label exists', 'label');
    throw new StoreError('DUPLICATE', 'this id exists', 'id');
  }
}

/** Every write is one statement (its own committed transaction), through `write`. */
export function postgresExtras(deps: { pool: pg.Pool; write: PgWrite; read: PgRead }): Extras {
  const { pool, write, read } = deps;
  const rows = async <R>(text: string, params: unknown[]) => (await pool.query(text, params)).rows as R[];
  const changed = async (text: string, params: unknown[]) => ((await write(() => pool.query(text, params))).rowCount ?? 0) > 0;
  return {
    async listIdTags(tenant, p = {}) {
      const n = (await read(() => rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM id_tags WHERE tenant = $1', [tenant])))[0]!.n;
      const items = await read(() => rows<IdTagRow>('SELECT * FROM id_tags WHERE tenant = $1 ORDER BY lower(id_tag) LIMIT $2 OFFSET $3', [tenant, p.limit ?? null, p.offset ?? 0]));
      return { items: items.map(toIdTag), total: n };
    },
    async deleteIdTag(tenant, idTag) {
      return changed('DELETE FROM id_tags WHERE tenant = $1 AND lower(id_tag) = lower($2)', [tenant, idTag]);
    },
    async createToken(t) {
      const [r] = await write(() =>
        guarded(() =>
          rows<TokenRow>('INSERT INTO api_tokens (id, tenant, role, label, digest, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', [t.id ?? randomBytes(6).toString('hex'), t.tenant, t.role, t.label ?? '', t.digest, t.expiresAt ?? null]),
        ),
      );
      return toToken(r!);
    },
    async findTokenByDigest(digest) {
      const [r] = await read(() => rows<TokenRow>('SELECT * FROM api_tokens WHERE digest = $1', [digest]));
      return r ? toToken(r) : null;
    },
    async listTokens(tenant) {
      return (await read(() => rows<TokenRow>('SELECT * FROM api_tokens WHERE tenant = $1 ORDER BY created_at, id', [tenant]))).map(toToken);
    },
    async deleteToken(tenant, id) {
      return changed('DELETE FROM api_tokens WHERE tenant = $1 AND id = $2', [tenant, id]);
    },
    async touchToken(id, at) {
      // Never backwards: two processes touching at once keep the later time.
      await changed('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [id, at]);
    },
    async createTemplate(t) {
      const [r] = await write(() =>
        guarded(() => rows<TemplateRow>('INSERT INTO templates (id, tenant, label, attrs) VALUES ($1, $2, $3, $4::jsonb) RETURNING *', [t.id ?? newDeviceId(), t.tenant, t.label, JSON.stringify(t.attrs)])),
      );
      return toTemplate(r!);
    },
    async getTemplate(tenant, id) {
      const [r] = await read(() => rows<TemplateRow>('SELECT * FROM templates WHERE tenant = $1 AND id = $2', [tenant, id]));
      return r ? toTemplate(r) : null;
    },
    async listTemplates(tenant, p = {}) {
      const n = (await read(() => rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM templates WHERE tenant = $1', [tenant])))[0]!.n;
      const items = await read(() => rows<TemplateRow>('SELECT * FROM templates WHERE tenant = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3', [tenant, p.limit ?? null, p.offset ?? 0]));
      return { items: items.map(toTemplate), total: n };
    },
    async updateTemplate(tenant, id, patch) {
      const [r] = await write(() =>
        guarded(() =>
          rows<TemplateRow>('UPDATE templates SET label = COALESCE($3, label), attrs = COALESCE($4::jsonb, attrs), updated_at = now() WHERE tenant = $1 AND id = $2 RETURNING *', [tenant, id, patch.label ?? null, patch.attrs ? JSON.stringify(patch.attrs) : null]),
        ),
      );
      return r ? toTemplate(r) : null;
    },
    async deleteTemplate(tenant, id) {
      return changed('DELETE FROM templates WHERE tenant = $1 AND id = $2', [tenant, id]);
    },
  };
}
