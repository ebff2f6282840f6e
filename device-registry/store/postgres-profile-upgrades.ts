/**
 * The PostgreSQL half of migration 10: security profile upgrades (contracts/security-profile-upgrade.ts).
 * One statement per write, its own committed transaction (postgres.ts).
 */
import type pg from 'pg';
import type { PgRead, PgWrite } from './postgres.ts';
import type { ProfileUpgradeStore } from '../../contracts/security-profile-upgrade.ts';
import { rows } from './postgres-deps.ts';
import type { UpgradeRow, PgColumns } from './rows.ts';

type Row = UpgradeRow<PgColumns>;
const { toUpgrade } = rows;

export function postgresProfileUpgrades(deps: { pool: pg.Pool; write: PgWrite; read: PgRead }): ProfileUpgradeStore {
  const { pool, write, read } = deps;
  return {
    async startSecurityProfileUpgrade(input) {
      // The foreign key orders this against a concurrent deleteDevice (migration 10): the insert
      // of a device deleted meanwhile fails (23503) and answers null, like one already gone.
      try {
        const r = await write(() =>
          pool.query<Row>(
            `INSERT INTO security_profile_upgrades (device_id, id, from_profile, to_profile, status, charger_status, reason, requested_at, updated_at, deadline)
             SELECT $1, $2, $3, $4, 'sending', NULL, NULL, now(), now(), $5 WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1)
             ON CONFLICT (device_id) DO UPDATE SET id = EXCLUDED.id, from_profile = EXCLUDED.from_profile, to_profile = EXCLUDED.to_profile, status = EXCLUDED.status,
               charger_status = NULL, reason = NULL, requested_at = EXCLUDED.requested_at, updated_at = EXCLUDED.updated_at, deadline = EXCLUDED.deadline
             RETURNING *`,
            [input.deviceId, input.id, input.fromProfile, input.toProfile, new Date(Date.parse(input.deadline)).toISOString()],
          ),
        );
        return r.rows[0] ? toUpgrade(r.rows[0]) : null;
      } catch (err) {
        if ((err as { code?: unknown }).code === '23503') return null;
        throw err;
      }
    },
    async getSecurityProfileUpgrade(deviceId) {
      const r = await read(() => pool.query<Row>('SELECT * FROM security_profile_upgrades WHERE device_id = $1', [deviceId]));
      return r.rows[0] ? toUpgrade(r.rows[0]) : null;
    },
    async finishSecurityProfileUpgrade(deviceId, id, from, outcome) {
      // One conditional UPDATE: its row lock orders the route and a gateway finishing at once.
      const r = await write(() =>
        pool.query<Row>(
          `UPDATE security_profile_upgrades SET status = $4,
             charger_status = CASE WHEN $5::boolean THEN $6 ELSE charger_status END,
             reason = CASE WHEN $7::boolean THEN $8 ELSE reason END, updated_at = now()
           WHERE device_id = $1 AND id = $2 AND status = ANY($3::text[]) RETURNING *`,
          [deviceId, id, [...from], outcome.status, outcome.chargerStatus !== undefined, outcome.chargerStatus ?? null, outcome.reason !== undefined, outcome.reason ?? null],
        ),
      );
      return r.rows[0] ? toUpgrade(r.rows[0]) : null;
    },
  };
}
