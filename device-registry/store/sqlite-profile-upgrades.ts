/**
 * The SQLite half of migration 10: security profile upgrades (contracts/security-profile-upgrade.ts).
 * Same rules as sqlite.ts: writes in one checked transaction through `write`.
 */
import type { Statement } from '../../common/sqlite.ts';
import type { SqliteRead, SqliteWrite } from './sqlite-deps.ts';
import type { ProfileUpgradeStore } from '../../contracts/security-profile-upgrade.ts';
import { rows } from './sqlite-deps.ts';
import type { UpgradeRow, SqliteColumns } from './rows.ts';

type Row = UpgradeRow<SqliteColumns>;
const { toUpgrade } = rows;

export function sqliteProfileUpgrades(deps: { sql: (text: string) => Statement; write: SqliteWrite; read: SqliteRead }): ProfileUpgradeStore {
  const { sql, write, read } = deps;
  const get = (deviceId: string) => sql('SELECT * FROM security_profile_upgrades WHERE device_id = ?').get(deviceId) as Row | undefined;
  return {
    async startSecurityProfileUpgrade(input) {
      const now = new Date().toISOString();
      const deadline = new Date(Date.parse(input.deadline)).toISOString();
      return write(() => {
        // The device must exist in the same transaction (SQLite writes are serialized: no row
        // outlives its device, deleteDevice removes it).
        if (!sql('SELECT 1 FROM devices WHERE id = ?').get(input.deviceId)) return null;
        sql(
          `INSERT INTO security_profile_upgrades (device_id, id, from_profile, to_profile, status, charger_status, reason, requested_at, updated_at, deadline)
           VALUES (@deviceId, @id, @fromProfile, @toProfile, 'sending', NULL, NULL, @now, @now, @deadline)
           ON CONFLICT (device_id) DO UPDATE SET id = excluded.id, from_profile = excluded.from_profile, to_profile = excluded.to_profile, status = excluded.status,
             charger_status = NULL, reason = NULL, requested_at = excluded.requested_at, updated_at = excluded.updated_at, deadline = excluded.deadline`,
        ).run({ deviceId: input.deviceId, id: input.id, fromProfile: input.fromProfile, toProfile: input.toProfile, now, deadline });
        return toUpgrade(get(input.deviceId)!);
      });
    },
    async getSecurityProfileUpgrade(deviceId) {
      const r = await read(() => get(deviceId));
      return r ? toUpgrade(r) : null;
    },
    async finishSecurityProfileUpgrade(deviceId, id, from, outcome) {
      const now = new Date().toISOString();
      return write(() => {
        const cur = get(deviceId);
        if (!cur || cur.id !== id || !from.includes(cur.status)) return null;
        sql('UPDATE security_profile_upgrades SET status = ?, charger_status = ?, reason = ?, updated_at = ? WHERE device_id = ?').run(
          outcome.status,
          outcome.chargerStatus === undefined ? cur.charger_status : outcome.chargerStatus,
          outcome.reason === undefined ? cur.reason : outcome.reason,
          now,
          deviceId,
        );
        return toUpgrade(get(deviceId)!);
      });
    },
  };
}
