/**
 * The PostgreSQL half of migration 11: the register of issued certificates (contracts/certificates.ts).
 * One statement per write, its own committed transaction (postgres.ts).
 */
import type pg from 'pg';
import type { PgRead, PgWrite } from './postgres.ts';
import type { CertificateRegisterStore } from '../../contracts/certificates.ts';
import { rows } from './postgres-deps.ts';
import type { CertificateRow, PgColumns } from './rows.ts';

type Row = CertificateRow<PgColumns>;
const { toCertificate } = rows;

export function postgresCertificates(deps: { pool: pg.Pool; write: PgWrite; read: PgRead }): CertificateRegisterStore {
  const { pool, write, read } = deps;
  return {
    async recordCertificate(c) {
      try {
        const r = await write(() =>
          pool.query<Row>(
            `INSERT INTO issued_certificates (serial_number, device_id, common_name, fingerprint256, not_before, not_after, status, issued_at, updated_at)
             SELECT $1, $2, $3, $4, $5, $6, 'issued', now(), now() WHERE EXISTS (SELECT 1 FROM devices WHERE id = $2) RETURNING *`,
            [c.serialNumber, c.deviceId, c.commonName, c.fingerprint256, c.notBefore, c.notAfter],
          ),
        );
        return r.rows[0] ? toCertificate(r.rows[0]) : null;
      } catch (err) {
        // The device deleted meanwhile (the foreign key, migration 11).
        if ((err as { code?: unknown }).code === '23503') return null;
        throw err;
      }
    },
    async setCertificateAnswer(serial, installed) {
      const r = await write(() => pool.query<Row>("UPDATE issued_certificates SET status = $2, updated_at = now() WHERE serial_number = $1 AND status = 'issued' RETURNING *", [serial, installed ? 'installed' : 'rejected']));
      return r.rows[0] ? toCertificate(r.rows[0]) : null;
    },
    async listCertificates(deviceId) {
      const r = await read(() => pool.query<Row>('SELECT * FROM issued_certificates WHERE device_id = $1 ORDER BY issued_at DESC, serial_number', [deviceId]));
      return r.rows.map(toCertificate);
    },
    async revokeCertificate(deviceId, serial, reason) {
      // One statement: a second revocation keeps the first one's time and reason.
      const r = await write(() =>
        pool.query<Row>(
          `UPDATE issued_certificates SET
             revoked_at = CASE WHEN status = 'revoked' THEN revoked_at ELSE now() END,
             revocation_reason = CASE WHEN status = 'revoked' THEN revocation_reason ELSE $3 END,
             updated_at = CASE WHEN status = 'revoked' THEN updated_at ELSE now() END,
             status = 'revoked'
           WHERE serial_number = $2 AND device_id = $1 RETURNING *`,
          [deviceId, serial, reason],
        ),
      );
      return r.rows[0] ? toCertificate(r.rows[0]) : null;
    },
    async findCertificateByFingerprint(fp) {
      const r = await read(() => pool.query<Row>('SELECT * FROM issued_certificates WHERE fingerprint256 = $1', [fp]));
      return r.rows[0] ? toCertificate(r.rows[0]) : null;
    },
  };
}
