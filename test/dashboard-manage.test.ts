/**
 * Issue 19, the management pages in a real headless Chromium against the real system: devices
 * (list, create, edit label/site/enabled, set and remove the OCPP password), ID tags (list, add,
 * block, unblock), charging limits (now, daily window, clear), settings (read and write through
 * the neutral getSetting / setSetting) and trigger message, each driven from the page and checked
 * where it lands: the registry (HTTP API), a charger's handshake and Authorize, and the OCPP
 * requests an ocpp-rpc charger (1.6 and 2.0.1) receives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, startSystem, type System } from './harness.ts';
import { api } from './http.ts';
import { launchBrowser } from './browser.ts';

const ZONE = 'Europe/Berlin';

describe('dashboard management pages (issue 19) in headless Chromium', () => {
  let sys: System;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let cp: RPCClient;
  let v2: RPCClient;
  let deviceId = '';
  let v2Id = '';
  const received: Array<{ action: string; params: any }> = [];
  const config: Record<string, string> = { HeartbeatInterval: '300', MeterValueSampleInterval: '60' };
  const pageErrors: string[] = [];
  const http = () => api(sys.httpUrl, ADMIN_TOKEN);
  const got = (action: string) => received.filter((r) => r.action === action).map((r) => r.params);
  const open = async (hash: string, ready: string) => {
    await page.goto(`${sys.httpUrl}/${hash}`);
    await page.waitForSelector(ready, { timeout: 15_000 });
  };
  /** Submits through the confirmation dialog, checking what it says. */
  const confirm = async (text: RegExp) => {
    await page.waitForSelector('#confirm[open]');
    expect(await page.textContent('#confirm-text')).toMatch(text);
    await page.click('#confirm-ok');
  };

  beforeAll(async () => {
    sys = await startSystem();
    cp = await connectCharger(sys, 'MGR-ABB-1');
    const record = (action: string, answer: (p: any) => Record<string, unknown>) => cp.handle(action, async ({ params }) => (received.push({ action, params }), answer(params)));
    record('SetChargingProfile', () => ({ status: 'Accepted' }));
    record('ClearChargingProfile', () => ({ status: 'Accepted' }));
    record('TriggerMessage', () => ({ status: 'Accepted' }));
    record('GetConfiguration', (p: { key?: string[] }) => {
      const all = { ...config, ChargingScheduleAllowedChargingRateUnit: 'Current,Power', ConnectorPhaseRotation: '1.RST' } as Record<string, string>;
      const keys = p.key ?? Object.keys(all);
      return { configurationKey: keys.filter((k) => k in all).map((k) => ({ key: k, readonly: k === 'ConnectorPhaseRotation', value: all[k] })), unknownKey: keys.filter((k) => !(k in all)) };
    });
    record('ChangeConfiguration', (p: { key: string; value: string }) => ((config[p.key] = p.value), { status: 'Accepted' }));
    await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra AC' });
    await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    deviceId = (await http().get('/devices?chargePointId=MGR-ABB-1')).body.items[0].id;
    v2 = await connectCharger(sys, 'MGR-ALFEN-201', { protocols: ['ocpp2.0.1'] });
    v2.handle('TriggerMessage', async ({ params }) => (received.push({ action: 'v2:TriggerMessage', params }), { status: 'Accepted' }));
    v2.handle('GetVariables', async ({ params }) => {
      received.push({ action: 'v2:GetVariables', params });
      return { getVariableResult: (params as any).getVariableData.map((g: any) => ({ attributeStatus: 'Accepted', component: g.component, variable: g.variable, attributeValue: '120' })) };
    });
    await v2.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alfen', model: 'Eve Double' } });
    await v2.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    v2Id = (await http().get('/devices?chargePointId=MGR-ALFEN-201')).body.items[0].id;
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: ZONE });
    page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(sys.httpUrl);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
  }, 60_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    await cp?.close({ force: true }).catch(() => undefined);
    await v2?.close({ force: true }).catch(() => undefined);
    await sys?.stop();
  });

  it('devices: lists them, creates one with label, site and password; the charger must then use that password', async () => {
    await page.click('#nav a[data-section="devices"]');
    await page.waitForSelector(`#device-list tr[data-device="${deviceId}"]`);
    expect(await page.locator('#device-list tbody tr[data-device]').count()).toBe(2);
    await page.click('#create-panel summary');
    await page.fill('#device-create [name="chargePointId"]', 'MGR-NEW-1');
    await page.fill('#device-create [name="label"]', 'Bay 7');
    await page.fill('#device-create [name="siteName"]', 'Depot');
    await page.fill('#device-create [name="siteAddress"]', 'Hafenstraße 1');
    await page.fill('#device-create [name="password"]', 'correct-horse-battery');
    await page.click('#device-create button[type="submit"]');
    await expect.poll(() => page.textContent('#create-result'), { timeout: 15_000 }).toMatch(/^Added MGR-NEW-1 \(device [0-9a-f]{8}\)\.$/);
    const created = (await http().get('/devices?chargePointId=MGR-NEW-1')).body.items[0];
    expect(created).toMatchObject({ label: 'Bay 7', site: { name: 'Depot', address: 'Hafenstraße 1' }, enabled: true, hasPassword: true });
    const newRow = page.locator(`#device-list tr[data-device="${created.id}"]`);
    await expect.poll(() => newRow.count()).toBe(1);
    expect(await newRow.locator('.site').textContent()).toBe('Depot');
    // What the charger meets at its handshake: the password set from the page.
    const ok = await connectCharger(sys, 'MGR-NEW-1', { password: 'correct-horse-battery' });
    await ok.close({ force: true });
    await expect(connectCharger(sys, 'MGR-NEW-1', { password: 'wrong-password-0000000' })).rejects.toThrow(/Unauthorized/);
    // A duplicate is refused, with the API's reason on the page.
    await page.fill('#device-create [name="chargePointId"]', 'MGR-NEW-1');
    await page.click('#device-create button[type="submit"]');
    await expect.poll(() => page.textContent('#create-result'), { timeout: 15_000 }).toMatch(/Adding the device failed: .*exists/i);
  });

  it('devices: edits label, site and enabled, sets and removes the password', async () => {
    await open(`#/manage/devices/${deviceId}`, '#device-edit');
    await page.fill('#device-edit [name="label"]', 'Depot bay 1');
    await page.fill('#device-edit [name="siteName"]', 'Depot');
    await page.uncheck('#device-edit [name="enabled"]');
    await page.click('#device-edit button[type="submit"]');
    await expect.poll(() => page.textContent('#edit-result'), { timeout: 15_000 }).toBe('Saved.');
    expect((await http().get(`/devices/${deviceId}`)).body).toMatchObject({ label: 'Depot bay 1', site: { name: 'Depot' }, enabled: false });
    expect(await page.textContent('#device-admin h1')).toContain('Depot bay 1');
    // What the charger meets: disabled, its boot is Rejected; enabled again, Accepted.
    const boot = async () => ((await cp.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra AC' })) as { status: string }).status;
    expect(await boot()).toBe('Rejected');
    await page.check('#device-edit [name="enabled"]');
    await page.click('#device-edit button[type="submit"]');
    await expect.poll(async () => (await http().get(`/devices/${deviceId}`)).body.enabled, { timeout: 15_000 }).toBe(true);
    expect(await boot()).toBe('Accepted');
    // The fleet view has the new label and site at once.
    await open('#/', `tr[data-device="${deviceId}"]`);
    expect(await page.textContent(`tr[data-device="${deviceId}"] td`)).toContain('Depot bay 1');
    expect(await page.textContent(`tr[data-device="${deviceId}"] .site`)).toBe('Depot');
    // Password: set (confirmed), then removed.
    await open(`#/manage/devices/${deviceId}`, '#password-form');
    expect(await page.textContent('#has-password')).toBe('none');
    await page.fill('#password-form [name="password"]', 'a-new-password-123456');
    await page.click('#password-form button[type="submit"]');
    await confirm(/Set a new OCPP password for Depot bay 1/);
    await expect.poll(() => page.textContent('#has-password'), { timeout: 15_000 }).toBe('set');
    expect((await http().get(`/devices/${deviceId}`)).body.hasPassword).toBe(true);
    await page.click('#password-remove');
    await confirm(/Remove the OCPP password/);
    await expect.poll(() => page.textContent('#has-password'), { timeout: 15_000 }).toBe('none');
    expect((await http().get(`/devices/${deviceId}`)).body.hasPassword).toBe(false);
  });

  it('ID tags: lists, adds, blocks and unblocks; the charger is answered accordingly', async () => {
    expect((await http().post('/id-tags', { idTag: 'RFID-OLD' })).status).toBe(201);
    await page.click('#nav a[data-section="id-tags"]');
    await page.waitForSelector('#idtag-list tr[data-idtag="RFID-OLD"]');
    await page.fill('#idtag-add [name="idTag"]', 'RFID-NEW');
    await page.click('#idtag-add button[type="submit"]');
    await expect.poll(() => page.locator('#idtag-list tr[data-idtag="RFID-NEW"]').getAttribute('data-status'), { timeout: 15_000 }).toBe('Accepted');
    expect(await page.textContent('#idtag-count')).toBe('2 ID tags');
    expect(((await cp.call('Authorize', { idTag: 'RFID-NEW' })) as any).idTagInfo.status).toBe('Accepted');
    await page.click('#idtag-list button[data-block="RFID-NEW"]');
    await confirm(/Block ID tag RFID-NEW/);
    await expect.poll(() => page.locator('#idtag-list tr[data-idtag="RFID-NEW"]').getAttribute('data-status'), { timeout: 15_000 }).toBe('Blocked');
    expect((await http().get('/id-tags/RFID-NEW')).body.status).toBe('Blocked');
    expect(((await cp.call('Authorize', { idTag: 'RFID-NEW' })) as any).idTagInfo.status).toBe('Blocked');
    await page.click('#idtag-list button[data-unblock="RFID-NEW"]');
    await expect.poll(() => page.locator('#idtag-list tr[data-idtag="RFID-NEW"]').getAttribute('data-status'), { timeout: 15_000 }).toBe('Accepted');
    expect(((await cp.call('Authorize', { idTag: 'RFID-NEW' })) as any).idTagInfo.status).toBe('Accepted');
    // An expiry date given in the browser's zone reaches the API as the same instant.
    await page.fill('#idtag-add [name="idTag"]', 'RFID-TEMP');
    await page.fill('#idtag-add [name="expiryDate"]', '2031-03-04 05:06');
    await page.click('#idtag-add button[type="submit"]');
    await expect.poll(() => page.locator('#idtag-list tr[data-idtag="RFID-TEMP"]').count(), { timeout: 15_000 }).toBe(1);
    expect((await http().get('/id-tags/RFID-TEMP')).body.expiryDate).toBe('2031-03-04T04:06:00.000Z');
  });

  it('charging limit: now, in a daily window at the browser offset, and cleared: the charger gets each profile', async () => {
    await open(`#/manage/devices/${deviceId}`, '#limit-form');
    await page.selectOption('#limit-form [name="connectorId"]', '1');
    await page.fill('#limit-form [name="limit"]', '16');
    await page.click('#limit-form button[type="submit"]');
    await confirm(/Send a limit of 16 A on connector 1, now to Depot bay 1\?/);
    await expect.poll(() => page.textContent('#limit-result'), { timeout: 15_000 }).toBe('Charging limit: Accepted');
    const now = got('SetChargingProfile').at(-1);
    expect(now).toMatchObject({ connectorId: 1, csChargingProfiles: { chargingProfileId: 9001, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } } });
    // Daily 18:00–22:00 in the browser's zone (Europe/Berlin), 11 kW on the whole charger.
    await page.selectOption('#limit-form [name="connectorId"]', '0');
    await page.fill('#limit-form [name="limit"]', '11000');
    await page.selectOption('#limit-form [name="unit"]', 'W');
    await page.check('#limit-form [name="daily"]');
    await page.fill('#limit-form [name="from"]', '18:00');
    await page.fill('#limit-form [name="to"]', '22:00');
    await page.click('#limit-form button[type="submit"]');
    await confirm(/a limit of 11000 W on the whole charger, daily 18:00–22:00/);
    await expect.poll(() => got('SetChargingProfile').length, { timeout: 15_000 }).toBe(2);
    const daily = got('SetChargingProfile').at(-1);
    expect(daily).toMatchObject({ connectorId: 0, csChargingProfiles: { chargingProfileId: 9000, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', chargingSchedule: { duration: 4 * 3600, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] } } });
    const start = new Date(daily.csChargingProfiles.chargingSchedule.startSchedule);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start)).toBe('18:00');
    await expect.poll(() => page.textContent('#limit-result'), { timeout: 15_000 }).toBe('Charging limit: Accepted');
    await page.selectOption('#limit-form [name="connectorId"]', '1');
    await page.click('#limit-clear');
    await confirm(/Clear the charging limit of connector 1 on Depot bay 1\?/);
    await expect.poll(() => got('ClearChargingProfile'), { timeout: 15_000 }).toEqual([{ id: 9001 }]);
    await expect.poll(() => page.textContent('#limit-result'), { timeout: 15_000 }).toBe('Clear limit: Accepted');
  });

  it('settings: reads and writes through getSetting / setSetting; the charger gets GetConfiguration and ChangeConfiguration', async () => {
    await page.fill('#setting-form [name="key"]', 'HeartbeatInterval');
    await page.click('#setting-read');
    await expect.poll(() => page.textContent('#setting-result'), { timeout: 15_000 }).toBe('HeartbeatInterval = 300');
    expect(await page.inputValue('#setting-form [name="value"]')).toBe('300');
    expect(got('GetConfiguration').at(-1)).toEqual({ key: ['HeartbeatInterval'] });
    await page.fill('#setting-form [name="key"]', 'MeterValueSampleInterval');
    await page.fill('#setting-form [name="value"]', '30');
    await page.click('#setting-write');
    await confirm(/Set MeterValueSampleInterval to "30" on Depot bay 1\?/);
    await expect.poll(() => page.textContent('#setting-result'), { timeout: 15_000 }).toBe('MeterValueSampleInterval: Accepted');
    expect(got('ChangeConfiguration')).toEqual([{ key: 'MeterValueSampleInterval', value: '30' }]);
    await page.click('#setting-read');
    await expect.poll(() => page.textContent('#setting-result'), { timeout: 15_000 }).toBe('MeterValueSampleInterval = 30');
    await page.fill('#setting-form [name="key"]', 'NoSuchKey');
    await page.click('#setting-read');
    await expect.poll(() => page.textContent('#setting-result'), { timeout: 15_000 }).toBe('NoSuchKey: UnknownVariable');
  });

  it('trigger message: 1.6 with its connectorId, 2.0.1 with its EVSE; a 2.0.1 setting read through GetVariables', async () => {
    await page.selectOption('#trigger-form [name="requestedMessage"]', 'MeterValues');
    await page.selectOption('#trigger-form [name="connectorId"]', '1');
    await page.click('#trigger-form button[type="submit"]');
    await confirm(/Ask Depot bay 1 to send MeterValues for connector 1 now\?/);
    await expect.poll(() => got('TriggerMessage'), { timeout: 15_000 }).toEqual([{ requestedMessage: 'MeterValues', connectorId: 1 }]);
    await expect.poll(() => page.textContent('#trigger-result'), { timeout: 15_000 }).toBe('MeterValues: Accepted');

    await open(`#/manage/devices/${v2Id}`, '#trigger-form');
    const options = await page.locator('#trigger-form [name="requestedMessage"] option').allTextContents();
    expect(options).toContain('TransactionEvent');
    expect(options).not.toContain('DiagnosticsStatusNotification');
    await page.selectOption('#trigger-form [name="requestedMessage"]', 'StatusNotification');
    await page.selectOption('#trigger-form [name="connectorId"]', '1');
    await page.click('#trigger-form button[type="submit"]');
    await confirm(/StatusNotification for connector 1/);
    await expect.poll(() => got('v2:TriggerMessage'), { timeout: 15_000 }).toEqual([{ requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }]);
    await expect.poll(() => page.textContent('#trigger-result'), { timeout: 15_000 }).toBe('StatusNotification: Accepted');
    await page.fill('#setting-form [name="key"]', 'HeartbeatInterval');
    await page.click('#setting-read');
    await expect.poll(() => page.textContent('#setting-result'), { timeout: 15_000 }).toBe('HeartbeatInterval = 120');
    expect(got('v2:GetVariables').at(-1)).toEqual({ getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
    if (process.env['UPDATE_SCREENSHOTS']) await page.screenshot({ path: '/tmp/manage-test.png', fullPage: true });
  });

  it('shows a failed command on the page: an offline charger', async () => {
    const gone = (await http().get('/devices?chargePointId=MGR-NEW-1')).body.items[0].id as string;
    await open(`#/manage/devices/${gone}`, '#trigger-form');
    await page.click('#trigger-form button[type="submit"]');
    await confirm(/Ask Bay 7 to send/);
    await expect.poll(() => page.textContent('#trigger-result'), { timeout: 15_000 }).toMatch(/^Trigger failed: .*(offline|not connected)/i);
    expect(await page.getAttribute('#trigger-result', 'class')).toBe('bad');
  });
});
