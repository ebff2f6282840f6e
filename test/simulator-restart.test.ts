/**
 * Issue 16: the simulator across a gateway restart. Its charger reconnects with backoff, goes on
 * with the session that was open when the gateway went down (MeterValues reach the new
 * process's broker), and closes it afterwards with a StopTransaction: no session is left open.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../simulator/fleet.ts';
import { ADMIN_TOKEN, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let sys: System | undefined;
let fleet: Fleet | undefined;
let platform: Platform | undefined;

afterAll(async () => {
  await fleet?.stop();
  await platform?.close();
  await sys?.stop();
});

describe('simulator across a gateway restart', () => {
  it('reconnects, resumes the open session and stops it afterwards', async () => {
    const OCPP_PORT = String(await freePort());
    sys = await startSystem({ OCPP_PORT });
    const dir = sys.dir;
    fleet = await startFleet({ url: sys.ocppUrl, chargers: 1, intervalS: 0.5, ramp: 10, sources: 1, dcShare: 1, prefix: 'SIMR-', sessionS: [6, 6], idleS: [0.1, 0.1], restartSessions: false });
    const before = api(sys.httpUrl, ADMIN_TOKEN);
    await expect.poll(async () => (await before.get('/transactions?status=active')).body.total, { timeout: 10_000 }).toBe(1);
    const tx = (await before.get('/transactions?status=active')).body.items[0];

    await sys.stop({ keepData: true });
    sys = await startSystem({ OCPP_PORT }, dir);
    platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/attrs'] });
    const after = api(sys.httpUrl, ADMIN_TOKEN);

    // The session goes on after the restart: its samples reach the new process.
    const sample = await platform.waitFor((m) => m.json['transactionId'] === tx.id, 45_000, 'a sample of the open session after the restart');
    expect(sample.json['power']).toBeGreaterThan(0);
    // And it ends: StopTransaction for the transaction opened before the restart.
    await expect.poll(async () => (await after.get(`/transactions/${tx.id}`)).body.status, { timeout: 45_000 }).toBe('completed');
    const done = (await after.get(`/transactions/${tx.id}`)).body;
    expect(done.stopReason).toBe('Local');
    expect(done.meterStop).toBeGreaterThan(tx.meterStart);
    expect(fleet.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect((await after.get('/transactions?status=active')).body.total).toBe(0);
  }, 150_000);
});
