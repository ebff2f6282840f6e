/**
 * Issue 13 "Abuse is throttled", from outside with real WebSocket handshakes: identities that
 * are not printable or too long are refused before anything is provisioned; repeated failed
 * charger authentications back off and then lock the identity (and an address probing unknown
 * identities) out for a while, even with the right password, counted in /metrics; the lockout
 * ends by itself.
 */
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_TOKEN, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

const systems: System[] = [];
afterAll(async () => {
  for (const s of systems) await s.stop();
});

async function handshake(sys: System, rawIdentity: string, password?: string): Promise<number> {
  const user = decodeURIComponent(rawIdentity);
  const headers: Record<string, string> = password === undefined ? {} : { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
  const ws = new WebSocket(`${sys.ocppUrl}/${rawIdentity}`, ['ocpp1.6'], { headers });
  ws.on('error', () => undefined);
  const [ev, res] = (await Promise.race([once(ws, 'open').then(() => ['open', null]), once(ws, 'unexpected-response').then((a) => ['refused', a[1]]), once(ws, 'error').then(() => ['error', null])])) as [string, { statusCode: number; resume(): void } | null];
  if (ev === 'open') {
    ws.close();
    return 101;
  }
  if (ev === 'error') return 0;
  res!.resume();
  return res!.statusCode;
}

const metricNow = async (sys: System, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await api(sys.httpUrl, ADMIN_TOKEN).get('/metrics')).text)?.[1] ?? NaN);
/** The gateway thread reports its counters four times a second: the value once it is at least `min`. */
async function metric(sys: System, name: string, min = 1): Promise<number> {
  for (const t = Date.now(); Date.now() - t < 5000; await new Promise((r) => setTimeout(r, 50))) {
    const v = await metricNow(sys, name);
    if (v >= min) return v;
  }
  return metricNow(sys, name);
}

describe('identities', () => {
  it('refuses control, bidi and over-long identities with 400 and provisions nothing', async () => {
    const sys = await startSystem();
    systems.push(sys);
    for (const raw of ['CP%00X', 'CP%0D%0AInjected', 'CP%E2%80%AEexe.gnp', 'CP%E2%80%8B1', '%20CP', 'x'.repeat(49)]) {
      expect(await handshake(sys, raw), raw).toBe(400);
    }
    // 15,000 characters: refused (by Node's header limit or by us), never provisioned.
    expect([400, 414, 431, 0]).toContain(await handshake(sys, 'y'.repeat(15_000)));
    expect(await handshake(sys, 'GOOD%20ONE')).toBe(101);
    const devices = (await api(sys.httpUrl, ADMIN_TOKEN).get('/devices?limit=1000')).body.items.map((d: { chargePointId: string }) => d.chargePointId);
    expect(devices).toEqual(['GOOD ONE']);
  });
});

describe('failed charger authentications', () => {
  it('back off, then lock the identity out even with the right password, and the lockout ends by itself', async () => {
    const sys = await startSystem({ OCPP_AUTH_MAX_FAILURES: '3', OCPP_AUTH_LOCKOUT_MS: '1500', OCPP_AUTH_WINDOW_MS: '60000' });
    systems.push(sys);
    const http = api(sys.httpUrl, ADMIN_TOKEN);
    expect((await http.post('/devices', { chargePointId: 'LOCK-1', ocppPassword: 'correct-horse-battery' })).status).toBe(201);
    expect(await handshake(sys, 'LOCK-1', 'wrong-password-000')).toBe(401);
    // Right away again: inside the backoff, refused without checking the password.
    expect(await handshake(sys, 'LOCK-1', 'correct-horse-battery')).toBe(429);
    await new Promise((r) => setTimeout(r, 500));
    expect(await handshake(sys, 'LOCK-1', 'wrong-password-001')).toBe(401);
    // Three failures within the window: locked out, the right password too.
    expect(await handshake(sys, 'LOCK-1', 'correct-horse-battery')).toBe(429);
    await new Promise((r) => setTimeout(r, 500));
    expect(await handshake(sys, 'LOCK-1', 'correct-horse-battery')).toBe(429);
    expect(await metric(sys, 'chargebridge_ocpp_auth_lockouts_total')).toBe(1);
    expect(await metric(sys, 'chargebridge_ocpp_auth_throttled_total', 2)).toBeGreaterThanOrEqual(2);
    expect(await metric(sys, 'chargebridge_ocpp_auth_failures_total', 3)).toBeGreaterThanOrEqual(3);
    // Another charger is not affected.
    expect((await http.post('/devices', { chargePointId: 'LOCK-2', ocppPassword: 'another-good-password' })).status).toBe(201);
    expect(await handshake(sys, 'LOCK-2', 'another-good-password')).toBe(101);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await handshake(sys, 'LOCK-1', 'correct-horse-battery')).toBe(101);
  });

  it('lock out an address that probes unknown identities', async () => {
    const sys = await startSystem({ AUTO_PROVISION: 'false', OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '5', OCPP_AUTH_LOCKOUT_MS: '60000' });
    systems.push(sys);
    const http = api(sys.httpUrl, ADMIN_TOKEN);
    expect((await http.post('/devices', { chargePointId: 'KNOWN-1' })).status).toBe(201);
    for (let i = 0; i < 5; i++) expect(await handshake(sys, `PROBE-${i}`)).toBe(404);
    expect(await handshake(sys, 'PROBE-5')).toBe(429);
    expect(await handshake(sys, 'KNOWN-1')).toBe(429);
    expect(await metric(sys, 'chargebridge_ocpp_auth_lockouts_total')).toBe(1);
  });
});
