/**
 * Issue 19, energy and sessions per day, in a real headless Chromium against the real system: a
 * 1.6 charger (ocpp-rpc) reports sessions that started on two different days in the page's zone
 * (Pacific/Auckland, far from UTC: just before and just after its midnight), another charger one
 * more; the charger view's "Per day" table and the fleet's totals line count each session on the
 * day it started, an active one as a session with 0 kWh, and the fleet's line follows a session
 * that ends while the page is open. At 390 px the page still does not scroll sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RPCClient } from 'ocpp-rpc';
import type { StartTransactionResponse } from '../ocpp/v16-types.ts';
import { ADMIN_TOKEN, connectCharger, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { launchBrowser } from './browser.ts';
// @ts-expect-error plain ES module served to the browser as is; no type declarations
import * as model from '../dashboards/web/model.js';

const ZONE = 'Pacific/Auckland';
const clock = { timeZone: ZONE };

/** The instant of 00:00 on `day` ('YYYY-MM-DD') in `zone`. */
function zoneMidnight(day: string, zone: string): number {
  const wall = Date.parse(`${day}T00:00:00Z`);
  let t = wall;
  for (let i = 0; i < 3; i++) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(t).map((x) => [x.type, x.value]));
    const asUtc = Date.parse(`${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}:${p['second']}Z`);
    t = wall - (asUtc - t);
  }
  return t;
}

