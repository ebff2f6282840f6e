/**
 * POST /devices and CHARGER_PASSWORDS through the whole HTTP app (buildApp) with app.inject, on a
 * real SQLite store: `generate` gives a device created without ocppPassword a strong random
 * password, shown once in the 201 answer and stored only as a hash that verifies it; `optional`
 * (the trial's default) leaves it without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { verifySecret } from '../../common/passwords.ts';
import { createAdminToken } from '../admin-token.ts';
import { buildApp } from '../app.ts';
import { createSqliteStore } from '../store/sqlite.ts';
import type { RegistryStore } from '../store/types.ts';
import { createTokenService } from '../tokens.ts';
import { topicsFor } from '../../contracts/topics.ts';

const ADMIN = 'test-admin-token-0123456789';
const opened: Array<{ dir: string; store: RegistryStore; app: FastifyInstance }> = [];

async function appWith(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-devpw-'));
  const config = loadConfig({ DATA_DIR: dir, API_TOKEN: ADMIN, LOG_LEVEL: 'silent', HTTP_REQUESTS_PER_TURN: '1000', ...env });
  const log = createLogger('silent');
  const store = createSqliteStore({ file: path.join(dir, 'registry.db') });
  await store.migrate();
  const tokens = createTokenService({ store, admin: await createAdminToken({ config, log, dataDir: dir }), defaultTenant: config.DEFAULT_TENANT, topics: topicsFor('dojot') });
  const app = await buildApp({ config, log, store, tokens });
  opened.push({ dir, store, app });
  const post = (body: object) => app.inject({ method: 'POST', url: '/devices', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });
  const get = (id: string) => app.inject({ method: 'GET', url: `/devices/${id}`, headers: { authorization: `Bearer ${ADMIN}` } });
  return { store, post, get };
}

afterAll(async () => {
  for (const o of opened) {
    await o.app.close();
    await o.store.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

describe('POST /devices with CHARGER_PASSWORDS=generate', () => {
  it('generates a 40-hex-digit password, returns it once, stores only a hash of it', async () => {
    const { store, post, get } = await appWith({ CHARGER_PASSWORDS: 'generate' });
    const res = await post({ chargePointId: 'GEN-1' });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { id: string; ocppPassword?: string; hasPassword: boolean };
    expect(body.ocppPassword).toMatch(/^[0-9a-f]{40}$/);
    expect(body.hasPassword).toBe(true);
    const stored = await store.getDevice(body.id);
    expect(stored!.passwordHash).not.toContain(body.ocppPassword);
    expect(await verifySecret(body.ocppPassword!, stored!.passwordHash!)).toBe(true);
    // Never again: the device view has no password.
    const again = (await get(body.id)).json() as Record<string, unknown>;
    expect(again).not.toHaveProperty('ocppPassword');
    expect(again.hasPassword).toBe(true);
    // Each device its own.
    const other = (await post({ chargePointId: 'GEN-2' })).json() as { ocppPassword: string };
    expect(other.ocppPassword).not.toBe(body.ocppPassword);
  });

  it('keeps a password the client gives, and does not echo it', async () => {
    const { store, post } = await appWith({ CHARGER_PASSWORDS: 'generate' });
    const res = await post({ chargePointId: 'GIVEN-1', ocppPassword: 'given-password-0123' });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { id: string };
    expect(body).not.toHaveProperty('ocppPassword');
    expect(await verifySecret('given-password-0123', (await store.getDevice(body.id))!.passwordHash!)).toBe(true);
  });

  it('gives a profile-3 device (certificate, no password) none', async () => {
    const { post } = await appWith({ CHARGER_PASSWORDS: 'generate' });
    const res = await post({ chargePointId: 'CERT-1', securityProfile: 3 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ hasPassword: false });
    expect(res.json()).not.toHaveProperty('ocppPassword');
  });
});

describe('POST /devices with CHARGER_PASSWORDS=optional (default)', () => {
  it('creates the device without a password', async () => {
    const { post } = await appWith({});
    const res = await post({ chargePointId: 'OPEN-1' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ hasPassword: false });
    expect(res.json()).not.toHaveProperty('ocppPassword');
  });

  it('refuses an unknown CHARGER_PASSWORDS value naming the variable', () => {
    expect(() => loadConfig({ CHARGER_PASSWORDS: 'always' })).toThrow(/CHARGER_PASSWORDS/);
  });
});
