/**
 * Contract for migration 10 (security profile upgrades, contracts/security-profile-upgrade.ts);
 * every backend runs it beside `registryStoreContract`. `make` opens a store on the current
 * test's storage.
 */
import { describe, expect, it } from 'vitest';
import { aDevice } from './contract.ts';
import { suiteStores } from './contract-stores.ts';
import type { NewSecurityProfileUpgrade } from '../../contracts/security-profile-upgrade.ts';
import type { RegistryStore } from './types.ts';

/** Test-data builder: an upgrade from profile 1 to 2, open for ten minutes. */
export function anUpgrade(deviceId: string, overrides: Partial<NewSecurityProfileUpgrade> = {}): NewSecurityProfileUpgrade {
  return { id: 'u1', deviceId, fromProfile: 1, toProfile: 2, deadline: new Date(Date.now() + 600_000).toISOString(), ...overrides };
}

export function registryProfileUpgradesContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`${name}: security profile upgrades`, () => {
    const { open } = suiteStores(make);

    it('starts an upgrade as sending and reads it back', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      expect(await s.getSecurityProfileUpgrade(d.id)).toBeNull();
      const deadline = '2030-01-01T00:00:00.000Z';
      const u = await s.startSecurityProfileUpgrade(anUpgrade(d.id, { toProfile: 3, deadline }));
      expect(u).toMatchObject({ id: 'u1', deviceId: d.id, fromProfile: 1, toProfile: 3, status: 'sending', chargerStatus: null, reason: null, deadline });
      expect(Date.parse(u!.requestedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await s.getSecurityProfileUpgrade(d.id)).toEqual(u);
    });

    it('answers null for a device that does not exist', async () => {
      const s = await open();
      expect(await s.startSecurityProfileUpgrade(anUpgrade('nosuchdevice'))).toBeNull();
      expect(await s.getSecurityProfileUpgrade('nosuchdevice')).toBeNull();
    });

    it('finishes only the open upgrade of the given id and status', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.startSecurityProfileUpgrade(anUpgrade(d.id));
      expect(await s.finishSecurityProfileUpgrade(d.id, 'other', ['sending'], { status: 'refused' })).toBeNull();
      expect(await s.finishSecurityProfileUpgrade(d.id, 'u1', ['awaitingReconnect'], { status: 'completed' })).toBeNull();
      const a = await s.finishSecurityProfileUpgrade(d.id, 'u1', ['sending'], { status: 'awaitingReconnect', chargerStatus: 'Accepted' });
      expect(a).toMatchObject({ status: 'awaitingReconnect', chargerStatus: 'Accepted', reason: null });
      // Fields not given stay as they were.
      const c = await s.finishSecurityProfileUpgrade(d.id, 'u1', ['sending', 'awaitingReconnect'], { status: 'completed' });
      expect(c).toMatchObject({ status: 'completed', chargerStatus: 'Accepted', reason: null });
      expect(await s.finishSecurityProfileUpgrade(d.id, 'u1', ['sending', 'awaitingReconnect'], { status: 'timedOut', reason: 'NO_RECONNECT' })).toBeNull();
      expect((await s.getSecurityProfileUpgrade(d.id))!.status).toBe('completed');
    });

    it('a new request replaces the earlier one, whose writes then miss', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.startSecurityProfileUpgrade(anUpgrade(d.id));
      await s.finishSecurityProfileUpgrade(d.id, 'u1', ['sending'], { status: 'refused', chargerStatus: 'Rejected', reason: 'CHARGER_REJECTED' });
      const u2 = await s.startSecurityProfileUpgrade(anUpgrade(d.id, { id: 'u2', fromProfile: 2, toProfile: 3 }));
      expect(u2).toMatchObject({ id: 'u2', fromProfile: 2, toProfile: 3, status: 'sending', chargerStatus: null, reason: null });
      expect(await s.finishSecurityProfileUpgrade(d.id, 'u1', ['sending'], { status: 'failed' })).toBeNull();
      expect((await s.getSecurityProfileUpgrade(d.id))!.id).toBe('u2');
    });

    it('goes with its device', async () => {
      const s = await open();
      const d = await s.createDevice(aDevice());
      await s.startSecurityProfileUpgrade(anUpgrade(d.id));
      expect(await s.deleteDevice(d.id)).toBe(true);
      expect(await s.getSecurityProfileUpgrade(d.id)).toBeNull();
      const again = await s.createDevice(aDevice({ id: d.id }));
      expect(await s.getSecurityProfileUpgrade(again.id)).toBeNull();
    });
  });
}
