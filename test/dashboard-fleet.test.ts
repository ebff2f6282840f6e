/**
 * Issue 19, the fleet and charger views in a real headless Chromium against the real system,
 * with OCPP-J chargers (ocpp-rpc): fault details and unavailable counted apart, one 24-hour time
 * format with the zone named once (an en-US browser in Europe/Berlin, whose default would be
 * 12-hour), stable chart ranges, "power now" from history at page load (incomplete while a
 * charging charger has no sample), search and filters, a read-only token's page without
 * actions, the unlock warning, and the layout at 390 px (no horizontal page scroll).
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

const ZONE = 'Europe/Berlin';
const clock = { timeZone: ZONE, locale: 'en-US' };

const meter = (cp: RPCClient, txId: number, watts: number, soc?: number) =>
  cp.call('MeterValues', {
    connectorId: 1,
    transactionId: txId,
    meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(watts / 1000), measurand: 'Power.Active.Import', unit: 'kW' }, ...(soc === undefined ? [] : [{ value: String(soc), measurand: 'SoC', unit: 'Percent' }])] }],
  });

describe('dashboard fleet and charger views (issue 19) in headless Chromium', () => {
  let sys: System;
  let browser: Browser;
  let desk: BrowserContext;
  let page: Page;
  const chargers: RPCClient[] = [];
  const ids: Record<string, string> = {};
  let txA = 0;
  let txB = 0;
  const unlocks: unknown[] = [];
  const pageErrors: string[] = [];
  const http = () => api(sys.httpUrl, ADMIN_TOKEN);
  const row = (p: Page, cp: string) => p.locator(`tr[data-device="${ids[cp]}"]`);

  async function signIn(ctx: BrowserContext, token: string): Promise<Page> {
    const p = await ctx.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    p.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await p.goto(sys.httpUrl);
    await p.fill('#token', token);
    await p.click('#signin button[type="submit"]');
    await p.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    return p;
  }

  async function charger(identity: string, vendor: string, model: string): Promise<RPCClient> {
    const cp = await connectCharger(sys, identity);
    chargers.push(cp);
    await cp.call('BootNotification', { chargePointVendor: vendor, chargePointModel: model });
    ids[identity] = (await http().get(`/devices?chargePointId=${identity}`)).body.items[0].id;
    return cp;
  }

  beforeAll(async () => {
    sys = await startSystem();
    // A: charging, its power sent before any page opens (so only the history API knows it).
    const a = await charger('OPS-ABB-1', 'ABB', 'Terra 54');
    a.handle('UnlockConnector', async ({ params }) => (unlocks.push(params), { status: 'Unlocked' }));
    await a.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
    txA = ((await a.call('StartTransaction', { connectorId: 1, idTag: 'RFID-A', meterStart: 0, timestamp: new Date().toISOString() })) as StartTransactionResponse).transactionId;
    await a.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    await meter(a, txA, 7400, 40);
    // B: charging, no sample yet.
    const b = await charger('OPS-ALFEN-2', 'Alfen', 'Eve Double');
    txB = ((await b.call('StartTransaction', { connectorId: 1, idTag: 'RFID-B', meterStart: 0, timestamp: new Date().toISOString() })) as StartTransactionResponse).transactionId;
    await b.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    // C: faulted, with every detail a 1.6 StatusNotification can carry.
    const c = await charger('OPS-ETREL-3', 'Etrel', 'INCH');
    await c.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-17' });
    // D: set Unavailable on purpose: not a fault.
    const d = await charger('OPS-KEBA-4', 'KEBA', 'P30');
    await d.call('StatusNotification', { connectorId: 1, status: 'Unavailable', errorCode: 'NoError' });
    for (const [cp, site] of [['OPS-ABB-1', 'Depot'], ['OPS-ALFEN-2', 'Mall'], ['OPS-ETREL-3', 'Mall']] as const) {
      expect((await http().patch(`/devices/${ids[cp]}`, { site: { name: site } })).status).toBe(200);
    }
    expect((await http().patch(`/devices/${ids['OPS-ABB-1']}`, { label: 'Depot bay 1' })).status).toBe(200);
    // The history writer batches: wait until A's sample is stored, so the page finds it.
    for (let i = 0; !((await http().get(`/devices/${ids['OPS-ABB-1']}/history?attr=power&lastN=1`)).body.power ?? []).length; i++) {
      if (i > 150) throw new Error('the history API never had the sample');
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser();
    desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: ZONE });
    page = await signIn(desk, ADMIN_TOKEN);
  }, 60_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    for (const cp of chargers) await cp.close({ force: true }).catch(() => undefined);
    await sys?.stop();
  });

  it('power now comes from history at page load, marked incomplete while a charging charger has no sample', async () => {
    await expect.poll(() => row(page, 'OPS-ABB-1').locator('.power').textContent(), { timeout: 15_000 }).toBe('7.4 kW');
    expect(await row(page, 'OPS-ABB-1').locator('.soc').textContent()).toBe('40 %');
    expect(await row(page, 'OPS-ALFEN-2').locator('.power').textContent()).toBe('—');
    expect(await row(page, 'OPS-ALFEN-2').locator('.power').getAttribute('data-incomplete')).toBe('true');
    expect(await page.textContent('[data-total="power"]')).toBe('7.4 kW');
    expect(await page.textContent('[data-total="reporting"]')).toBe('incomplete: 1 of 2 chargers reporting');
    await meter(chargers[1]!, txB, 3700);
    await expect.poll(() => page.textContent('[data-total="power"]'), { timeout: 15_000 }).toBe('11.1 kW');
    expect(await page.locator('[data-total="reporting"]').count()).toBe(0);
  });

  it('shows a fault with its code, info, vendor code and since; unavailable is counted apart', async () => {
    const c = row(page, 'OPS-ETREL-3');
    await expect.poll(() => c.getAttribute('data-faulted'), { timeout: 15_000 }).toBe('true');
    const detail = c.locator('[data-fault-connector="1"]');
    const since = await detail.locator('time').getAttribute('datetime');
    expect(Date.parse(since!)).toBeGreaterThan(Date.now() - 120_000);
    expect(await detail.textContent()).toBe(`connector 1: Faulted · GroundFailure · RCD tripped · vendor code E-17 · since ${model.formatTime(since, clock)}`);
    expect(await page.textContent('[data-total="faulted"]')).toBe('1');
    expect(await page.textContent('[data-total="unavailable"]')).toBe('1');
    const d = row(page, 'OPS-KEBA-4');
    expect(await d.getAttribute('data-faulted')).toBe('false');
    expect(await d.getAttribute('data-unavailable')).toBe('true');
    expect(await d.locator('.fault-detail').count()).toBe(0);
    // Problems first: the faulted charger on top.
    expect(await page.locator('#fleet-rows tr').first().getAttribute('data-device')).toBe(ids['OPS-ETREL-3']);
    // The charger view shows the same details.
    await c.locator('a').first().click();
    await page.waitForSelector('#faults [data-fault-connector="1"]');
    expect(await page.textContent('#faults')).toContain('GroundFailure · RCD tripped · vendor code E-17 · since');
    await page.goBack();
    await page.waitForSelector('#fleet-rows');
  });

  it('uses one 24-hour time format, in the zone the header names, for tables, events and chart axes', async () => {
    expect(await page.textContent('#tz')).toBe(`times in ${model.timeZoneLabel({ timeZone: ZONE })}`);
    expect(await page.textContent('#tz')).toMatch(/^times in Europe\/Berlin \(UTC\+0[12]:00\)$/);
    // Every time on the fleet page is 24-hour (en-US would say "2:04:05 PM").
    const fleetText = (await page.textContent('#main')) ?? '';
    expect(fleetText).not.toMatch(/\b(AM|PM)\b/);
    const lastSeen = (await row(page, 'OPS-ABB-1').locator('td').last().textContent())!;
    expect(lastSeen).toMatch(/^\d\d:\d\d:\d\d$/);
    await page.click(`tr[data-device="${ids['OPS-ABB-1']}"] a`);
    await expect.poll(() => page.locator('#events time').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const ev = page.locator('#events time').first();
    expect(await ev.textContent()).toBe(model.formatTime(await ev.getAttribute('datetime'), clock));
    await expect.poll(() => page.locator('#sessions time').count(), { timeout: 15_000 }).toBe(1);
    const started = page.locator('#sessions time').first();
    expect(await started.textContent()).toBe(model.formatTime(await started.getAttribute('datetime'), clock));
    expect(await started.textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
    // uPlot's time axis, through its value formatter: 24-hour labels, the day on the first one.
    await expect.poll(() => page.getAttribute('[data-chart="power"]', 'data-x-labels'), { timeout: 15_000 }).toBeTruthy();
    const labels = (await page.getAttribute('[data-chart="power"]', 'data-x-labels'))!.split('|');
    for (const l of labels) expect(l).toMatch(/^\d\d:\d\d(:\d\d)?(\n[A-Z][a-z]{2} \d{1,2})?$/);
    expect(labels[0]).toContain('\n');
    expect(labels.join()).not.toMatch(/AM|PM/);
  });

  it("keeps the power chart's y axis from 0 to a round value above the maximum seen, not zoomed into noise", async () => {
    expect(await page.isVisible('#power-now')).toBe(true);
    for (const w of [49_500, 50_500, 49_800, 50_200]) await meter(chargers[0]!, txA, w);
    await expect.poll(() => page.getAttribute('[data-chart="power"]', 'data-points'), { timeout: 15_000 }).toBe('5');
    await expect.poll(() => page.getAttribute('[data-chart="power"]', 'data-y-max'), { timeout: 15_000 }).toBe('60');
    expect(await page.getAttribute('[data-chart="power"]', 'data-y-min')).toBe('0');
    expect(await page.getAttribute('[data-chart="soc"]', 'data-y-max')).toBe('100');
  });

  it('warns before unlocking a connector with a session running; Cancel sends nothing, confirming does', async () => {
    await page.fill('form[data-action="unlock"] input[name="connectorId"]', '1');
    await page.click('form[data-action="unlock"] button');
    await page.waitForSelector('#confirm[open]');
    expect(await page.textContent('#confirm-warning')).toBe(`Connector 1 has a session running (transaction ${txA}, RFID-A): unlocking it stops the session.`);
    expect(await page.isVisible('#confirm-warning')).toBe(true);
    expect(await page.textContent('#confirm-ok')).toBe('Unlock anyway');
    await page.click('#confirm button[value="cancel"]');
    await page.waitForTimeout(300);
    expect(unlocks).toEqual([]);
    await page.click('form[data-action="unlock"] button');
    await page.click('#confirm-ok');
    await expect.poll(() => unlocks, { timeout: 15_000 }).toEqual([{ connectorId: 1 }]);
    await expect.poll(() => page.textContent('#action-result'), { timeout: 15_000 }).toBe('Unlock: Unlocked');
    // A connector without a session: no warning.
    await page.click('form[data-action="reset"] button');
    expect(await page.isVisible('#confirm-warning')).toBe(false);
    await page.click('#confirm button[value="cancel"]');
    await page.click('a[href="#/"]');
    await page.waitForSelector('#fleet-rows tr[data-device]');
  });

  it('searches and filters the fleet (text, status, site, model), kept in the address across a reload', async () => {
    const shown = async () => (await page.locator('#fleet-rows tr[data-device]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-device')))).sort();
    const all = Object.values(ids).sort();
    expect(await shown()).toEqual(all);
    await page.fill('#filters input[name="q"]', 'alfen');
    expect(await shown()).toEqual([ids['OPS-ALFEN-2']]);
    expect(await page.textContent('#fleet-count')).toBe('1 of 4 chargers match');
    await page.fill('#filters input[name="q"]', 'OPS-ETREL');
    expect(await shown()).toEqual([ids['OPS-ETREL-3']]);
    await page.fill('#filters input[name="q"]', 'bay'); // the label
    expect(await shown()).toEqual([ids['OPS-ABB-1']]);
    await page.fill('#filters input[name="q"]', '');
    await page.selectOption('#filters select[name="status"]', 'faulted');
    expect(await shown()).toEqual([ids['OPS-ETREL-3']]);
    // The totals follow the filter.
    expect(await page.textContent('[data-total="faulted"]')).toBe('1');
    expect(await page.textContent('[data-total="charging"]')).toBe('0');
    await page.selectOption('#filters select[name="status"]', 'charging');
    expect(await shown()).toEqual([ids['OPS-ABB-1'], ids['OPS-ALFEN-2']].sort());
    await page.selectOption('#filters select[name="status"]', 'unavailable');
    expect(await shown()).toEqual([ids['OPS-KEBA-4']]);
    await page.selectOption('#filters select[name="status"]', 'online');
    expect(await shown()).toEqual(all);
    await page.selectOption('#filters select[name="status"]', '');
    // Site: a column and a filter.
    expect(await row(page, 'OPS-ABB-1').locator('.site').textContent()).toBe('Depot');
    expect(await page.locator('#filters select[name="site"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['', 'Depot', 'Mall', model.NO_SITE]);
    await page.selectOption('#filters select[name="site"]', 'Mall');
    expect(await shown()).toEqual([ids['OPS-ALFEN-2'], ids['OPS-ETREL-3']].sort());
    await page.selectOption('#filters select[name="model"]', 'Etrel INCH');
    expect(await shown()).toEqual([ids['OPS-ETREL-3']]);
    expect(await page.evaluate(() => location.hash)).toBe('#/?site=Mall&model=Etrel+INCH');
    await page.reload();
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    await expect.poll(shown, { timeout: 15_000 }).toEqual([ids['OPS-ETREL-3']]);
    expect(await page.inputValue('#filters select[name="site"]')).toBe('Mall');
    await page.selectOption('#filters select[name="site"]', model.NO_SITE);
    await page.selectOption('#filters select[name="model"]', '');
    expect(await shown()).toEqual([ids['OPS-KEBA-4']]);
    await page.click('#filters button[type="reset"]');
    await expect.poll(shown).toEqual(all);
    expect(await page.evaluate(() => location.hash)).toBe('#/');
  });

  it('a read-only token sees everything and no action: no operator forms, no Acknowledge, no management forms', async () => {
    const ro = (await http().post('/tokens', { role: 'read-only', label: 'viewer' })).body.token as string;
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: ZONE });
    const p = await signIn(viewer, ro);
    expect(await p.textContent('#who')).toBe('admin · read-only');
    await expect.poll(() => row(p, 'OPS-ETREL-3').getAttribute('data-faulted'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => p.locator('#alerts li[data-rule="connectorFault"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await p.locator('#alerts button[data-ack]').count()).toBe(0);
    await p.goto(`${sys.httpUrl}/#/devices/${ids['OPS-ABB-1']}`);
    await p.waitForSelector('#read-only-note');
    expect(await p.locator('#actions form, #actions button').count()).toBe(0);
    await expect.poll(() => p.textContent('#power-now'), { timeout: 15_000 }).toMatch(/kW/);
    await p.click('#manage-link');
    await p.waitForSelector('#device-edit');
    expect(await p.locator('#device-edit input[name="label"]').isDisabled()).toBe(true);
    expect(await p.inputValue('#device-edit input[name="label"]')).toBe('Depot bay 1');
    expect(await p.locator('#device-edit button, #password-form, #limit-form, #setting-form, #trigger-form').count()).toBe(0);
    await p.click('#nav a[data-section="devices"]');
    await p.waitForSelector(`#device-list tr[data-device="${ids['OPS-ABB-1']}"]`);
    expect(await p.locator('#device-create').count()).toBe(0);
    await p.click('#nav a[data-section="id-tags"]');
    await p.waitForSelector('#idtag-list');
    expect(await p.locator('#idtag-add, #idtag-list button').count()).toBe(0);
    await viewer.close();
  });

  it('works at 390 px: no horizontal page scroll on any page, fleet rows as cards, other tables scroll in their own box', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', timezoneId: ZONE, isMobile: true, hasTouch: true });
    const p = await signIn(phone, ADMIN_TOKEN);
    const width = () => p.evaluate(() => document.documentElement.scrollWidth);
    await p.waitForSelector(`tr[data-device="${ids['OPS-ETREL-3']}"] .fault-detail`, { timeout: 15_000 });
    expect(await width()).toBeLessThanOrEqual(390);
    // Cards: no table header, each row a block within the page's width.
    expect(await p.locator('table.fleet thead').evaluate((el) => getComputedStyle(el).display)).toBe('none');
    const box = await row(p, 'OPS-ETREL-3').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    if (process.env['UPDATE_SCREENSHOTS']) await p.screenshot({ path: '/tmp/mobile-fleet-test.png', fullPage: true });
    await p.goto(`${sys.httpUrl}/#/devices/${ids['OPS-ABB-1']}`);
    await p.waitForSelector('[data-chart="power"][data-points]', { timeout: 15_000 });
    await expect.poll(() => p.locator('#sessions tr[data-transaction]').count(), { timeout: 15_000 }).toBe(1);
    expect(await width()).toBeLessThanOrEqual(390);
    // The chart fits its column; the sessions table scrolls inside its wrapper.
    const chart = await p.locator('[data-chart="power"] canvas').boundingBox();
    expect(chart!.x + chart!.width).toBeLessThanOrEqual(390);
    expect(await p.locator('table.sessions').evaluate((t) => getComputedStyle(t.parentElement!).overflowX)).toBe('auto');
    for (const hash of ['#/manage/devices', `#/manage/devices/${ids['OPS-ABB-1']}`, '#/manage/id-tags']) {
      await p.goto(`${sys.httpUrl}/${hash}`);
      await p.waitForSelector('#device-list tbody tr[data-device], #device-edit, #idtag-list', { timeout: 15_000 });
      await p.waitForTimeout(200);
      expect(await width(), hash).toBeLessThanOrEqual(390);
    }
    // The confirmation dialog fits too.
    await p.goto(`${sys.httpUrl}/#/devices/${ids['OPS-ABB-1']}`);
    await p.click('form[data-action="unlock"] button');
    const dlg = await p.locator('#confirm').boundingBox();
    expect(dlg!.x).toBeGreaterThanOrEqual(0);
    expect(dlg!.x + dlg!.width).toBeLessThanOrEqual(390);
    await p.click('#confirm button[value="cancel"]');
    await phone.close();
  });
});
