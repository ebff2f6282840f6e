/**
 * Contract for migration 2 (API tokens, templates) and the ID-tag list/delete; every backend
 * runs it beside `registryStoreContract`. `make` opens a store on the current test's storage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

export function registryExtrasContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`${name}: tokens, templates, id tags`, () => {
    let store: RegistryStore;
    const open = async () => {
      store = await make();
      await store.migrate();
      return store;
    };
    afterEach(async () => {
      await store?.close();
    });
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        return err instanceof StoreError ? `${err.code}:${err.field ?? ''}` : String(err);
      }
      return 'ok';
    };

    it('tokens: create, find by digest, list per tenant, delete within the tenant only', async () => {
      const s = await open();
      const a = await s.createToken({ tenant: 'acme', role: 'operator', label: 'ci', digest: 'aa'.repeat(32) });
      expect(a).toMatchObject({ tenant: 'acme', role: 'operator', label: 'ci', digest: 'aa'.repeat(32) });
      expect(a.id).toMatch(/^[0-9a-f]{12}$/);
      await s.createToken({ tenant: 'other', role: 'admin', digest: 'bb'.repeat(32) });
      expect(await s.findTokenByDigest('aa'.repeat(32))).toEqual(a);
      expect(await s.findTokenByDigest('cc'.repeat(32))).toBeNull();
      expect((await s.listTokens('acme')).map((t) => t.id)).toEqual([a.id]);
      expect(await code(s.createToken({ tenant: 'x', role: 'admin', digest: 'aa'.repeat(32) }))).toBe('DUPLICATE:digest');
      expect(await code(s.createToken({ id: a.id, tenant: 'x', role: 'admin', digest: 'dd'.repeat(32) }))).toBe('DUPLICATE:id');
      expect(await s.deleteToken('other', a.id)).toBe(false);
      expect(await s.findTokenByDigest('aa'.repeat(32))).not.toBeNull();
      expect(await s.deleteToken('acme', a.id)).toBe(true);
      expect(await s.findTokenByDigest('aa'.repeat(32))).toBeNull();
    });

    it('tokens: an expiry kept to the millisecond, last use recorded and never moved backwards', async () => {
      const s = await open();
      const t = await s.createToken({ tenant: 'acme', role: 'read-only', digest: 'ee'.repeat(32), expiresAt: '2031-05-01T10:00:00.123Z' });
      expect(t).toMatchObject({ expiresAt: '2031-05-01T10:00:00.123Z', lastUsedAt: null });
      expect((await s.createToken({ tenant: 'acme', role: 'read-only', digest: 'ef'.repeat(32) })).expiresAt).toBeNull();
      await s.touchToken(t.id, '2030-01-01T00:01:00.000Z');
      await s.touchToken(t.id, '2030-01-01T00:00:00.000Z');
      expect((await s.findTokenByDigest('ee'.repeat(32)))!.lastUsedAt).toBe('2030-01-01T00:01:00.000Z');
      await s.touchToken('nope', '2030-01-01T00:00:00.000Z');
    });

    it('templates: CRUD, label unique per tenant, tenant confinement', async () => {
      const s = await open();
      const attrs = [{ label: 'power', type: 'dynamic' as const, valueType: 'float' as const }];
      const t = await s.createTemplate({ tenant: 'acme', label: 'dc', attrs });
      expect(t).toMatchObject({ tenant: 'acme', label: 'dc', attrs });
      expect(t.id).toMatch(/^[0-9a-f]{8}$/);
      await s.createTemplate({ tenant: 'other', label: 'dc', attrs: [] }); // same label, other tenant
      expect(await code(s.createTemplate({ tenant: 'acme', label: 'dc', attrs: [] }))).toBe('DUPLICATE:label');
      expect(await s.getTemplate('other', t.id)).toBeNull();
      const t2 = await s.createTemplate({ tenant: 'acme', label: 'ac', attrs: [] });
      expect(await code(s.updateTemplate('acme', t2.id, { label: 'dc' }))).toBe('DUPLICATE:label');
      const u = await s.updateTemplate('acme', t.id, { label: 'dc-fast' });
      expect(u).toMatchObject({ label: 'dc-fast', attrs });
      expect(Date.parse(u!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(t.updatedAt));
      expect(await s.updateTemplate('other', t.id, { label: 'x' })).toBeNull();
      const page = await s.listTemplates('acme', { limit: 1 });
      expect(page.total).toBe(2);
      expect(page.items).toHaveLength(1);
      expect(await s.deleteTemplate('other', t.id)).toBe(false);
      expect(await s.deleteTemplate('acme', t.id)).toBe(true);
      expect(await s.getTemplate('acme', t.id)).toBeNull();
    });

    it('id tags: list per tenant in order, delete case-insensitively', async () => {
      const s = await open();
      for (const idTag of ['B', 'A', 'C']) await s.upsertIdTag({ tenant: 'acme', idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
      await s.upsertIdTag({ tenant: 'other', idTag: 'Z', status: 'Blocked', expiryDate: null, parentIdTag: null });
      const page = await s.listIdTags('acme', { limit: 2 });
      expect(page.total).toBe(3);
      expect(page.items.map((t) => t.idTag)).toEqual(['A', 'B']);
      expect(await s.deleteIdTag('other', 'a')).toBe(false);
      expect(await s.deleteIdTag('acme', 'a')).toBe(true);
      expect(await s.getIdTag('acme', 'A')).toBeNull();
    });

    it('migration 2 applies on a database that has migration 1 data', async () => {
      const s = await open();
      const d = await s.createDevice({ tenant: 'acme', chargePointId: 'KEEP-1' });
      await s.close();
      const again = await open();
      expect(await again.getDevice(d.id)).toMatchObject({ chargePointId: 'KEEP-1' });
      expect(await again.listTokens('acme')).toEqual([]);
    });
  });
}
