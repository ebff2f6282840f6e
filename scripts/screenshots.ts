/**
 * npm run screenshots — docs/img/fleet.png and docs/img/charger.png: a real system on loopback,
 * simulated chargers (DC and AC, one faulted, one gone offline), the dashboard in headless
 * Chromium (Debian's chromium through playwright-core).
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

process.stderr.write('starting 11 simulated chargers…\n');
const fleet = await startFleet({ url: ocpp, chargers: 11, intervalS: 2, ramp: 50, sources: 1, dcShare: 0.5, prefix: 'SITE-A-', sessionS: [3600, 3600], idleS: [0.5, 4] });

// One charger faulted, one that went away.
const faulty = new ocppRpc.RPCClient({ endpoint: ocpp, identity: 'SITE-B-FAULTY', protocols: ['ocpp1.6'], reconnect: false } as never);
await faulty.connect();
await faulty.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve Double' });
await faulty.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped' });
const gone = new ocppRpc.RPCClient({ endpoint: ocpp, identity: 'SITE-B-PARKING-7', protocols: ['ocpp1.6'], reconnect: false } as never);
await gone.connect();
await gone.call('BootNotification', { chargePointVendor: 'Etrel', chargePointModel: 'INCH Home' });
await gone.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
await gone.close({ force: true });

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
await page.goto(http);
await page.fill('#token', TOKEN);
await page.click('#signin button[type="submit"]');
await page.waitForSelector('#live[data-state="live"]');
process.stderr.write('collecting 40 s of telemetry…\n');
await new Promise((r) => setTimeout(r, 40_000));
mkdirSync('docs/img', { recursive: true });
await page.screenshot({ path: 'docs/img/fleet.png' });
// A DC charger's view: the first row whose power is in the tens of kW.
const dc = page.locator('tr[data-charging="true"]').filter({ hasText: 'ABB' }).first();
await dc.locator('a').click();
await page.waitForSelector('[data-chart="power"][data-points]');
await new Promise((r) => setTimeout(r, 10_000));
await page.screenshot({ path: 'docs/img/charger.png', fullPage: true });
process.stderr.write('written docs/img/fleet.png, docs/img/charger.png\n');
await browser.close();
await faulty.close({ force: true });
await fleet.stop();
await sys.close();
process.exit(0);
