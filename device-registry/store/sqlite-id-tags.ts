/** ID tags (OCPP 1.6 §7.28 IdTagInfo) on SQLite: migration 1, with 2's list and delete. */
import { utc, Where } from './helpers.ts';
import { returning, rows, type SqliteDeps } from './sqlite-deps.ts';
import type { IdTagRow, SqliteColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type IdTags = Pick<RegistryStore, 'getIdTag' | 'upsertIdTag' | 'listIdTags' | 'deleteIdTag'>;
type Row = IdTagRow<SqliteColumns>;

export function sqliteIdTags(deps: SqliteDeps): IdTags {
  const { sql, write, read, page } = deps;
  const { toIdTag } = rows;
  return {
    async getIdTag(tenant, idTag) {
      const row = await read(() => sql('SELECT * FROM id_tags WHERE tenant = ? AND id_tag = ?').get(tenant, idTag) as Row | undefined);
      return row ? toIdTag(row) : null;
    },
    async upsertIdTag(tag) {
      const expiry = tag.expiryDate === null ? null : utc(tag.expiryDate, 'expiryDate');
      const row = await write(() =>
        returning<Row>(
          sql(
            `INSERT INTO id_tags (tenant, id_tag, status, expiry_date, parent_id_tag) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (tenant, id_tag) DO UPDATE SET
               id_tag = excluded.id_tag, status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag
             RETURNING *`,
          ),
          tag.tenant,
          tag.idTag,
          tag.status,
          expiry,
          tag.parentIdTag,
        ),
      );
      return toIdTag(row!);
    },
    async listIdTags(tenant, p = {}) {
      const found = await page<Row>('id_tags', new Where(false).add('tenant = ?', tenant), 'id_tag', p.limit ?? null, p.offset ?? 0);
      return { items: found.rows.map(toIdTag), total: found.total };
    },
    async deleteIdTag(tenant, idTag) {
      return write(() => sql('DELETE FROM id_tags WHERE tenant = ? AND id_tag = ?').run(tenant, idTag).changes > 0);
    },
  };
}
