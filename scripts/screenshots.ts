/**
 * npm run screenshots — docs/img/fleet.png, charger.png, manage.png and mobile.png: a real system
 * on loopback, simulated chargers on two sites (DC and AC, one faulted with its details, one set
 * Unavailable, one gone offline), the dashboard in headless Chromium (Debian's chromium through
 * playwright-core), an en-GB browser in Europe/Berlin.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ocppRpc from 'ocpp-rpc';
import { loadConfig } from '../common/config.ts';
import { createLogger } from '../common/logger.ts';
import { startAll } from '../bin/start.ts';
import { startFleet } from '../simulator/fleet.ts';
import { launchBrowser } from '../test/browser.ts';

const TOKEN = 'screenshot-admin-token-0123456789';
const config = loadConfig({ HOST: '127.0.0.1', OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cb-shots-')), API_TOKEN: TOKEN, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL: '60' });
const sys = await startAll(config, createLogger('warn'));
const ocpp = `ws://127.0.0.1:${sys.ports.ocpp}`;
const http = `http://127.0.0.1:${sys.ports.http}`;
const call = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(http + p, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
};

process.stderr.write('starting 11 simulated chargers…\n');
const fleet = await startFleet({ url: ocpp, chargers: 11, intervalS: 2, ramp: 50, sources: 1, dcShare: 0.5, prefix: 'SITE-A-', sessionS: [3600, 3600], idleS: [0.5, 4] });

// One charger faulted, one taken out of service on purpose, one that went away.
const client = async (identity: string, vendor: string, model: string) => {
  const c = new ocppRpc.RPCClient({ endpoint: ocpp, identity, protocols: ['ocpp1.6'], reconnect: false } as never);
  await c.connect();
  await c.call('BootNotification', { chargePointVendor: vendor, chargePointModel: model });
  return c;
};
const faulty = await client('SITE-B-FAULTY', 'Alfen', 'Eve Double');
await faulty.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-0417' });
const service = await client('SITE-B-SERVICE', 'KEBA', 'P30 x-series');
await service.call('StatusNotification', { connectorId: 1, status: 'Unavailable', errorCode: 'NoError' });
const gone = await client('SITE-B-PARKING-7', 'Etrel', 'INCH Home');
await gone.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
await gone.close({ force: true });

// Sites and a few labels in the registry; ID tags for the management page.
const devices = (await call('GET', '/devices?limit=1000')).items as Array<{ id: string; chargePointId: string }>;
for (const d of devices) {
  const b = d.chargePointId.startsWith('SITE-B-');
  await call('PATCH', `/devices/${d.id}`, { site: { name: b ? 'Mall car park' : 'Depot North', address: b ? 'Lindenallee 4' : 'Hafenstraße 12' } });
}
for (const [cp, label] of [['SITE-A-000001', 'Depot bay 1'], ['SITE-A-000002', 'Depot bay 2'], ['SITE-B-FAULTY', 'Mall level -1']]) {
  const d = devices.find((x) => x.chargePointId === cp);
  if (d) await call('PATCH', `/devices/${d.id}`, { label });
}
for (const idTag of ['04A2B3C4D5', '04FF10AB22', 'FLEET-0042']) await call('POST', '/id-tags', { idTag });

const browser = await launchBrowser();
const desk = await browser.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
const page = await desk.newPage();
await page.goto(http);
await page.fill('#token', TOKEN);
await page.click('#signin button[type="submit"]');
await page.waitForSelector('#live[data-state="live"]');
process.stderr.write('collecting 40 s of telemetry…\n');
await new Promise((r) => setTimeout(r, 40_000));
mkdirSync('docs/img', { recursive: true });
await page.screenshot({ path: 'docs/img/fleet.png' });
// A DC charger's view: the first charging ABB.
const dc = page.locator('tr[data-charging="true"]').filter({ hasText: 'ABB' }).first();
const dcId = await dc.getAttribute('data-device');
await dc.locator('a').first().click();
await page.waitForSelector('[data-chart="power"][data-points]');
await new Promise((r) => setTimeout(r, 10_000));
await page.screenshot({ path: 'docs/img/charger.png', fullPage: true });
// Its management page, with a setting read from the charger.
await page.goto(`${http}/#/manage/devices/${dcId}`);
await page.waitForSelector('#setting-form');
await page.fill('#setting-form [name="key"]', 'MeterValueSampleInterval');
await page.click('#setting-read');
await page.waitForSelector('#setting-result.ok');
await page.screenshot({ path: 'docs/img/manage.png', fullPage: true });
// A phone: the fleet as cards.
const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
const mobile = await phone.newPage();
await mobile.goto(http);
await mobile.fill('#token', TOKEN);
await mobile.click('#signin button[type="submit"]');
await mobile.waitForSelector('#live[data-state="live"]');
await new Promise((r) => setTimeout(r, 5_000));
await mobile.screenshot({ path: 'docs/img/mobile.png' });
process.stderr.write('written docs/img/fleet.png, charger.png, manage.png, mobile.png\n');
await browser.close();
await faulty.close({ force: true });
await service.close({ force: true });
await fleet.stop();
await sys.close();
process.exit(0);
