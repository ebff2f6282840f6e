/**
 * The message log contract on a real PostgreSQL (TEST_DATABASE_URL, see .ci/run). Each test gets
 * a schema of its own, named on the connection's search_path, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMessageLogContract } from './contract.ts';
import { createPostgresLog, numbered } from './postgres.ts';

const url = process.env['TEST_DATABASE_URL'];
const ci = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0';

describe('numbered placeholders', () => {
  it('numbers each ? in order, from an offset', () => {
    expect(numbered('tenant = ? AND type IN (?, ?)')).toBe('tenant = $1 AND type IN ($2, $3)');
    expect(numbered('a = ?', 4)).toBe('a = $5');
  });
});

if (!url) {
  describe('PostgreSQL message log', () => {
    // Never skipped: a missing database is a failure, not a pass (.ci/run creates one).
    it('needs TEST_DATABASE_URL', () => {
      throw new Error('TEST_DATABASE_URL is not set (e.g. postgres://chargebridge:chargebridge@127.0.0.1:5432/chargebridge_test; .ci/run creates it)');
    });
  });
} else {
  const schemas: string[] = [];
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
  });
  describeMessageLogContract('PostgreSQL', async () => {
    const schema = `msglog_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    schemas.push(schema);
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return { open: (o = {}) => createPostgresLog({ url: u.toString(), ...o }) };
  });
}
