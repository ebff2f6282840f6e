/** Device templates on PostgreSQL (migration 2): per tenant, label unique per tenant. */
import { newDeviceId } from '../ids.ts';
import { ANY_ID, TEMPLATE_KEYS, Where } from './helpers.ts';
import { duplicate, rows, type PgDeps } from './postgres-deps.ts';
import type { PgColumns, TemplateRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Templates = Pick<RegistryStore, 'createTemplate' | 'getTemplate' | 'listTemplates' | 'updateTemplate' | 'deleteTemplate'>;
type Row = TemplateRow<PgColumns>;

export function postgresTemplates(deps: PgDeps): Templates {
  const { write, read, one, changed, page } = deps;
  const { toTemplate } = rows;
  /** A write whose unique violation becomes StoreError DUPLICATE. */
  const unique = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await write(fn);
    } catch (err) {
      throw duplicate(err, TEMPLATE_KEYS, ANY_ID) ?? err;
    }
  };
  return {
    async createTemplate(t) {
      const row = await unique(() => one<Row>('INSERT INTO templates (id, tenant, label, attrs) VALUES ($1, $2, $3, $4::jsonb) RETURNING *', [t.id ?? newDeviceId(), t.tenant, t.label, JSON.stringify(t.attrs)]));
      return toTemplate(row!);
    },
    async getTemplate(tenant, id) {
      const row = await read(() => one<Row>('SELECT * FROM templates WHERE tenant = $1 AND id = $2', [tenant, id]));
      return row ? toTemplate(row) : null;
    },
    async listTemplates(tenant, p = {}) {
      const found = await page<Row>('templates', new Where(true).add('tenant = ?', tenant), 'created_at, id', p.limit ?? null, p.offset ?? 0);
      return { items: found.rows.map(toTemplate), total: found.total };
    },
    async updateTemplate(tenant, id, patch) {
      const row = await unique(() =>
        one<Row>('UPDATE templates SET label = COALESCE($3, label), attrs = COALESCE($4::jsonb, attrs), updated_at = now() WHERE tenant = $1 AND id = $2 RETURNING *', [
          tenant,
          id,
          patch.label ?? null,
          patch.attrs ? JSON.stringify(patch.attrs) : null,
        ]),
      );
      return row ? toTemplate(row) : null;
    },
    async deleteTemplate(tenant, id) {
      return changed('DELETE FROM templates WHERE tenant = $1 AND id = $2', [tenant, id]);
    },
  };
}
