/** Device templates on SQLite (migration 2): per tenant, label unique per tenant. */
import { newDeviceId } from '../ids.ts';
import { ANY_ID, TEMPLATE_KEYS, Where } from './helpers.ts';
import { duplicate, returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { SqliteColumns, TemplateRow } from './rows.ts';
import type { RegistryStore } from './types.ts';

type Templates = Pick<RegistryStore, 'createTemplate' | 'getTemplate' | 'listTemplates' | 'updateTemplate' | 'deleteTemplate'>;
type Row = TemplateRow<SqliteColumns>;

export function sqliteTemplates(deps: SqliteDeps): Templates {
  const { sql, write, read, page } = deps;
  const { toTemplate } = rows;
  /** Inside a write: a unique violation becomes StoreError DUPLICATE (and rolls the transaction back). */
  const unique = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw duplicate(err, TEMPLATE_KEYS, ANY_ID) ?? err;
    }
  };
  return {
    async createTemplate(t) {
      const now = new Date().toISOString();
      const params = [t.id ?? newDeviceId(), t.tenant, t.label, JSON.stringify(t.attrs), now, now];
      const row = await write(() => unique(() => returning<Row>(sql('INSERT INTO templates (id, tenant, label, attrs, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *'), ...params)));
      return toTemplate(row!);
    },
    async getTemplate(tenant, id) {
      const row = await read(() => sql('SELECT * FROM templates WHERE tenant = ? AND id = ?').get(tenant, id) as Row | undefined);
      return row ? toTemplate(row) : null;
    },
    async listTemplates(tenant, p = {}) {
      const found = await page<Row>('templates', new Where(false).add('tenant = ?', tenant), 'created_at, id', p.limit ?? null, p.offset ?? 0);
      return { items: found.rows.map(toTemplate), total: found.total };
    },
    async updateTemplate(tenant, id, patch) {
      // One statement: atomic; COALESCE keeps what the patch leaves out.
      const params = [patch.label ?? null, patch.attrs ? JSON.stringify(patch.attrs) : null, new Date().toISOString(), tenant, id];
      const row = await write(() =>
        unique(() => returning<Row>(sql('UPDATE templates SET label = COALESCE(?, label), attrs = COALESCE(?, attrs), updated_at = ? WHERE tenant = ? AND id = ? RETURNING *'), ...params)),
      );
      return row ? toTemplate(row) : null;
    },
    async deleteTemplate(tenant, id) {
      return write(() => sql('DELETE FROM templates WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0);
    },
  };
}
