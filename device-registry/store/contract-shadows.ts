/**
 * Contract for migration 7 (device shadows, issue 16); every backend runs it beside
 * `registryStoreContract`. `make` opens a store on the current test's storage.
 */
import { describe, expect, it } from 'vitest';
import { aDevice } from './contract.ts';
import { suiteStores } from './contract-stores.ts';
import type { ShadowWrite } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

/** Test-data builder: a shadow write for a connection opened at `connectedAt`. */
export function aShadowWrite(deviceId: string, connectedAt: string | null, overrides: Record<string, unknown> = {}): ShadowWrite {
  return {
    deviceId,
    connectedAt,
    shadow: { deviceId, online: true, connectedAt, registration: 'Accepted', model: 'Terra 54', connectors: { '1': { status: 'Charging', errorCode: 'NoError', transactionId: 7, idTag: 'NOA' } }, ...overrides },
  };
}

const T1 = '2026-11-22T10:00:00.000Z';
const T2 = '2026-11-22T11:00:00.000Z';

export function registryShadowsContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`${name}: device shadows`, () => {
    const { open, another } = suiteStores(make);

    it('saves and reads back a shadow as given (nested JSON included)', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      expect(await s.getShadow(d.id)).toBeNull();
      const w = aShadowWrite(d.id, T1);
      expect(await s.saveShadows([w])).toBe(1);
      expect(await s.getShadow(d.id)).toEqual(w.shadow);
      const w2 = aShadowWrite(d.id, T1, { online: false, offlineReason: 'closed' });
      expect(await s.saveShadows([w2])).toBe(1);
      expect(await s.getShadow(d.id)).toEqual(w2.shadow);
    });

    it('a write for an unknown (or deleted) device is ignored, the others of the batch land', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      expect(await s.saveShadows([aShadowWrite('ffffffff', T1), aShadowWrite(d.id, T1)])).toBe(1);
      expect(await s.getShadow('ffffffff')).toBeNull();
      expect(await s.getShadow(d.id)).not.toBeNull();
    });

    it('a write of an older connection never replaces the shadow of a newer one (a zombie connection)', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveShadows([aShadowWrite(d.id, T2, { gateway: 'new' })]);
      expect(await s.saveShadows([aShadowWrite(d.id, T1, { gateway: 'old', online: false })])).toBe(0);
      expect(await s.saveShadows([aShadowWrite(d.id, null, { gateway: 'none' })])).toBe(0);
      expect(await s.getShadow(d.id)).toMatchObject({ gateway: 'new', online: true });
      // One never connected (connectedAt null) is replaced by any connection's.
      const e = await s.createDevice(aDevice());
      await s.saveShadows([aShadowWrite(e.id, null)]);
      expect(await s.saveShadows([aShadowWrite(e.id, T1, { gateway: 'first' })])).toBe(1);
      expect(await s.getShadow(e.id)).toMatchObject({ gateway: 'first' });
    });

    it('several writes of one device in a batch: applied in order, the older connection ignored', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveShadows([aShadowWrite(d.id, T1, { n: 1 }), aShadowWrite(d.id, T2, { n: 2 }), aShadowWrite(d.id, T1, { n: 3 }), aShadowWrite(d.id, T2, { n: 4 })]);
      expect(await s.getShadow(d.id)).toMatchObject({ n: 4 });
    });

    it('concurrent writers (two gateways): the newer connection wins whatever the order', async () => {
      const s = await open();
      const other = await another();
      const devices = await Promise.all(Array.from({ length: 20 }, () => s.createDevice(aDevice())));
      await Promise.all(devices.flatMap((d, i) => (i % 2 ? [s.saveShadows([aShadowWrite(d.id, T2, { by: 'new' })]), other.saveShadows([aShadowWrite(d.id, T1, { by: 'old' })])] : [other.saveShadows([aShadowWrite(d.id, T1, { by: 'old' })]), s.saveShadows([aShadowWrite(d.id, T2, { by: 'new' })])])));
      for (const d of devices) expect(await s.getShadow(d.id)).toMatchObject({ by: 'new' });
    });

    it('deleting a device deletes its shadow', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveShadows([aShadowWrite(d.id, T1)]);
      expect(await s.deleteDevice(d.id)).toBe(true);
      expect(await s.getShadow(d.id)).toBeNull();
      // A new device with the same id starts without the old one's shadow.
      const again = await s.createDevice(aDevice({ id: d.id }));
      expect(await s.getShadow(again.id)).toBeNull();
    });

    it('lists every device in id order with its shadow or null, page after page', async () => {
      const s = await open();
      const devices = await Promise.all(Array.from({ length: 7 }, () => s.createDevice(aDevice())));
      const withShadow = devices.filter((_, i) => i % 2 === 0);
      await s.saveShadows(withShadow.map((d) => aShadowWrite(d.id, T1)));
      const seen: Array<{ id: string; shadow: unknown }> = [];
      let after: string | undefined;
      for (;;) {
        const page = await s.listShadows({ afterDeviceId: after, limit: 3 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        for (const p of page) seen.push({ id: p.device.id, shadow: p.shadow });
        after = page[page.length - 1]!.device.id;
      }
      expect(seen.map((x) => x.id)).toEqual(devices.map((d) => d.id).sort());
      for (const x of seen) {
        const d = devices.find((dev) => dev.id === x.id)!;
        expect(x.shadow).toEqual(withShadow.includes(d) ? aShadowWrite(d.id, T1).shadow : null);
      }
      // The devices come whole (the startup republish needs tenant and identity).
      const first = await s.listShadows({ limit: 1 });
      expect(first[0]!.device).toEqual(await s.getDevice(first[0]!.device.id));
    });

    it('migration 7 applies on a database with data, and shadows survive a reopen', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.saveShadows([aShadowWrite(d.id, T1)]);
      await s.close();
      const again = await open();
      expect(await again.getShadow(d.id)).toEqual(aShadowWrite(d.id, T1).shadow);
    });
  });
}
