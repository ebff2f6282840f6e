/**
 * Issue 16 "Done when": the restart with a charger in a session and no new BootNotification,
 * seen on the dashboard in a real headless Chromium. After the restart, before the charger is
 * back: offline since a time (not "since —"), with its vendor, model and connector Charging.
 * Once it reconnects (a Heartbeat, nothing else): online, still Charging.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { launchBrowser } from './browser.ts';


// Never skipped: without Chromium (.ci/run installs it) launchBrowser fails with the reason.
describe('dashboard across a gateway restart, in headless Chromium', () => {
  let sys: System | undefined;
  let browser: Browser | undefined;
  let cp: RPCClient | undefined;

  afterAll(async () => {
    await browser?.close();
    await cp?.close({ force: true }).catch(() => undefined);
    await sys?.stop();
  });

  async function signIn(s: System): Promise<Page> {
    browser ??= await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(s.httpUrl);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    return page;
  }

  it('shows the last state offline after the restart, and online again once the charger is back', async () => {
    sys = await startSystem();
    const dir = sys.dir;
    cp = await connectCharger(sys, 'DASH-RESTART-1');
    await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra 54' });
    await cp.call('StartTransaction', { connectorId: 1, idTag: 'RFID-1', meterStart: 0, timestamp: new Date().toISOString() });
    await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    await cp.call('Heartbeat', {}); // barrier: the shadow writes of the turns before it ran
    const deviceId = (await api(sys.httpUrl, ADMIN_TOKEN).get('/devices?chargePointId=DASH-RESTART-1')).body.items[0].id as string;
    await sys.stop({ keepData: true });
    cp = undefined;

    sys = await startSystem({}, dir);
    const page = await signIn(sys);
    const row = page.locator(`tr[data-device="${deviceId}"]`);
    await page.waitForSelector(`tr[data-device="${deviceId}"][data-online="false"] [data-connector="1"]`, { timeout: 15_000 });
    const presence = (await row.locator('.presence').textContent()) ?? '';
    expect(presence).toMatch(/OFFLINE/);
    expect(presence).toMatch(/since \d/);
    expect(await row.locator('td').first().textContent()).toContain('ABB Terra 54');
    expect(await row.locator('[data-connector="1"]').textContent()).toContain('Charging');

    cp = await connectCharger(sys, 'DASH-RESTART-1');
    await cp.call('Heartbeat', {});
    await page.waitForSelector(`tr[data-device="${deviceId}"][data-online="true"]`, { timeout: 15_000 });
    expect(await row.locator('[data-connector="1"]').textContent()).toContain('Charging');
    expect(await row.getAttribute('data-charging')).toBe('true');
  }, 90_000);
});
