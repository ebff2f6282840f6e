/**
 * Contract for migration 9 (OCPP 2.0.1 device model): what a station reports in NotifyReport,
 * stored per (component, instance, EVSE, connector, variable, instance, attribute type) and read
 * back in that order. Every backend runs it beside `registryStoreContract`, with the same raw
 * access to its storage as `registryOcpp201Contract` (the migration test builds a database at
 * version 8 with data in it, and the schema's own checks are tried directly).
 */
import { describe, expect, it } from 'vitest';
import { aDevice } from './contract.ts';
import type { Ocpp201Harness } from './contract-ocpp201.ts';
import { variablesFromReport } from '../../contracts/device-variables.ts';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.ts';
import type { RegistryStore } from './types.ts';
import { suiteStores } from './contract-stores.ts';
import { DEVICE_VARIABLE_LIMITS, StoreError, type DeviceVariable, type DeviceVariableInput } from '../../contracts/registry.ts';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INT32_MAX = 2 ** 31 - 1;
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Test-data builder: one attribute input; the key parts absent unless given. */
export function aVariable(overrides: Partial<DeviceVariableInput> = {}): DeviceVariableInput {
  return { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '300', ...overrides };
}

/** What the store answers for an input with only a key and a value: OCPP 2.0.1's defaults. */
function stored(deviceId: string, i: DeviceVariableInput): DeviceVariable {
  return {
    deviceId,
    component: i.component,
    componentInstance: i.componentInstance || null,
    evseId: i.evseId ?? null,
    connectorId: i.connectorId ?? null,
    variable: i.variable,
    variableInstance: i.variableInstance || null,
    attributeType: i.attributeType ?? 'Actual',
    value: i.value ?? null,
    mutability: i.mutability ?? 'ReadWrite',
    persistent: i.persistent ?? false,
    constant: i.constant ?? false,
    characteristics: i.characteristics ?? null,
    updatedAt: expect.stringMatching(ISO_UTC) as unknown as string,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

const keyOf = (v: DeviceVariable) => [v.component, v.componentInstance, v.evseId, v.connectorId, v.variable, v.variableInstance, v.attributeType];

export function registryDeviceModelContract(name: string, h: Ocpp201Harness): void {
  describe(`${name}: OCPP 2.0.1 device model (migration 9)`, () => {
    const { open } = suiteStores(() => h.make());
    const count = async (where = '') => Number((await h.rows(`SELECT count(*) AS n FROM device_variables ${where}`))[0]!['n']);

    it('round trip: every field as given, absent parts null, OCPP defaults for what a report leaves out', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const full: DeviceVariableInput = {
        component: 'EVSE',
        evseId: 1,
        variable: 'Power',
        attributeType: 'MaxSet',
        value: '22000',
        mutability: 'ReadOnly',
        persistent: true,
        constant: true,
        characteristics: { dataType: 'decimal', supportsMonitoring: true, unit: 'W', minLimit: 0, maxLimit: 22000.5 },
      };
      const inputs: DeviceVariableInput[] = [
        aVariable(),
        full,
        aVariable({ component: 'Connector', evseId: 1, connectorId: 2, variable: 'ConnectorType', value: 'cType2', characteristics: { dataType: 'OptionList', supportsMonitoring: false, valuesList: 'cType2,cCCS2,sType3' } }),
        aVariable({ component: 'SecurityCtrlr', variable: 'BasicAuthPassword', value: undefined, mutability: 'WriteOnly' }),
        aVariable({ component: 'FiscalMetering', componentInstance: 'Main', variable: 'EnergyExport', variableInstance: 'L1', value: "quote ' and \" and ; -- €🔌" }),
      ];
      expect(await s.saveDeviceVariables(d.id, inputs)).toBe(5);
      const page = await s.listDeviceVariables(d.id, {});
      expect(page.total).toBe(5);
      // The list's order: component, instance, EVSE, connector, variable, instance, attribute type.
      expect(page.items).toEqual([inputs[2], inputs[1], inputs[4], inputs[0], inputs[3]].map((i) => stored(d.id, i!)));
      expect(page.items.every((v) => v.updatedAt === page.items[0]!.updatedAt)).toBe(true);
      // Another device has none; an unknown one too.
      expect(await s.listDeviceVariables((await s.createDevice(aDevice())).id, {})).toEqual({ items: [], total: 0 });
      expect(await s.listDeviceVariables('ffffffff', {})).toEqual({ items: [], total: 0 });
    });

    it("a NotifyReport's reportData: one row per attribute, with the entry's component, EVSE and characteristics (customData not kept)", async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const customData = { vendorId: 'ACME', secret: 'x' };
      const inputs = variablesFromReport([
        {
          component: { name: 'SmartChargingCtrlr' },
          variable: { name: 'Enabled' },
          variableAttribute: [{ value: 'true', persistent: true }],
          variableCharacteristics: { dataType: 'boolean', supportsMonitoring: false, customData },
        },
        {
          component: { name: 'EVSE', evse: { id: 2, connectorId: 1 }, customData },
          variable: { name: 'Power', instance: 'Total' },
          variableAttribute: [{ type: 'Actual', value: '0', mutability: 'ReadOnly' }, { type: 'MaxSet', value: '11000' }, { type: 'MinSet', value: '1400' }, { type: 'Target', value: '7000', constant: false }],
          variableCharacteristics: { dataType: 'decimal', supportsMonitoring: true, unit: 'W', maxLimit: 11000 },
        },
      ]);
      expect(inputs).toHaveLength(5);
      expect(await s.saveDeviceVariables(d.id, inputs)).toBe(5);
      const items = (await s.listDeviceVariables(d.id, {})).items;
      expect(items.map((v) => [v.component, v.evseId, v.connectorId, v.variable, v.variableInstance, v.attributeType, v.value])).toEqual([
        ['EVSE', 2, 1, 'Power', 'Total', 'Actual', '0'],
        ['EVSE', 2, 1, 'Power', 'Total', 'MaxSet', '11000'],
        ['EVSE', 2, 1, 'Power', 'Total', 'MinSet', '1400'],
        ['EVSE', 2, 1, 'Power', 'Total', 'Target', '7000'],
        ['SmartChargingCtrlr', null, null, 'Enabled', null, 'Actual', 'true'],
      ]);
      expect(items[0]).toMatchObject({ mutability: 'ReadOnly', characteristics: { dataType: 'decimal', supportsMonitoring: true, unit: 'W', maxLimit: 11000 } });
      expect(items[4]).toMatchObject({ persistent: true, mutability: 'ReadWrite', characteristics: { dataType: 'boolean', supportsMonitoring: false } });
      expect(JSON.stringify(items)).not.toContain('ACME');
    });

    it('an upsert replaces the row of the same key; characteristics are kept when a later report leaves them out', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const chars = { dataType: 'integer' as const, supportsMonitoring: true, unit: 's', minLimit: 1 };
      await s.saveDeviceVariables(d.id, [aVariable({ value: '300', mutability: 'ReadOnly', persistent: true, constant: true, characteristics: chars })]);
      const [first] = (await s.listDeviceVariables(d.id, {})).items;
      await new Promise((r) => setTimeout(r, 5));
      expect(await s.saveDeviceVariables(d.id, [aVariable({ value: '60' })])).toBe(1);
      const page = await s.listDeviceVariables(d.id, {});
      expect(page.total).toBe(1);
      // Replaced as a whole (defaults where the new report has nothing), but the characteristics.
      expect(page.items[0]).toEqual({ ...stored(d.id, aVariable({ value: '60' })), characteristics: chars });
      expect(Date.parse(page.items[0]!.updatedAt)).toBeGreaterThan(Date.parse(first!.updatedAt));
      // New characteristics replace the old ones; a value may go (WriteOnly).
      const next = { dataType: 'integer' as const, supportsMonitoring: false };
      await s.saveDeviceVariables(d.id, [aVariable({ value: null, mutability: 'WriteOnly', characteristics: next })]);
      expect((await s.listDeviceVariables(d.id, {})).items).toEqual([stored(d.id, aVariable({ value: null, mutability: 'WriteOnly', characteristics: next }))]);

      // In one call the last input of a key wins (and is counted once).
      expect(await s.saveDeviceVariables(d.id, [aVariable({ value: 'a' }), aVariable({ component: 'Other' }), aVariable({ value: 'b' })])).toBe(2);
      expect((await s.listDeviceVariables(d.id, { component: 'OCPPCommCtrlr' })).items.map((v) => v.value)).toEqual(['b']);
      expect(await count()).toBe(2);
    });

    it('names and instances are case-insensitive (OCPP 2.0.1): one row, spelled as last reported', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveDeviceVariables(d.id, [aVariable({ component: 'EVSE', componentInstance: 'Main', evseId: 1, variable: 'Power', variableInstance: 'L1', value: '1' })]);
      expect(await s.saveDeviceVariables(d.id, [aVariable({ component: 'evse', componentInstance: 'MAIN', evseId: 1, variable: 'POWER', variableInstance: 'l1', value: '2' })])).toBe(1);
      expect((await s.listDeviceVariables(d.id, {})).items).toEqual([stored(d.id, aVariable({ component: 'evse', componentInstance: 'MAIN', evseId: 1, variable: 'POWER', variableInstance: 'l1', value: '2' }))]);
      // Within one call too.
      expect(await s.saveDeviceVariables(d.id, [aVariable({ component: 'Evse', evseId: 1, variable: 'power', componentInstance: 'main', variableInstance: 'L1', value: '3' }), aVariable({ component: 'EVSE', evseId: 1, variable: 'Power', componentInstance: 'Main', variableInstance: 'L1', value: '4' })])).toBe(1);
      expect((await s.listDeviceVariables(d.id, {})).items.map((v) => [v.component, v.value])).toEqual([['EVSE', '4']]);
      // ASCII letters only, on both backends: É and é stay two names.
      await s.saveDeviceVariables(d.id, [aVariable({ component: 'Élan', value: 'upper' }), aVariable({ component: 'élan', value: 'lower' })]);
      expect(await count()).toBe(3);
    });

    it('different attribute types of a variable are different rows (alphabetical in the list)', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const types = ['Target', 'MinSet', 'MaxSet', 'Actual'] as const;
      expect(await s.saveDeviceVariables(d.id, types.map((t, i) => aVariable({ attributeType: t, value: String(i) })))).toBe(4);
      expect((await s.listDeviceVariables(d.id, {})).items.map((v) => [v.attributeType, v.value])).toEqual([
        ['Actual', '3'],
        ['MaxSet', '2'],
        ['MinSet', '1'],
        ['Target', '0'],
      ]);
      // An absent type is Actual: the same row.
      await s.saveDeviceVariables(d.id, [aVariable({ attributeType: undefined, value: 'actual' }), aVariable({ attributeType: null, value: 'actual again' })]);
      expect((await s.listDeviceVariables(d.id, {})).items.map((v) => v.value)).toEqual(['actual again', '2', '1', '0']);
    });

    it('station-wide, EVSE-scoped and connector-scoped components are different rows; so are instances', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const scopes: DeviceVariableInput[] = [
        aVariable({ component: 'Connector', value: 'station' }),
        aVariable({ component: 'Connector', evseId: 1, value: 'evse 1' }),
        aVariable({ component: 'Connector', evseId: 1, connectorId: 1, value: 'evse 1 connector 1' }),
        aVariable({ component: 'Connector', evseId: 1, connectorId: 2, value: 'evse 1 connector 2' }),
        aVariable({ component: 'Connector', evseId: 2, connectorId: 1, value: 'evse 2 connector 1' }),
        aVariable({ component: 'Connector', evseId: 0, value: 'evse 0' }),
        aVariable({ component: 'Connector', evseId: INT32_MAX, connectorId: INT32_MAX, value: 'max' }),
        aVariable({ component: 'Connector', componentInstance: 'A', value: 'instance A' }),
        aVariable({ component: 'Connector', variableInstance: 'A', value: 'variable instance A' }),
      ];
      expect(await s.saveDeviceVariables(d.id, scopes)).toBe(scopes.length);
      const items = (await s.listDeviceVariables(d.id, {})).items;
      // Absent instance and the station-wide EVSE first.
      expect(items.map((v) => v.value)).toEqual(['station', 'variable instance A', 'evse 0', 'evse 1', 'evse 1 connector 1', 'evse 1 connector 2', 'evse 2 connector 1', 'max', 'instance A']);
      expect(items[0]).toMatchObject({ evseId: null, connectorId: null, componentInstance: null, variableInstance: null });
      expect(items[3]).toMatchObject({ evseId: 1, connectorId: null });
      // An empty instance is none: it replaces the row without an instance.
      expect(await s.saveDeviceVariables(d.id, [aVariable({ component: 'Connector', componentInstance: '', variableInstance: '', value: 'station again' })])).toBe(1);
      expect((await s.listDeviceVariables(d.id, {})).items[0]).toMatchObject({ value: 'station again', componentInstance: null, variableInstance: null });
      expect(await count()).toBe(scopes.length);
    });

    it('filters (component, variable case-insensitively; evseId) and pages, the total counting every match', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const inputs: DeviceVariableInput[] = [];
      for (const evseId of [null, 1, 2]) {
        for (const variable of ['Available', 'Power']) {
          inputs.push(aVariable({ component: 'EVSE', evseId, variable, value: `${evseId}-${variable}` }));
        }
      }
      inputs.push(aVariable({ component: 'Controller', variable: 'Power', value: 'controller' }));
      await s.saveDeviceVariables(d.id, inputs);
      const values = async (f: Parameters<RegistryStore['listDeviceVariables']>[1]) => {
        const p = await s.listDeviceVariables(d.id, f);
        return [p.total, p.items.map((v) => v.value)];
      };
      expect(await values({ component: 'evse' })).toEqual([6, ['null-Available', 'null-Power', '1-Available', '1-Power', '2-Available', '2-Power']]);
      expect(await values({ variable: 'POWER' })).toEqual([4, ['controller', 'null-Power', '1-Power', '2-Power']]);
      expect(await values({ evseId: 2 })).toEqual([2, ['2-Available', '2-Power']]);
      expect(await values({ component: 'EVSE', variable: 'Power', evseId: 1 })).toEqual([1, ['1-Power']]);
      expect(await values({ component: 'Nothing' })).toEqual([0, []]);
      // Ids no row can have find nothing (-1 is not "station-wide").
      for (const evseId of [-1, 1.5, 2 ** 31]) expect(await values({ evseId })).toEqual([0, []]);

      expect(await values({ limit: 2 })).toEqual([7, ['controller', 'null-Available']]);
      expect(await values({ limit: 2, offset: 2 })).toEqual([7, ['null-Power', '1-Available']]);
      expect(await values({ offset: 6 })).toEqual([7, ['2-Power']]);
      expect(await values({ offset: 7 })).toEqual([7, []]);
      expect(await values({ component: 'EVSE', limit: 0 })).toEqual([6, []]);
      await expect(s.listDeviceVariables(d.id, { limit: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(s.listDeviceVariables(d.id, { offset: 1.5 })).rejects.toBeInstanceOf(RangeError);

      // Keyset paging: rows after a key, in the same order, whatever its case.
      const all = (await s.listDeviceVariables(d.id, {})).items;
      expect(await values({ after: all[2]!, limit: 2 })).toEqual([7, ['1-Available', '1-Power']]);
      expect(await values({ after: { ...all[2]!, component: 'evse', variable: 'power' } })).toEqual([7, ['1-Available', '1-Power', '2-Available', '2-Power']]);
      expect(await values({ after: all[6]! })).toEqual([7, []]);
      expect(await values({ component: 'EVSE', after: all[0]! })).toEqual([6, all.slice(1).map((v) => v.value)]);
    });

    it('a report of 5,000 rows in parts of 1,000: all stored; keyset pages read each exactly once', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const rows = Array.from({ length: 5000 }, (_, i) =>
        aVariable({ component: `Component${i % 40}`, evseId: i % 3 ? (i % 4) + 1 : null, variable: `Variable${Math.floor(i / 40)}`, attributeType: (['Actual', 'Target', 'MinSet', 'MaxSet'] as const)[i % 4], value: `v${i}` }),
      );
      for (let part = 0; part < 5; part++) expect(await s.saveDeviceVariables(d.id, rows.slice(part * 1000, (part + 1) * 1000))).toBe(1000);
      const seen: string[] = [];
      let after: DeviceVariable | undefined;
      for (;;) {
        const page = await s.listDeviceVariables(d.id, { after, limit: 700 });
        expect(page.total).toBe(5000);
        seen.push(...page.items.map((v) => v.value!));
        if (page.items.length < 700) break;
        after = page.items.at(-1);
      }
      expect(seen).toHaveLength(5000);
      expect(new Set(seen).size).toBe(5000);
      // The same order as one read of everything.
      expect((await s.listDeviceVariables(d.id, {})).items.map((v) => v.value)).toEqual(seen);
    });

    it("a device's variables go with it; none are written for an unknown or deleted device", async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      const other = await s.createDevice(aDevice());
      await s.saveDeviceVariables(d.id, [aVariable(), aVariable({ evseId: 1 })]);
      await s.saveDeviceVariables(other.id, [aVariable()]);
      expect(await s.deleteDevice(d.id)).toBe(true);
      expect(await s.listDeviceVariables(d.id, {})).toEqual({ items: [], total: 0 });
      expect(await count(`WHERE device_id = ${quote(d.id)}`)).toBe(0);
      expect((await s.listDeviceVariables(other.id, {})).total).toBe(1);
      // Like saveShadows: 0, nothing written, no error.
      expect(await s.saveDeviceVariables(d.id, [aVariable()])).toBe(0);
      expect(await s.saveDeviceVariables('ffffffff', [aVariable()])).toBe(0);
      expect(await s.saveDeviceVariables(other.id, [])).toBe(0);
      expect(await count()).toBe(1);
      // A device created again with the same id starts empty.
      const again = await s.createDevice(aDevice({ id: d.id }));
      expect(await s.listDeviceVariables(again.id, {})).toEqual({ items: [], total: 0 });
    });

    it('deletes racing writes (two stores): no row outlives its device', async () => {
      const a = await open();
      const b = await open();
      for (let i = 0; i < 10; i++) {
        const d = await a.createDevice(aDevice());
        const rows = Array.from({ length: 200 }, (_, j) => aVariable({ variable: `V${j}` }));
        const [saved, deleted] = await Promise.allSettled([b.saveDeviceVariables(d.id, rows), a.deleteDevice(d.id)]);
        expect(saved.status).toBe('fulfilled');
        expect(deleted).toEqual({ status: 'fulfilled', value: true });
        expect(await count(`WHERE device_id = ${quote(d.id)}`)).toBe(0);
      }
    });

    it('refuses invalid input (INVALID, naming the field) before writing anything', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveDeviceVariables(d.id, [aVariable({ value: 'kept' })]);
      const before = await s.listDeviceVariables(d.id, {});
      const L = DEVICE_VARIABLE_LIMITS;
      const bad: Array<[string, Partial<DeviceVariableInput> | Record<string, unknown>]> = [
        ['component', { component: '' }],
        ['component', { component: 'c'.repeat(L.name + 1) }],
        ['component', { component: '€'.repeat(L.name + 1) }],
        ['component', { component: 'nul\u0000inside' }],
        ['component', { component: 42 }],
        ['componentInstance', { componentInstance: 'i'.repeat(L.instance + 1) }],
        ['variable', { variable: '' }],
        ['variable', { variable: 'lone \ud800 surrogate' }],
        ['variableInstance', { variableInstance: 'i'.repeat(L.instance + 1) }],
        ['value', { value: 'v'.repeat(L.value + 1) }],
        ['value', { value: '🔌'.repeat(L.value + 1) }],
        ['value', { value: 7 }],
        ['evseId', { evseId: -1 }],
        ['evseId', { evseId: 1.5 }],
        ['evseId', { evseId: INT32_MAX + 1 }],
        ['connectorId', { evseId: 1, connectorId: -1 }],
        ['connectorId', { connectorId: 1 }],
        ['attributeType', { attributeType: 'Bogus' }],
        ['mutability', { mutability: 'readonly' }],
        ['persistent', { persistent: 'yes' }],
        ['constant', { constant: 1 }],
        ['characteristics', { characteristics: 'integer' }],
        ['characteristics.dataType', { characteristics: { dataType: 'float', supportsMonitoring: true } }],
        ['characteristics.dataType', { characteristics: { supportsMonitoring: true } }],
        ['characteristics.supportsMonitoring', { characteristics: { dataType: 'string' } }],
        ['characteristics.unit', { characteristics: { dataType: 'string', supportsMonitoring: true, unit: 'u'.repeat(L.unit + 1) } }],
        ['characteristics.valuesList', { characteristics: { dataType: 'OptionList', supportsMonitoring: true, valuesList: 'a,'.repeat(L.valuesList) } }],
        ['characteristics.minLimit', { characteristics: { dataType: 'decimal', supportsMonitoring: true, minLimit: Number.NaN } }],
        ['characteristics.maxLimit', { characteristics: { dataType: 'decimal', supportsMonitoring: true, maxLimit: Infinity } }],
      ];
      for (const [field, o] of bad) {
        // The bad input comes after good ones: nothing of the call is written.
        const items = [aVariable({ value: 'changed' }), aVariable({ component: 'New' }), aVariable(o as Partial<DeviceVariableInput>)];
        const err = await rejection(s.saveDeviceVariables(d.id, items));
        expect(err, `${field}: ${JSON.stringify(o)}`).toBeInstanceOf(StoreError);
        expect(err, `${field}: ${JSON.stringify(o)}`).toMatchObject({ code: 'INVALID', field, message: expect.stringContaining(`items[2].${field}`) });
      }
      const tooMany = Array.from({ length: L.items + 1 }, (_, i) => aVariable({ variable: `V${i}` }));
      expect(await rejection(s.saveDeviceVariables(d.id, tooMany))).toMatchObject({ code: 'INVALID', field: 'items' });
      expect(await s.listDeviceVariables(d.id, {})).toEqual(before);
      expect(await count()).toBe(1);

      // At the limits, counted in characters (code points): stored as given.
      const edge = aVariable({
        component: '€'.repeat(L.name),
        componentInstance: '🔌'.repeat(L.instance),
        variable: 'v'.repeat(L.name),
        variableInstance: 'i'.repeat(L.instance),
        value: '🔌'.repeat(L.value),
        evseId: INT32_MAX,
        connectorId: 0,
        characteristics: { dataType: 'MemberList', supportsMonitoring: false, unit: 'u'.repeat(L.unit), valuesList: 'x'.repeat(L.valuesList), minLimit: -1e308, maxLimit: 1e308 },
      });
      expect(await s.saveDeviceVariables(d.id, [edge])).toBe(1);
      expect((await s.listDeviceVariables(d.id, { evseId: INT32_MAX })).items).toEqual([stored(d.id, edge)]);
      expect(await s.saveDeviceVariables(d.id, Array.from({ length: L.items }, (_, i) => aVariable({ variable: `V${i}` })))).toBe(L.items);
    });

    it('concurrent upserts of the same keys (two stores, in opposite orders): no error, no deadlock, one row per key, last write wins', async () => {
      const a = await open();
      const b = await open();
      const d = await a.createDevice(aDevice());
      const keys = Array.from({ length: 50 }, (_, i) => `Variable${i}`);
      const write = (n: number) => {
        const rows = keys.map((variable) => aVariable({ variable, evseId: 1, value: `w${n}` }));
        return (n % 2 ? a : b).saveDeviceVariables(d.id, n % 2 ? rows : rows.reverse());
      };
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => write(n)));
      expect(results).toEqual(Array(20).fill(50));
      const items = (await a.listDeviceVariables(d.id, {})).items;
      expect(items).toHaveLength(50);
      for (const v of items) expect(v.value).toMatch(/^w\d+$/);
      // Once they are done, the next write is the last one: it wins everywhere.
      await b.saveDeviceVariables(d.id, keys.map((variable) => aVariable({ variable, evseId: 1, value: 'last' })));
      expect((await a.listDeviceVariables(d.id, {})).items.map((v) => v.value)).toEqual(Array(50).fill('last'));
      expect(new Set(items.map((v) => JSON.stringify(keyOf(v)))).size).toBe(50);
    });

    it('the schema itself holds the key (case-insensitively) and refuses what the store refuses', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveDeviceVariables(d.id, [aVariable({ component: 'EVSE', evseId: 1 })]);
      const insert = (component: string, evse: number, connector: number, attributeType = 'Actual', mutability = 'ReadWrite') =>
        h.exec(
          `INSERT INTO device_variables (device_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type, value, mutability, persistent, constant, updated_at)
           VALUES (${quote(d.id)}, ${quote(component)}, '', ${evse}, ${connector}, 'HeartbeatInterval', '', ${quote(attributeType)}, '1', ${quote(mutability)}, ${h.backend === 'sqlite' ? '0, 0' : 'false, false'}, '2024-05-01T10:00:00.000Z')`,
        );
      await expect(insert('EVSE', 1, -1)).rejects.toThrow();
      await expect(insert('evse', 1, -1)).rejects.toThrow();
      await expect(insert('EVSE', 1, 1, 'Bogus')).rejects.toThrow();
      await expect(insert('EVSE', 1, 1, 'Actual', 'Sometimes')).rejects.toThrow();
      await expect(insert('', 1, 1)).rejects.toThrow();
      await expect(insert('c'.repeat(51), 1, 1)).rejects.toThrow();
      await expect(insert('EVSE', -1, 1)).rejects.toThrow();
      await insert('EVSE', 1, 1);
      await insert('EVSE', -1, -1);
      expect(await count()).toBe(3);
    });

    describe('migration 9', () => {
      /** A database as version 8 left it: a device with a shadow and a 2.0.1 session. */
      async function atVersion8(): Promise<void> {
        let text = `${SCHEMA_MIGRATIONS_DDL[h.backend]};\n`;
        for (const m of MIGRATIONS.filter((x) => x.version <= 8)) {
          text += `${m[h.backend]};\n`;
          text += `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${quote(m.name)}, '2024-01-01T00:00:00.000Z');\n`;
        }
        text += `
          INSERT INTO devices (id, tenant, charge_point_id, label, created_at, updated_at, ocpp_protocol)
            VALUES ('0000bbbb', 'acme', 'CP-V8', 'A 2.0.1 charger', '2024-05-01T09:00:00.000Z', '2024-05-01T09:00:00.000Z', 'ocpp2.0.1');
          INSERT INTO device_shadows (device_id, shadow, connected_at, updated_at)
            VALUES ('0000bbbb', '{"online":true,"protocol":"ocpp2.0.1"}', '2024-05-01T09:00:00.000Z', '2024-05-01T09:00:00.000Z');
          INSERT INTO transactions (device_id, tenant, connector_id, id_tag, started_at, meter_start, status, charger_transaction_id, evse_id)
            VALUES ('0000bbbb', 'acme', 1, 'TAG-1', '2024-05-01T10:00:00.000Z', 1000, 'active', 'tx-v8', 1);
        `;
        await h.exec(text);
      }

      it('applies on a database at version 8 with data: old rows unchanged, the device model empty, then stored and deleted with the device', async () => {
        await atVersion8();
        expect((await h.rows('SELECT max(version) AS v FROM schema_migrations'))[0]).toEqual({ v: 8 });
        const s = await open();
        expect((await h.rows('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((m) => m.version));
        expect(MIGRATIONS.find((m) => m.version === 9)!.name).toMatch(/device_variables/);

        expect(await s.getDevice('0000bbbb')).toMatchObject({ chargePointId: 'CP-V8', label: 'A 2.0.1 charger', ocppProtocol: 'ocpp2.0.1' });
        expect(await s.getShadow('0000bbbb')).toEqual({ online: true, protocol: 'ocpp2.0.1' });
        expect(await s.findTransactionByChargerId('0000bbbb', 'tx-v8')).toMatchObject({ evseId: 1, meterStart: 1000, status: 'active' });
        expect(await s.listDeviceVariables('0000bbbb', {})).toEqual({ items: [], total: 0 });

        expect(await s.saveDeviceVariables('0000bbbb', [aVariable(), aVariable({ evseId: 1, connectorId: 1 })])).toBe(2);
        // Migrating again changes nothing.
        await s.migrate();
        expect((await s.listDeviceVariables('0000bbbb', {})).total).toBe(2);

        expect(await s.deleteDevice('0000bbbb')).toBe(true);
        expect(await count()).toBe(0);
        expect(await s.getShadow('0000bbbb')).toBeNull();
        // The session is a billing record: it stays.
        expect(await s.findTransactionByChargerId('0000bbbb', 'tx-v8')).not.toBeNull();
      });
    });
  });
}
