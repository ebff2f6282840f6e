import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../common/sqlite.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { createSqliteStore } from '../device-registry/store/sqlite.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { emptyShadow, reduceShadow, type Shadow } from './shadow.ts';
import { createShadowWriter } from './shadow-writer.ts';

let dir = '';
let store: RegistryStore;
let db: Database | undefined;
let calls: number[] = [];
const log = createLogger('silent');

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-shadow-writer-'));
  const real = createSqliteStore({ file: path.join(dir, 'registry.db'), onConnection: (c) => (db = c) });
  await real.migrate();
  calls = [];
  // The real store, its saveShadows calls counted (batch sizes).
  const saveShadows = real.saveShadows.bind(real);
  store = Object.assign(real, { saveShadows: (items: Parameters<RegistryStore['saveShadows']>[0]) => (calls.push(items.length), saveShadows(items)) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function aShadow(status: string, at = '2026-01-01T00:00:01.000Z'): Promise<Shadow> {
  const d = await store.createDevice({ tenant: 'admin', chargePointId: `CP-${Math.random()}` });
  return status ? withStatus(emptyShadow(d), status, at) : emptyShadow(d);
}
const withStatus = (s: Shadow, status: string, at: string) =>
  reduceShadow(reduceShadow(s, { type: 'connected', at, protocol: 'ocpp1.6', gateway: 'gw' }), { type: 'status', at, connectorId: 1, status, errorCode: 'NoError' });

describe('shadow writer', () => {
  it('the shadows of one turn go in one commit, the latest of each device only', async () => {
    const w = createShadowWriter({ store, log });
    const a = await aShadow('Preparing');
    const b = await aShadow('Available');
    const a2 = withStatus(a, 'Charging', '2026-01-01T00:00:02.000Z');
    w.save(a);
    w.save(b);
    w.save(a2);
    // Not written yet: what a reconnect of this gateway would start from.
    expect(w.pending(a.deviceId)).toBe(a2);
    await w.flush();
    expect(calls).toEqual([2]);
    expect(w.pending(a.deviceId)).toBeUndefined();
    expect(await store.getShadow(a.deviceId)).toMatchObject({ connectors: { '1': { status: 'Charging' } } });
    expect(await store.getShadow(b.deviceId)).toMatchObject({ connectors: { '1': { status: 'Available' } } });
  });

  it('a shadow marked while a write is in flight goes in the next one', async () => {
    const w = createShadowWriter({ store, log });
    const a = await aShadow('Preparing');
    w.save(a);
    const first = w.flush();
    await new Promise((r) => setImmediate(r)); // the first write has started
    const a2 = withStatus(a, 'Charging', '2026-01-01T00:00:02.000Z');
    w.save(a2);
    await first;
    await w.flush();
    expect(calls.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(2);
    expect(await store.getShadow(a.deviceId)).toMatchObject({ connectors: { '1': { status: 'Charging' } } });
  });

  it('a failed write is kept and written once the registry takes writes again', async () => {
    const w = createShadowWriter({ store, log });
    const a = await aShadow('Faulted');
    db!.exec('PRAGMA query_only = ON'); // SQLITE_READONLY on every write
    w.save(a);
    await w.flush();
    expect(await store.getShadow(a.deviceId)).toBeNull();
    expect(w.pending(a.deviceId)).toBe(a);
    db!.exec('PRAGMA query_only = OFF');
    await w.flush();
    expect(await store.getShadow(a.deviceId)).toMatchObject({ connectors: { '1': { status: 'Faulted' } } });
    expect(w.backlog).toBe(0);
  });

  it('a large fleet is written in bounded batches', async () => {
    const w = createShadowWriter({ store, log, maxBatch: 25 });
    const shadows = await Promise.all(Array.from({ length: 60 }, () => aShadow('Available')));
    for (const s of shadows) w.save(s);
    await w.flush();
    expect(calls).toEqual([25, 25, 10]);
    expect((await store.listShadows({ limit: 2000 })).filter((x) => x.shadow !== null)).toHaveLength(60);
  });
});
