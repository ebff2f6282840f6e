/**
 * GET /devices/{id}/variables through the whole HTTP app (buildApp: authentication, tenants,
 * zod validation, problem+json) with app.inject, on a real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { createAdminToken } from '../admin-token.ts';
import { buildApp } from '../app.ts';
import { createSqliteStore } from '../store/sqlite.ts';
import type { RegistryStore } from '../store/types.ts';
import type { Device, DeviceVariableInput } from '../../contracts/registry.ts';
import { createTokenService } from '../tokens.ts';
import { topicsFor } from '../../contracts/topics.ts';

const ADMIN = 'test-admin-token-0123456789';
let dir: string;
let store: RegistryStore;
let app: FastifyInstance;
let acme: string;
let acmeReader: string;
let device: Device;

const get = (url: string, token: string | null = acme, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

const v = (o: Partial<DeviceVariableInput>): DeviceVariableInput => ({ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '300', ...o });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-variables-'));
  const config = loadConfig({ DATA_DIR: dir, API_TOKEN: ADMIN, LOG_LEVEL: 'silent', HTTP_REQUESTS_PER_TURN: '1000' });
  const log = createLogger('silent');
  store = createSqliteStore({ file: path.join(dir, 'registry.db') });
  await store.migrate();
  const tokens = createTokenService({ store, admin: await createAdminToken({ config, log, dataDir: dir }), defaultTenant: config.DEFAULT_TENANT, topics: topicsFor('dojot') });
  acme = (await tokens.issue({ tenant: 'acme', role: 'admin' })).token;
  acmeReader = (await tokens.issue({ tenant: 'acme', role: 'read-only' })).token;
  app = await buildApp({ config, log, store, tokens });
  device = await store.createDevice({ tenant: 'acme', chargePointId: 'CP-201', ocppProtocol: 'ocpp2.0.1' });
  await store.saveDeviceVariables(device.id, [
    v({}),
    v({ component: 'EVSE', evseId: 1, variable: 'Power', attributeType: 'MaxSet', value: '22000', mutability: 'ReadOnly', characteristics: { dataType: 'decimal', supportsMonitoring: true, unit: 'W', maxLimit: 22000 } }),
    v({ component: 'EVSE', evseId: 2, variable: 'Power', attributeType: 'MaxSet', value: '11000', mutability: 'ReadOnly' }),
    v({ component: 'Connector', evseId: 1, connectorId: 1, variable: 'ConnectorType', value: 'cType2', characteristics: { dataType: 'OptionList', supportsMonitoring: false, valuesList: 'cType2,cCCS2' } }),
    v({ component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands', value: '=HYPERLINK("x")', persistent: true }),
  ]);
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /devices/{id}/variables', () => {
  it("lists the device model in key order, the tenant's read-only tokens included", async () => {
    const r = await get(`/devices/${device.id}/variables`, acmeReader);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.total).toBe(5);
    expect(body.items.map((x: { component: string; evseId: number | null }) => [x.component, x.evseId])).toEqual([
      ['Connector', 1],
      ['EVSE', 1],
      ['EVSE', 2],
      ['OCPPCommCtrlr', null],
      ['SampledDataCtrlr', null],
    ]);
    expect(body.items[1]).toEqual({
      component: 'EVSE',
      componentInstance: null,
      evseId: 1,
      connectorId: null,
      variable: 'Power',
      variableInstance: null,
      attributeType: 'MaxSet',
      value: '22000',
      mutability: 'ReadOnly',
      persistent: false,
      constant: false,
      characteristics: { dataType: 'decimal', supportsMonitoring: true, unit: 'W', maxLimit: 22000 },
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(r.headers['x-total-count']).toBe('5');
    expect(r.headers['link']).toBeUndefined();
  });

  it('filters by component and variable (case-insensitive) and evseId', async () => {
    const values = async (q: string) => (await get(`/devices/${device.id}/variables?${q}`)).json().items.map((x: { value: string }) => x.value);
    expect(await values('component=evse')).toEqual(['22000', '11000']);
    expect(await values('variable=POWER&evseId=2')).toEqual(['11000']);
    expect(await values('evseId=1')).toEqual(['cType2', '22000']);
    expect(await values('component=Nothing')).toEqual([]);
  });

  it('pages with X-Total-Count and Link, as /transactions', async () => {
    const first = await get(`/devices/${device.id}/variables?component=EVSE&limit=1`);
    expect(first.headers['x-total-count']).toBe('2');
    expect(first.headers['link']).toBe(`</devices/${device.id}/variables?component=EVSE&limit=1&offset=1>; rel="next"`);
    const second = await get(`/devices/${device.id}/variables?component=EVSE&limit=1&offset=1`);
    expect(second.json().items.map((x: { evseId: number }) => x.evseId)).toEqual([2]);
    expect(second.headers['link']).toBe(`</devices/${device.id}/variables?component=EVSE&limit=1&offset=0>; rel="prev"`);
  });

  it('is confined to the tenant: another tenant, an unknown device and no token are refused as problem+json', async () => {
    const other = await get(`/devices/${device.id}/variables`, ADMIN);
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await get('/devices/ffffffff/variables')).json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await get(`/devices/${device.id}/variables`, null)).json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('refuses a bad query with 400 naming the field', async () => {
    for (const [q, field] of [
      ['evseId=-1', 'query.evseId'],
      ['evseId=one', 'query.evseId'],
      [`evseId=${2 ** 31}`, 'query.evseId'],
      ['limit=0', 'query.limit'],
      ['limit=10001', 'query.limit'],
      ['offset=-1', 'query.offset'],
      [`component=${'c'.repeat(51)}`, 'query.component'],
      ['variable=', 'query.variable'],
    ] as const) {
      const r = await get(`/devices/${device.id}/variables?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json(), q).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field }] });
    }
  });

  it('exports CSV with Accept: text/csv: characteristics in columns, RFC 4180 quoting, formulas defused', async () => {
    const r = await get(`/devices/${device.id}/variables`, acme, { accept: 'text/csv' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="device-${device.id}-variables.csv"`);
    const lines = r.body.trim().split('\r\n');
    expect(lines[0]).toBe('deviceId,chargePointId,component,componentInstance,evseId,connectorId,variable,variableInstance,attributeType,value,mutability,persistent,constant,dataType,unit,minLimit,maxLimit,valuesList,supportsMonitoring,updatedAt');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(new RegExp(`^${device.id},CP-201,Connector,,1,1,ConnectorType,,Actual,cType2,ReadWrite,false,false,OptionList,,,,"cType2,cCCS2",false,\\d{4}-`));
    expect(lines[2]).toMatch(new RegExp(`^${device.id},CP-201,EVSE,,1,,Power,,MaxSet,22000,ReadOnly,false,false,decimal,W,,22000,,true,`));
    expect(lines[4]).toMatch(new RegExp(`^${device.id},CP-201,OCPPCommCtrlr,,,,HeartbeatInterval,,Actual,300,ReadWrite,false,false,,,,,,,`));
    expect(lines[5]).toContain(`,"'=HYPERLINK(""x"")",ReadWrite,true,false,`);
    // The filters, limit and offset apply to the export too.
    const some = (await get(`/devices/${device.id}/variables?component=EVSE&offset=1&limit=1`, acme, { accept: 'text/csv' })).body.trim().split('\r\n');
    expect(some.slice(1).map((l) => l.split(',')[4])).toEqual(['2']);
  });

  it('streams every row of a large device model (more than a page), each once', async () => {
    const big = await store.createDevice({ tenant: 'acme', chargePointId: 'CP-BIG' });
    const rows = Array.from({ length: 2500 }, (_, i) => v({ component: `C${i % 25}`, variable: `V${Math.floor(i / 25)}`, value: `v${i}` }));
    for (let i = 0; i < rows.length; i += 1000) await store.saveDeviceVariables(big.id, rows.slice(i, i + 1000));
    const csv = (await get(`/devices/${big.id}/variables`, acme, { accept: 'text/csv' })).body.trim().split('\r\n').slice(1);
    expect(csv).toHaveLength(2500);
    expect(new Set(csv.map((l) => l.split(',')[9])).size).toBe(2500);
    const json = await get(`/devices/${big.id}/variables`);
    expect(json.json().items).toHaveLength(1000);
    expect(json.headers['link']).toBe(`</devices/${big.id}/variables?limit=1000&offset=1000>; rel="next"`);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await get('/docs/json', null)).json();
    const op = doc.paths['/devices/{id}/variables'].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'component', 'variable', 'evseId', 'limit', 'offset']));
    expect(JSON.stringify(op.responses['200'])).toContain('"attributeType"');
  });
});
