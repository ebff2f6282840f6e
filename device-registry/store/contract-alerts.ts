/**
 * Contract for migration 6 (alerts, alert rules, targets, deliveries); every backend runs it
 * beside `registryStoreContract`. `make` opens a store on the current test's storage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../contracts/alert-rules.ts';
import type { Alert } from '../../contracts/alerts.ts';
import { StoreError } from '../../contracts/registry.ts';
import type { RegistryStore } from './types.ts';

let n = 0;
export function anAlert(o: Partial<Alert> = {}): Alert {
  n++;
  return {
    id: `${n.toString(16).padStart(12, '0')}abcd`,
    tenant: 'acme',
    deviceId: 'a1b2c3d4',
    chargePointId: 'CP-1',
    connectorId: 1,
    rule: 'connectorFault',
    severity: 'critical',
    message: 'connector 1 Faulted (GroundFailure)',
    details: { errorCode: 'GroundFailure' },
    since: '2026-11-22T10:00:00.000Z',
    until: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    ...o,
  };
}

export function registryAlertsContract(name: string, make: () => Promise<RegistryStore>): void {
  describe(`${name}: alerts`, () => {
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

    it('alerts: saved, cleared by id, listed newest first, active filter, per tenant', async () => {
      const s = await open();
      const a = await s.saveAlert(anAlert());
      expect(a).toEqual(anAlertLike(a));
      const b = await s.saveAlert(anAlert({ connectorId: null, rule: 'offline', since: '2026-11-22T11:00:00.000Z', details: {} }));
      await s.saveAlert(anAlert({ tenant: 'other' }));
      const cleared = await s.saveAlert({ ...a, until: '2026-11-22T12:00:00.000Z', message: 'changed' });
      expect(cleared).toMatchObject({ id: a.id, until: '2026-11-22T12:00:00.000Z', message: 'changed', since: a.since });
      const all = await s.listAlerts({ tenant: 'acme' });
      expect(all.total).toBe(2);
      expect(all.items.map((x) => x.id)).toEqual([b.id, a.id]);
      expect((await s.listAlerts({ tenant: 'acme', active: true })).items.map((x) => x.id)).toEqual([b.id]);
      expect((await s.listAlerts({ tenant: 'acme', active: false })).items.map((x) => x.id)).toEqual([a.id]);
      expect((await s.listAlerts({ active: true })).total).toBe(2);
      expect(await s.getAlert('other', a.id)).toBeNull();
      expect(await s.getAlert('acme', b.id)).toEqual(b);
    });

    it('alerts: one active per rule, device and connector; a cleared one may be raised again', async () => {
      const s = await open();
      const a = await s.saveAlert(anAlert());
      expect(await code(s.saveAlert(anAlert()))).toBe('DUPLICATE:rule');
      expect(await code(s.saveAlert(anAlert({ connectorId: 2 })))).toBe('ok');
      await s.saveAlert({ ...a, until: '2026-11-22T10:05:00.000Z' });
      expect(await code(s.saveAlert(anAlert({ since: '2026-11-22T10:06:00.000Z' })))).toBe('ok');
      const nullConnector = anAlert({ connectorId: null, rule: 'offline' });
      await s.saveAlert(nullConnector);
      expect(await code(s.saveAlert(anAlert({ connectorId: null, rule: 'offline' })))).toBe('DUPLICATE:rule');
    });

    it('alerts: acknowledged once, within the tenant', async () => {
      const s = await open();
      const a = await s.saveAlert(anAlert());
      expect(await s.acknowledgeAlert('other', a.id, 'x', '2026-11-22T10:01:00.000Z')).toBeNull();
      const ack = await s.acknowledgeAlert('acme', a.id, 'tok1', '2026-11-22T10:01:00.000Z');
      expect(ack).toMatchObject({ acknowledgedAt: '2026-11-22T10:01:00.000Z', acknowledgedBy: 'tok1' });
      const again = await s.acknowledgeAlert('acme', a.id, 'tok2', '2026-11-22T10:02:00.000Z');
      expect(again).toMatchObject({ acknowledgedAt: '2026-11-22T10:01:00.000Z', acknowledgedBy: 'tok1' });
      // Clearing keeps the acknowledgement.
      expect(await s.saveAlert({ ...a, until: '2026-11-22T10:03:00.000Z' })).toMatchObject({ acknowledgedBy: 'tok1' });
    });

    it('rules: put replaces, listed per tenant and all, deleted', async () => {
      const s = await open();
      await s.putAlertRule('acme', { ...DEFAULT_RULES.offline, params: { seconds: 60 } });
      const r = await s.putAlertRule('acme', { ...DEFAULT_RULES.offline, enabled: false, params: { seconds: 90 } });
      expect(r).toEqual({ kind: 'offline', enabled: false, severity: 'critical', params: { seconds: 90 } });
      await s.putAlertRule('other', DEFAULT_RULES.bootLoop);
      expect(await s.listAlertRules('acme')).toEqual([{ tenant: 'acme', rule: r }]);
      expect((await s.listAlertRules()).map((x) => `${x.tenant}:${x.rule.kind}`)).toEqual(['acme:offline', 'other:bootLoop']);
      expect(await s.deleteAlertRule('other', 'offline')).toBe(false);
      expect(await s.deleteAlertRule('acme', 'offline')).toBe(true);
      expect(await s.listAlertRules('acme')).toEqual([]);
    });

    it('targets: webhook and e-mail, per tenant', async () => {
      const s = await open();
      const w = await s.createAlertTarget({ tenant: 'acme', type: 'webhook', url: 'https://example.com/hook', secret: 's3cret', label: 'ops' });
      expect(w).toMatchObject({ tenant: 'acme', type: 'webhook', url: 'https://example.com/hook', secret: 's3cret', label: 'ops', enabled: true });
      const e = await s.createAlertTarget({ tenant: 'acme', type: 'email', to: ['ops@example.com', 'b@example.com'] });
      expect(e).toMatchObject({ type: 'email', to: ['ops@example.com', 'b@example.com'], label: '' });
      expect(await code(s.createAlertTarget({ id: w.id, tenant: 'x', type: 'email', to: [] }))).toBe('DUPLICATE:id');
      // Two created within one millisecond have no order between them: compared as a set.
      expect((await s.listAlertTargets('acme')).map((t) => t.id).sort()).toEqual([w.id, e.id].sort());
      expect(await s.listAlertTargets('other')).toEqual([]);
      expect(await s.deleteAlertTarget('other', w.id)).toBe(false);
      expect(await s.deleteAlertTarget('acme', w.id)).toBe(true);
      expect((await s.listAlertTargets('acme')).map((t) => t.id)).toEqual([e.id]);
    });

    it('deliveries: created pending, updated, listed by status and tenant', async () => {
      const s = await open();
      const d = await s.createDelivery({ tenant: 'acme', alertId: 'aa', targetId: 'tt', event: 'alert.raised', payload: '{"x":1}' });
      expect(d).toMatchObject({ status: 'pending', attempts: 0, lastError: null, payload: '{"x":1}' });
      const u = await s.updateDelivery(d.id, { attempts: 1, lastError: 'HTTP 500', lastAttemptAt: '2026-11-22T10:00:01.000Z' });
      expect(u).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500', lastAttemptAt: '2026-11-22T10:00:01.000Z' });
      const done = await s.updateDelivery(d.id, { status: 'delivered', attempts: 2, deliveredAt: '2026-11-22T10:00:03.000Z' });
      expect(done).toMatchObject({ status: 'delivered', attempts: 2, lastError: 'HTTP 500', deliveredAt: '2026-11-22T10:00:03.000Z' });
      await s.createDelivery({ tenant: 'other', alertId: 'bb', targetId: 'tt', event: 'alert.raised', payload: '{}' });
      expect((await s.listDeliveries({ tenant: 'acme' })).items.map((x) => x.id)).toEqual([d.id]);
      expect((await s.listDeliveries({ status: 'pending' })).total).toBe(1);
      expect((await s.listDeliveries({ tenant: 'acme', alertId: 'aa', status: 'delivered' })).total).toBe(1);
      expect(await s.updateDelivery('nope', { status: 'failed' })).toBeNull();
    });

    it('retention: cleared alerts and finished deliveries before the cut are deleted; active ones and pending deliveries stay', async () => {
      const s = await open();
      const old = await s.saveAlert(anAlert({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z' }));
      const active = await s.saveAlert(anAlert({ since: '2026-01-01T00:00:00.000Z', connectorId: 3 }));
      const recent = await s.saveAlert(anAlert({ since: '2026-01-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z', connectorId: 4 }));
      const done = await s.createDelivery({ tenant: 'acme', alertId: old.id, targetId: 't', event: 'alert.raised', payload: '{}' });
      await s.updateDelivery(done.id, { status: 'delivered' });
      const pending = await s.createDelivery({ tenant: 'acme', alertId: old.id, targetId: 't', event: 'alert.cleared', payload: '{}' });
      const cut = new Date(Date.now() + 1000).toISOString();
      expect(await s.pruneAlerts('2026-02-01T00:00:00.000Z')).toEqual({ alerts: 1, deliveries: 0 });
      expect(await s.getAlert('acme', old.id)).toBeNull();
      expect(await s.getAlert('acme', active.id)).not.toBeNull();
      expect(await s.getAlert('acme', recent.id)).not.toBeNull();
      expect(await s.pruneAlerts(cut)).toEqual({ alerts: 1, deliveries: 1 });
      expect((await s.listDeliveries({ tenant: 'acme' })).items.map((d) => d.id)).toEqual([pending.id]);
    });
  });
}

function anAlertLike(a: Alert): Alert {
  return { ...a };
}
