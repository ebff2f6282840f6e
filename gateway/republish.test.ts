import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { createEmbeddedBus } from '../broker/embedded-bus.ts';
import type { Bus } from '../broker/bus.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import type { Device } from '../contracts/registry.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { republishStoredShadows } from './republish.ts';
import { emptyShadow, reduceShadow, type Shadow } from './shadow.ts';
import type { ShadowWriter } from './shadow-writer.ts';
import { topicsFor } from '../contracts/topics.ts';

const log = createLogger('silent');
let dir = '';
let store: RegistryStore;
let aedes: Aedes;
let bus: Bus;
let got: Map<string, Shadow>;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-republish-'));
  store = createSqliteStore({ file: path.join(dir, 'registry.db') });
  await store.migrate();
  aedes = await Aedes.createBroker();
  bus = createEmbeddedBus(aedes, log);
  got = new Map();
  await bus.subscribe('+/state', (topic, payload) => got.set(topic, JSON.parse(payload.toString()) as Shadow));
});
afterEach(async () => {
  await bus.close();
  await new Promise<void>((r) => aedes.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
const charging = (d: Device, online: boolean): Shadow => {
  let s = reduceShadow(emptyShadow(d), { type: 'connected', at: T(1), protocol: 'ocpp1.6', gateway: 'gw-old' });
  s = reduceShadow(s, { type: 'boot', at: T(2), registration: 'Accepted', vendor: 'ABB', model: 'Terra 54' });
  s = reduceShadow(s, { type: 'status', at: T(3), connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  return online ? s : reduceShadow(s, { type: 'disconnected', at: T(4), reason: 'shutdown' });
};
const save = (s: Shadow) => store.saveShadows([{ deviceId: s.deviceId, shadow: s as unknown as Record<string, unknown>, connectedAt: s.connectedAt }]);

describe('republish at start', () => {
  it('every device not connected since the start, page after page, offline with its last state', async () => {
    const devices: Device[] = [];
    for (let i = 0; i < 23; i++) devices.push(await store.createDevice({ tenant: i % 2 ? 'acme' : 'admin', chargePointId: `R-${i}` }));
    for (const d of devices.slice(0, 10)) await save(charging(d, false)); // stopped gracefully
    for (const d of devices.slice(10, 15)) await save(charging(d, true)); // the process died
    const seen = new Set([devices[0]!.id, devices[20]!.id]); // connected since the start
    const saved: Shadow[] = [];
    const n = await republishStoredShadows({ topics: topicsFor('dojot'), store, bus, shadows: { save: (s) => void saved.push(s) } as Pick<ShadowWriter, 'save'>, seen, stopped: () => false, batch: 4 });
    await bus.flush();

    expect(n).toBe(21);
    expect(got.size).toBe(21);
    for (const d of devices) {
      const s = got.get(`${d.tenant}:${d.id}/state`);
      if (seen.has(d.id)) {
        expect(s).toBeUndefined();
        continue;
      }
      expect(s).toMatchObject({ deviceId: d.id, tenant: d.tenant, chargePointId: d.chargePointId, online: false });
    }
    // Stored offline: as it was. Stored online: offline since the start, reason restart, written back.
    expect(got.get(`acme:${devices[1]!.id}/state`)).toMatchObject({ offlineReason: 'shutdown', registration: 'Accepted', connectors: { '1': { status: 'Charging' } } });
    expect(got.get(`acme:${devices[11]!.id}/state`)).toMatchObject({ offlineReason: 'restart', registration: 'Accepted', connectors: { '1': { status: 'Charging' } } });
    expect(saved.map((s) => s.deviceId).sort()).toEqual(devices.slice(10, 15).map((d) => d.id).sort());
    expect(saved.every((s) => s.offlineReason === 'restart')).toBe(true);
    // Never connected: the empty shadow, offline.
    expect(got.get(`admin:${devices[22]!.id}/state`)).toMatchObject({ online: false, registration: null, connectors: {} });
  });

  it('stops between pages once the gateway is closing', async () => {
    for (let i = 0; i < 10; i++) await store.createDevice({ tenant: 'admin', chargePointId: `S-${i}` });
    let pages = 0;
    const counted = { listShadows: (p: Parameters<RegistryStore['listShadows']>[0]) => (pages++, store.listShadows(p)) };
    const n = await republishStoredShadows({ topics: topicsFor('dojot'), store: counted, bus, shadows: { save: () => undefined }, seen: new Set(), stopped: () => pages >= 2, batch: 3 });
    expect(n).toBe(3);
    expect(pages).toBe(2);
  });
});
