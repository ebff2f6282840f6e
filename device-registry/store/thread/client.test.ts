import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../contracts/registry.ts';
import { GATEWAY_STORE_METHODS } from '../../../gateway/store-port.ts';
import { aDevice, aTransaction } from '../contract.ts';
import { createSqliteStore } from '../sqlite.ts';
import type { RegistryStore } from '../types.ts';
import { openRegistryThread, type RegistryThreadStore } from './client.ts';

describe('registry store on its own thread', () => {
  let dir: string;
  let file: string;
  let local: RegistryStore;
  let thread: RegistryThreadStore<(typeof GATEWAY_STORE_METHODS)[number]>;
  let health: Array<[string, string | null]>;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cb-registry-thread-'));
    file = path.join(dir, 'registry.db');
    // The process's own connection migrates first, as bin/start.ts does before the gateway starts.
    local = createSqliteStore({ file });
    await local.migrate();
    health = [];
    thread = openRegistryThread({
      file,
      methods: GATEWAY_STORE_METHODS,
      health: { fail: (c, p) => health.push([c, p.code]), ok: (c) => health.push([c, null]) },
    });
  });

  afterEach(async () => {
    await thread.close();
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes through the thread are committed when they resolve, and read back on another connection', async () => {
    const device = await thread.createDevice(aDevice({ chargePointId: 'CP-T1' }));
    expect(await local.getDevice(device.id)).toEqual(device);
    const tx = await thread.startTransaction(aTransaction(device.id));
    expect(await local.getTransaction(tx.id)).toEqual(tx);
    expect(await thread.getDeviceByChargePointId('CP-T1')).toEqual(device);
    expect(await thread.getDevice('no-such-device')).toBeNull();
    // The thread's store reported itself healthy, through the client.
    expect(health).toContainEqual(['registry', null]);
  });

  it('brings StoreError back with its code and field', async () => {
    await thread.createDevice(aDevice({ chargePointId: 'CP-DUP' }));
    const err = await thread.createDevice(aDevice({ chargePointId: 'CP-DUP' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'DUPLICATE', field: 'chargePointId' });
  });

  it('answers many concurrent writes, each once, with distinct transaction ids', async () => {
    const devices = await Promise.all(Array.from({ length: 50 }, (_, i) => thread.createDevice(aDevice({ chargePointId: `CP-C${i}` }))));
    const txs = await Promise.all(devices.flatMap((d) => [1, 2].map((c) => thread.startTransaction(aTransaction(d.id, { connectorId: c })))));
    expect(new Set(txs.map((t) => t.id)).size).toBe(100);
    expect((await local.listTransactions({ limit: 1000 })).total).toBe(100);
  });

  it('close() answers what was asked first, then refuses with UNAVAILABLE', async () => {
    const asked = Array.from({ length: 20 }, (_, i) => thread.createDevice(aDevice({ chargePointId: `CP-L${i}` })));
    const closing = thread.close();
    const answered = await Promise.allSettled(asked);
    await closing;
    expect(answered.every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await local.listDevices({})).total).toBe(20);
    await expect(thread.getDevice('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(thread.pending).toBe(0);
  });

  it('ready() rejects when the thread cannot open the store, and calls are refused with UNAVAILABLE, not left waiting', async () => {
    const bad = openRegistryThread({ file: path.join(file, 'not-a-directory', 'registry.db'), methods: GATEWAY_STORE_METHODS });
    try {
      await expect(bad.ready()).rejects.toThrow();
      await expect(bad.getDevice('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await bad.close();
    }
  });
});
