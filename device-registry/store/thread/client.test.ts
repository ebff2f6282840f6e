import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../contracts/registry.ts';
import { GATEWAY_STORE_METHODS } from '../../../gateway/store-port.ts';
import { aDevice, aTransaction } from '../contract.ts';
import { createSqliteStore } from '../sqlite.ts';
import type { RegistryStore } from '../types.ts';
import type { Logger } from '../../../common/logger.ts';
import { openRegistryThread, type RegistryThreadStore } from './client.ts';

/** What crash-entry.test-fixture.ts ends its thread on (not imported: that module is a thread's entry). */
const CRASH = 'end-this-thread-now';

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

  it('a thread that dies mid-work: what it held is refused with UNAVAILABLE (nothing of it written), logged once, and the next call starts a new thread', async () => {
    const logged: Array<[Record<string, unknown>, string]> = [];
    const log = { error: (o: Record<string, unknown>, msg: string) => logged.push([o, msg]) } as unknown as Logger;
    const crashing = openRegistryThread({ file, methods: GATEWAY_STORE_METHODS, log, entry: new URL('./crash-entry.test-fixture.ts', import.meta.url) });
    try {
      const device = await crashing.createDevice(aDevice({ chargePointId: 'CP-X0' }));
      // The thread ends on the first of these; the writes asked after it never run.
      const held = [crashing.getDevice(CRASH), ...Array.from({ length: 5 }, (_, i) => crashing.createDevice(aDevice({ chargePointId: `CP-X${i + 1}` })))];
      expect(crashing.pending).toBe(6);
      const settled = await Promise.allSettled(held);
      for (const r of settled) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE' });
      }
      expect(crashing.pending).toBe(0);
      expect((await local.listDevices({})).total).toBe(1);
      expect(logged).toHaveLength(1);
      expect(logged[0]![0]).toMatchObject({ code: 70, pending: 6 });
      // A new thread, on the same file: reads and writes again.
      expect(await crashing.getDevice(device.id)).toEqual(device);
      const again = await crashing.createDevice(aDevice({ chargePointId: 'CP-X9' }));
      expect(await local.getDevice(again.id)).toEqual(again);
      expect(logged).toHaveLength(1);
    } finally {
      await crashing.close();
    }
  });
});
