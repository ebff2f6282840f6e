/**
 * ID tags (OCPP 1.6 §7.28 IdTagInfo) on PostgreSQL: migration 1, with 2's list and delete.
 * An IdToken is case-insensitive (§7.28): every lookup goes through lower(), as the id_tags_key
 * index does.
 */
import { utc, Where } from './helpers.ts';
import { rows, type PgDeps } from './postgres-deps.ts';
import type { IdTagRow, PgColumns } from './rows.ts';
import type { RegistryStore } from './types.ts';

type IdTags = Pick<RegistryStore, 'getIdTag' | 'upsertIdTag' | 'listIdTags' | 'deleteIdTag'>;
type Row = IdTagRow<PgColumns>;

export function postgresIdTags(deps: PgDeps): IdTags {
  const { write, read, one, changed, page } = deps;
  const { toIdTag } = rows;
  return {
    async getIdTag(tenant, idTag) {
      // lower(): OCPP 1.6 §7.28, an IdToken is case-insensitive (matches the id_tags_key index).
      const row = await read(() => one<Row>('SELECT * FROM id_tags WHERE tenant = $1 AND lower(id_tag) = lower($2)', [tenant, idTag]));
      return row ? toIdTag(row) : null;
    },
    async upsertIdTag(tag) {
      const params = [tag.tenant, tag.idTag, tag.status, tag.expiryDate === null ? null : utc(tag.expiryDate, 'expiryDate'), tag.parentIdTag];
      const row = await write(() =>
        one<Row>(
          `INSERT INTO id_tags (tenant, id_tag, status, expiry_date, parent_id_tag) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant, (lower(id_tag))) DO UPDATE SET
             id_tag = EXCLUDED.id_tag, status = EXCLUDED.status, expiry_date = EXCLUDED.expiry_date, parent_id_tag = EXCLUDED.parent_id_tag
           RETURNING *`,
          params,
        ),
      );
      return toIdTag(row!);
    },
    async listIdTags(tenant, p = {}) {
      const found = await page<Row>('id_tags', new Where(true).add('tenant = ?', tenant), 'lower(id_tag)', p.limit ?? null, p.offset ?? 0);
      return { items: found.rows.map(toIdTag), total: found.total };
    },
    async deleteIdTag(tenant, idTag) {
      return changed('DELETE FROM id_tags WHERE tenant = $1 AND lower(id_tag) = lower($2)', [tenant, idTag]);
    },
  };
}
