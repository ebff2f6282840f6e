/**
 * The SQLite half of migration 11: the register of issued certificates (contracts/certificates.ts).
 * Same rules as sqlite.ts: writes in one checked transaction through `write`.
 */
import type { Statement } from '../../common/sqlite.ts';
import type { SqliteRead, SqliteWrite } from './sqlite-deps.ts';
import type { CertificateRegisterStore } from '../../contracts/certificates.ts';
import { rows } from './sqlite-deps.ts';
import type { CertificateRow, SqliteColumns } from './rows.ts';

type Row = CertificateRow<SqliteColumns>;
const { toCertificate } = rows;

const iso = (v: string) => new Date(Date.parse(v)).toISOString();

export function sqliteCertificates(deps: { sql: (text: string) => Statement; write: SqliteWrite; read: SqliteRead }): CertificateRegisterStore {
  const { sql, write, read } = deps;
  const get = (serial: string) => sql('SELECT * FROM issued_certificates WHERE serial_number = ?').get(serial) as Row | undefined;
  return {
    async recordCertificate(c) {
      const now = new Date().toISOString();
      return write(() => {
        if (!sql('SELECT 1 FROM devices WHERE id = ?').get(c.deviceId)) return null;
        sql(
          `INSERT INTO issued_certificates (serial_number, device_id, common_name, fingerprint256, not_before, not_after, status, issued_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'issued', ?, ?)`,
        ).run(c.serialNumber, c.deviceId, c.commonName, c.fingerprint256, iso(c.notBefore), iso(c.notAfter), now, now);
        return toCertificate(get(c.serialNumber)!);
      });
    },
    async setCertificateAnswer(serial, installed) {
      const now = new Date().toISOString();
      return write(() => {
        const n = sql("UPDATE issued_certificates SET status = ?, updated_at = ? WHERE serial_number = ? AND status = 'issued'").run(installed ? 'installed' : 'rejected', now, serial).changes;
        return n > 0 ? toCertificate(get(serial)!) : null;
      });
    },
    async listCertificates(deviceId) {
      const rows = await read(() => sql('SELECT * FROM issued_certificates WHERE device_id = ? ORDER BY issued_at DESC, serial_number').all(deviceId) as Row[]);
      return rows.map(toCertificate);
    },
    async revokeCertificate(deviceId, serial, reason) {
      const now = new Date().toISOString();
      return write(() => {
        const cur = get(serial);
        if (!cur || cur.device_id !== deviceId) return null;
        if (cur.status !== 'revoked') sql("UPDATE issued_certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ?, updated_at = ? WHERE serial_number = ?").run(now, reason, now, serial);
        return toCertificate(get(serial)!);
      });
    },
    async findCertificateByFingerprint(fp) {
      const r = await read(() => sql('SELECT * FROM issued_certificates WHERE fingerprint256 = ?').get(fp) as Row | undefined);
      return r ? toCertificate(r) : null;
    },
  };
}
