/**
 * The EMQX HTTP authentication and authorization hooks (routes/mqtt-auth.ts) through the whole
 * HTTP app: app.inject for the rules, then one real HTTP round trip as EMQX would make it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { topicsFor } from '../../contracts/topics.ts';
import { createAdminToken } from '../admin-token.ts';
import { buildApp } from '../app.ts';
import { createSqliteStore } from '../store/sqlite.ts';
import type { RegistryStore } from '../store/types.ts';
import { createTokenService, type TokenService } from '../tokens.ts';
import { AUTHENTICATE_PATH, AUTHORIZE_PATH, SECRET_HEADER } from './mqtt-auth.ts';

const ADMIN = 'test-admin-token-0123456789';
const SECRET = 'hook-secret-0123456789abcdef';
const SERVICE = { username: 'cb-service', password: 'service-password-0123' };
let dir: string;
let store: RegistryStore;
let tokens: TokenService;
let app: FastifyInstance;
let bare: FastifyInstance;
let acme: string;
let acmeReader: string;
let beta: string;

const hook = (url: string, body: unknown, headers: Record<string, string> = { [SECRET_HEADER]: SECRET }, on = app) => on.inject({ method: 'POST', url, headers, payload: body as object });
const authn = (username: string, password: string, peerhost = '198.51.100.7') => hook(AUTHENTICATE_PATH, { username, password, clientid: 'c1', peerhost });
const authz = (username: string, action: 'publish' | 'subscribe', topic: string, role?: string, retain?: string) =>
  hook(AUTHORIZE_PATH, { username, topic, action, clientid: 'c1', ...(role !== undefined ? { role } : {}), ...(retain !== undefined ? { retain } : {}) }).then((r) => (r.json() as { result: string }).result);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-mqtt-hook-'));
  const env = { DATA_DIR: dir, API_TOKEN: ADMIN, LOG_LEVEL: 'silent', HTTP_REQUESTS_PER_TURN: '1000', MQTT_TOPIC_LAYOUT: 'tenant-level', MQTT_AUTH_MAX_FAILURES: '3' };
  const config = loadConfig({ ...env, MQTT_AUTH_HOOK_SECRET: SECRET, MQTT_URL: 'mqtt://emqx:1883', MQTT_USERNAME: SERVICE.username, MQTT_PASSWORD: SERVICE.password });
  const log = createLogger('silent');
  store = createSqliteStore({ file: path.join(dir, 'registry.db') });
  await store.migrate();
  tokens = createTokenService({ store, admin: await createAdminToken({ config, log, dataDir: dir }), defaultTenant: config.DEFAULT_TENANT, topics: topicsFor('tenant-level') });
  acme = (await tokens.issue({ tenant: 'acme', role: 'operator' })).token;
  acmeReader = (await tokens.issue({ tenant: 'acme', role: 'read-only' })).token;
  beta = (await tokens.issue({ tenant: 'beta', role: 'admin' })).token;
  app = await buildApp({ config, log, store, tokens });
  bare = await buildApp({ config: loadConfig(env), log, store, tokens });
});

afterAll(async () => {
  await app?.close();
  await bare?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the hooks are the broker\'s only', () => {
  it('are not registered without MQTT_AUTH_HOOK_SECRET: 404 (401 without a bearer token, as any path)', async () => {
    const r = await hook(AUTHENTICATE_PATH, { username: 'acme', password: acme }, { [SECRET_HEADER]: SECRET, authorization: `Bearer ${ADMIN}` }, bare);
    expect(r.statusCode).toBe(404);
    expect((await hook(AUTHENTICATE_PATH, { username: 'acme', password: acme }, { [SECRET_HEADER]: SECRET }, bare)).statusCode).toBe(401);
  });

  it.each([
    ['no secret', {}],
    ['a wrong secret', { [SECRET_HEADER]: 'not-the-secret-at-all' }],
    ['a bearer token instead', { authorization: `Bearer ${ADMIN}` }],
  ])('refuse %s with 401 problem+json (EMQX takes it as ignore)', async (_what, headers) => {
    for (const url of [AUTHENTICATE_PATH, AUTHORIZE_PATH]) {
      const r = await hook(url, { username: 'acme', password: acme, topic: 'acme/x/config', action: 'publish' }, headers);
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('answers a malformed body with 400 problem+json naming the field', async () => {
    const r = await hook(AUTHORIZE_PATH, { username: 'acme', topic: 'acme/x/config', action: 'all' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'body.action' })] });
  });
});

describe('authentication (EMQX 5 HTTP authenticator)', () => {
  it("allows a tenant with one of its tokens, its role as a client attribute", async () => {
    const r = await authn('acme', acme);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toEqual({ result: 'allow', is_superuser: false, client_attrs: { cb_role: 'operator' } });
    expect((await authn('acme', acmeReader)).json()).toMatchObject({ result: 'allow', client_attrs: { cb_role: 'read-only' } });
    expect((await authn('admin', ADMIN)).json()).toMatchObject({ result: 'allow', client_attrs: { cb_role: 'admin' } });
  });

  it("denies another tenant's token, an unknown one, a revoked one and an expired one", async () => {
    expect((await authn('beta', acme, '198.51.100.10')).json()).toEqual({ result: 'deny', is_superuser: false });
    expect((await authn('acme', 'cb_nope', '198.51.100.11')).json()).toEqual({ result: 'deny', is_superuser: false });
    const gone = await tokens.issue({ tenant: 'acme', role: 'operator' });
    expect((await authn('acme', gone.token, '198.51.100.12')).json()).toMatchObject({ result: 'allow' });
    await tokens.revoke('acme', gone.record.id);
    expect((await authn('acme', gone.token, '198.51.100.12')).json()).toMatchObject({ result: 'deny' });
    const soon = await tokens.issue({ tenant: 'acme', role: 'operator', expiresAt: new Date(Date.now() + 300).toISOString() });
    await new Promise((r) => setTimeout(r, 400));
    expect((await authn('acme', soon.token, '198.51.100.13')).json()).toMatchObject({ result: 'deny' });
  });

  it('lets the service account in as a superuser with its own password only', async () => {
    expect((await authn(SERVICE.username, SERVICE.password)).json()).toEqual({ result: 'allow', is_superuser: true });
    expect((await authn(SERVICE.username, ADMIN, '198.51.100.20')).json()).toEqual({ result: 'deny', is_superuser: false });
  });

  it('throttles failed logins per username and address like the embedded broker: locked out, even the right token is denied', async () => {
    const from = '203.0.113.9';
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 100 * 2 ** i + 20)); // past each backoff: real failures
      expect((await authn('beta', 'wrong', from)).json()).toMatchObject({ result: 'deny' });
    }
    expect((await authn('beta', beta, from)).json()).toMatchObject({ result: 'deny' });
    // the rightful client at its own address is not locked out by someone else's guesses
    expect((await authn('beta', beta, '198.51.100.30')).json()).toMatchObject({ result: 'allow' });
  });

  it('refuses the reserved tenant chargebridge at token issue (tenant-level)', async () => {
    const r = await app.inject({ method: 'POST', url: '/tokens', headers: { authorization: `Bearer ${ADMIN}` }, payload: { tenant: 'chargebridge', role: 'admin' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'body.tenant' })] });
  });
});

describe('authorization (EMQX 5 HTTP authorizer): the tenant rule of broker/acl.ts', () => {
  it.each([
    ['acme', 'subscribe', 'acme/+/attrs', 'operator', 'allow'],
    ['acme', 'subscribe', 'acme/#', 'read-only', 'allow'],
    ['acme', 'subscribe', 'acme/0a1b2c3d/config/reply', 'operator', 'allow'],
    // EMQX delivers whatever a filter matches: a wildcard-first filter would reach every tenant
    ['acme', 'subscribe', '#', 'operator', 'deny'],
    ['acme', 'subscribe', '+/#', 'operator', 'deny'],
    ['acme', 'subscribe', '+/+/attrs', 'operator', 'deny'],
    ['acme', 'subscribe', 'beta/#', 'operator', 'deny'],
    ['acme', 'subscribe', 'chargebridge/#', 'admin', 'deny'],
    ['acme', 'subscribe', '$SYS/#', 'admin', 'deny'],
    ['acme', 'publish', 'acme/0a1b2c3d/config', 'operator', 'allow'],
    ['acme', 'publish', 'acme/0a1b2c3d/config', 'admin', 'allow'],
    ['acme', 'publish', 'acme/0a1b2c3d/config', 'read-only', 'deny'],
    ['acme', 'publish', 'beta/0a1b2c3d/config', 'operator', 'deny'],
    ['acme', 'publish', 'acme/0a1b2c3d/attrs', 'operator', 'deny'],
    ['acme', 'publish', 'acme/0a1b2c3d/config/reply', 'operator', 'deny'],
    ['acme', 'publish', 'chargebridge/private/acme/0a1b2c3d/config', 'admin', 'deny'],
    ['chargebridge', 'subscribe', 'chargebridge/#', 'admin', 'deny'],
  ] as const)('%s %s %s (%s) -> %s', async (username, action, topic, role, result) => {
    expect(await authz(username, action, topic, role)).toBe(result);
  });

  it('takes a missing or unknown role (no client_attrs: EMQX before 5.7) as read-only', async () => {
    expect(await authz('acme', 'publish', 'acme/0a1b2c3d/config')).toBe('deny');
    expect(await authz('acme', 'publish', 'acme/0a1b2c3d/config', '')).toBe('deny');
    expect(await authz('acme', 'publish', 'acme/0a1b2c3d/config', '${client_attrs.cb_role}')).toBe('deny');
    expect(await authz('acme', 'subscribe', 'acme/#')).toBe('allow');
  });

  it('never lets a command be retained', async () => {
    expect(await authz('acme', 'publish', 'acme/0a1b2c3d/config', 'operator', 'true')).toBe('deny');
    expect(await authz('acme', 'publish', 'acme/0a1b2c3d/config', 'operator', 'false')).toBe('allow');
  });
});

describe('over real HTTP', () => {
  it('answers EMQX as it asks: POST, JSON body, the secret header', async () => {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const post = (p: string, body: unknown, secret = SECRET) => fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', [SECRET_HEADER]: secret }, body: JSON.stringify(body) });
    const a = await post(AUTHENTICATE_PATH, { username: 'acme', password: acme, clientid: 'emqx-client', peerhost: '192.0.2.1' });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await a.json()).toEqual({ result: 'allow', is_superuser: false, client_attrs: { cb_role: 'operator' } });
    const z = await post(AUTHORIZE_PATH, { username: 'acme', topic: 'beta/0a1b2c3d/config', action: 'publish', clientid: 'emqx-client', role: 'operator' });
    expect(await z.json()).toEqual({ result: 'deny' });
    const bad = await post(AUTHORIZE_PATH, { username: 'acme', topic: 'acme/#', action: 'subscribe' }, 'wrong-secret-0123456789');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