describe('dashboard per-day energy and sessions (issue 19) in headless Chromium', () => {
  let sys: System;
  let browser: Browser;
  let desk: BrowserContext;
  let page: Page;
  const chargers: RPCClient[] = [];
  const ids: Record<string, string> = {};
  let activeTx = 0;
  let today = '';
  let yesterday = '';
  const pageErrors: string[] = [];
  const http = () => api(sys.httpUrl, ADMIN_TOKEN);
  const iso = (ms: number) => new Date(ms).toISOString();

  async function charger(identity: string): Promise<RPCClient> {
    const cp = await connectCharger(sys, identity);
    chargers.push(cp);
    await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra AC' });
    ids[identity] = (await http().get(`/devices?chargePointId=${identity}`)).body.items[0].id;
    return cp;
  }

  async function session(cp: RPCClient, connectorId: number, start: number, meterStart: number, stop?: { at: number; meter: number }): Promise<number> {
    const tx = ((await cp.call('StartTransaction', { connectorId, idTag: 'RFID-DAY', meterStart, timestamp: iso(start) })) as StartTransactionResponse).transactionId;
    if (stop) await cp.call('StopTransaction', { transactionId: tx, meterStop: stop.meter, timestamp: iso(stop.at), reason: 'Local' });
    return tx;
  }

  async function signIn(ctx: BrowserContext): Promise<Page> {
    const p = await ctx.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    p.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await p.goto(sys.httpUrl);
    await p.fill('#token', ADMIN_TOKEN);
    await p.click('#signin button[type="submit"]');
    await p.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    return p;
  }

  beforeAll(async () => {
    // Sessions a minute either side of the zone's midnight: not within the first 2 minutes of a day.
    let midnight = zoneMidnight(model.localDay(Date.now(), clock), ZONE);
    if (Date.now() - midnight < 120_000) await new Promise((r) => setTimeout(r, 120_000 - (Date.now() - midnight)));
    today = model.localDay(Date.now(), clock);
    midnight = zoneMidnight(today, ZONE);
    yesterday = model.localDay(midnight - 1000, clock);
    sys = await startSystem();
    const a = await charger('DAY-ABB-1');
    // Yesterday 23:59:00–23:59:50 in Auckland, 5 kWh; today 00:00:30–00:01:00, 2.5 kWh.
    await session(a, 1, midnight - 60_000, 1000, { at: midnight - 10_000, meter: 6000 });
    await session(a, 1, midnight + 30_000, 6000, { at: midnight + 60_000, meter: 8500 });
    // Running now: a session today, no energy yet.
    activeTx = await session(a, 2, Date.now() - 5000, 8500);
    // Another charger: one session yesterday, 1.234 kWh.
    const b = await charger('DAY-ABB-2');
    await session(b, 1, midnight - 3 * 3600_000, 0, { at: midnight - 2 * 3600_000, meter: 1234 });
    browser = await launchBrowser();
    desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: ZONE });
    page = await signIn(desk);
  }, 240_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    for (const cp of chargers) await cp.close({ force: true }).catch(() => undefined);
    await sys?.stop();
  });

  const dayRow = (p: Page, day: string) => p.locator(`#daily-rows tr[data-day="${day}"]`);
  const cells = async (p: Page, day: string) => [await dayRow(p, day).locator('[data-col="sessions"]').textContent(), await dayRow(p, day).locator('[data-col="kwh"]').textContent()];

  it("the fleet's totals: today and the last 14 days, across the tenant", async () => {
    await page.waitForSelector('#daily[data-loaded]', { timeout: 15_000 });
    expect(await page.textContent('#daily-line')).toBe('today: 2 sessions, 2.5 kWh · last 14 days: 4 sessions, 8.7 kWh');
    expect(await page.locator('#daily-rows tr').count()).toBe(14);
    expect(await cells(page, today)).toEqual(['2', '2.5']);
    expect(await cells(page, yesterday)).toEqual(['2', '6.2']);
    expect(await page.getAttribute('[data-chart="daily"]', 'data-points')).toBe('14');
    expect(await page.locator('[data-chart="daily"] canvas').count()).toBe(1);
  });

  it('the charger view: a row per day with its sessions and kWh, zero days included', async () => {
    await page.click(`tr[data-device="${ids['DAY-ABB-1']}"] a`);
    await page.waitForSelector('#daily[data-loaded]', { timeout: 15_000 });
    expect(await page.textContent('#daily h2')).toBe('Per day (last 14 days)');
    expect(await cells(page, today)).toEqual(['2', '2.5']);
    expect(await cells(page, yesterday)).toEqual(['1', '5.0']);
    const others = await page.locator('#daily-rows tr').evaluateAll((trs, days) => trs.filter((t) => !days.includes(t.getAttribute('data-day')!)).map((t) => [...(t as HTMLTableRowElement).cells].map((c) => c.textContent).join('|')), [today, yesterday]);
    expect(others).toHaveLength(12);
    for (const o of others) expect(o).toMatch(/^\d{1,2} [A-Z][a-z]{2}\|0\|0\.0$/);
    expect(await dayRow(page, today).locator('time').textContent()).toBe(model.dayLabel(today, { locale: 'en-GB' }));
    expect(await page.textContent('#daily-line')).toBe('today: 2 sessions, 2.5 kWh · last 14 days: 3 sessions, 7.5 kWh');
    await page.click('.crumbs a[href="#/"]');
    await page.waitForSelector('#fleet-rows tr[data-device]', { timeout: 15_000 });
    await page.waitForSelector('#daily[data-loaded]', { timeout: 15_000 });
    expect(await page.textContent('#daily-line')).toBe('today: 2 sessions, 2.5 kWh · last 14 days: 4 sessions, 8.7 kWh');
  });

  it('the fleet line follows a session that ends while the page is open', async () => {
    await chargers[0]!.call('StopTransaction', { transactionId: activeTx, meterStop: 9500, timestamp: new Date().toISOString(), reason: 'Local' });
    await expect.poll(async () => `${await page.evaluate(() => location.hash)} ${await page.textContent('#daily-line')}`, { timeout: 15_000 }).toBe('#/ today: 2 sessions, 3.5 kWh · last 14 days: 4 sessions, 9.7 kWh');
  });

  it('fits 390 px: no horizontal page scroll on the fleet and the charger view', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: ZONE, isMobile: true, hasTouch: true });
    const p = await signIn(phone);
    const width = () => p.evaluate(() => document.documentElement.scrollWidth);
    await p.waitForSelector('#daily[data-loaded]', { timeout: 15_000 });
    expect(await width()).toBeLessThanOrEqual(390);
    await p.goto(`${sys.httpUrl}/#/devices/${ids['DAY-ABB-1']}`);
    await p.waitForSelector('#daily[data-loaded]', { timeout: 15_000 });
    expect(await width()).toBeLessThanOrEqual(390);
    const chart = await p.locator('[data-chart="daily"] canvas').boundingBox();
    expect(chart!.x + chart!.width).toBeLessThanOrEqual(390);
    if (process.env['UPDATE_SCREENSHOTS']) await p.screenshot({ path: '/tmp/mobile-daily-test.png', fullPage: true });
    await phone.close();
    expect(pageErrors).toEqual([]);
  });
});
