/**
 * Issue 19: active alerts survive a restart. Raised before, they are reloaded from the store,
 * published again retained on `{tenant}:{deviceId}/alerts`, listed over HTTP, and cleared (same
 * id, `until` set) by what the charger says after it reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Platform, startSystem, type System } from './harness.ts';
import { api, bootedCharger, cleared, raised } from './alerts-harness.ts';

let sys: System | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

describe('alerts across a restart', () => {
  it('an active alert is reloaded, published retained and cleared afterwards', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
    const first = await bootedCharger(sys, platform, 'RST-1');
    await first.cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'OverCurrentFailure', timestamp: new Date().toISOString() });
    const r = await raised(platform, first.deviceId, 'connectorFault', 1);
    await sys.alerts!.idle(); // stored
    await first.cp.close();
    await platform.close();
    const dir = sys.dir;
    await sys.stop({ keepData: true });

    sys = await startSystem({}, dir);
    // A platform connecting now gets the retained alerts at once, before any charger is back.
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
    const again = await raised(platform, first.deviceId, 'connectorFault', 1);
    expect(again.message.retain).toBe(true);
    expect(again.alert).toMatchObject({ id: r.alert.id, since: r.alert.since });
    const listed = await api(sys.httpUrl, 'GET', '/alerts?active=true');
    expect(listed.json.items.map((a: { id: string }) => a.id)).toEqual([r.alert.id]);

    const back = await bootedCharger(sys, platform, 'RST-1');
    // Reconnected and booted: the fresh shadow knows no connector yet, which is no news that the
    // fault is over (barrier: the role has handled what the platform saw).
    await sys.alerts!.idle();
    expect((await api(sys.httpUrl, 'GET', '/alerts?active=true')).json.items.map((a: { id: string }) => a.id)).toEqual([r.alert.id]);
    await back.cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
    await cleared(platform, first.deviceId, r.alert.id, again.index);
    const past = await api(sys.httpUrl, 'GET', `/alerts/${r.alert.id}`);
    expect(past.json.until).not.toBeNull();
    await back.cp.close();
  });

  it('a charger that does not come back after a restart raises offline', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
    const first = await bootedCharger(sys, platform, 'RST-GONE');
    await platform.close();
    const dir = sys.dir;
    await sys.stop({ keepData: true }); // closes the charger's connection; it does not reconnect
    await first.cp.close({ force: true }).catch(() => undefined);

    sys = await startSystem({}, dir);
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
    expect((await api(sys.httpUrl, 'PUT', '/alert-rules/offline', { params: { seconds: 1 } })).status).toBe(200);
    await sys.alerts!.idle();
    const r = await raised(platform, first.deviceId, 'offline');
    // The durable shadow (issue 16) is republished offline at start with why it went offline:
    // the clean stop of the previous process. (Without a stored shadow the rule says
    // notSeenSinceStart.)
    expect(r.alert.details).toMatchObject({ reason: 'shutdown' });
    const back = await bootedCharger(sys, platform, 'RST-GONE');
    await cleared(platform, first.deviceId, r.alert.id, r.index);
    await back.cp.close();
  });
});
