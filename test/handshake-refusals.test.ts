/**
 * Issue 16: refused handshakes are visible. An unknown identity (404), a wrong password (401)
 * and a charger offering only a subprotocol the gateway does not speak (400) are each logged with
 * the remote address and the reason, counted in /metrics by reason, and published for operators
 * on `{DEFAULT_TENANT}:gateway/refusals`, where another tenant's client does not see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let admin: Platform;

/** The HTTP status a plain WebSocket handshake gets. */
function handshake(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', (err) => reject(err));
  });
}

beforeAll(async () => {
  sys = await startSystem({ AUTO_PROVISION: 'false' });
  admin = await Platform.connect(sys.mqttUrl, { subscribe: ['admin:gateway/refusals'] });
  const http = api(sys.httpUrl, ADMIN_TOKEN);
  expect((await http.post('/devices', { chargePointId: 'REF-KNOWN', ocppPassword: 'right-password-123' })).status).toBe(201);
});

afterAll(async () => {
  await admin?.close();
  await sys?.stop();
});

describe('refused handshakes', () => {
  it('are published with the reason and the remote address, and counted by reason', async () => {
    expect(await handshake(`${sys.ocppUrl}/REF-NOBODY`, ['ocpp1.6'])).toBe(404);
    expect(await handshake(`${sys.ocppUrl}/REF-KNOWN`, ['ocpp1.6'], { authorization: `Basic ${Buffer.from('REF-KNOWN:wrong-password').toString('base64')}` })).toBe(401);
    // Another identity: REF-KNOWN is in its backoff after the wrong password (429 THROTTLED).
    expect(await handshake(`${sys.ocppUrl}/REF-NEW-FIRMWARE`, ['ocpp2.0'])).toBe(400);

    const event = (reason: string) => admin.waitFor((m) => m.topic === 'admin:gateway/refusals' && m.json['reason'] === reason, 5000, `refusal ${reason}`);
    expect((await event('UNKNOWN_CHARGE_POINT')).json).toMatchObject({ type: 'handshakeRefused', chargePointId: 'REF-NOBODY', status: 404, remoteAddress: expect.stringMatching(/127\.0\.0\.1/) });
    const wrong = (await event('PASSWORD_WRONG')).json;
    expect(wrong).toMatchObject({ chargePointId: 'REF-KNOWN', status: 401, tenant: 'admin', deviceId: expect.any(String) });
    expect(JSON.stringify(wrong)).not.toContain('wrong-password');
    expect((await event('UNSUPPORTED_SUBPROTOCOL')).json).toMatchObject({ chargePointId: 'REF-NEW-FIRMWARE', status: 400 });

    // The gateway thread's counters reach /metrics within a second or so.
    const count = async (reason: string) => {
      const text = String((await api(sys.httpUrl, ADMIN_TOKEN).get('/metrics')).text);
      const line = text.split('\n').find((l) => l.startsWith(`chargebridge_ocpp_handshake_refusals_total{reason="${reason}"`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    await expect.poll(() => count('UNKNOWN_CHARGE_POINT'), { timeout: 10_000 }).toBe(1);
    expect(await count('PASSWORD_WRONG')).toBe(1);
    expect(await count('UNSUPPORTED_SUBPROTOCOL')).toBe(1);
  });

  it('are not seen by another tenant', async () => {
    const token = (await api(sys.httpUrl, ADMIN_TOKEN).post('/tokens', { tenant: 'acme', role: 'operator' })).body.token as string;
    const acme = await Platform.connect(sys.mqttUrl, { username: 'acme', password: token, subscribe: ['#'] });
    expect(await handshake(`${sys.ocppUrl}/REF-NOBODY-2`, ['ocpp1.6'])).toBe(404);
    // Barrier: the admin's client got this refusal, so the broker has routed it.
    await admin.waitFor((m) => m.json['chargePointId'] === 'REF-NOBODY-2', 5000, 'second refusal');
    // And a message of acme's own, published by the gateway after the refusal, reaches acme: the
    // refusal would have arrived before it.
    expect((await api(sys.httpUrl, token).post('/devices', { chargePointId: 'REF-ACME' })).status).toBe(201);
    const cp = await connectCharger(sys, 'REF-ACME');
    await acme.waitFor((m) => m.topic.startsWith('acme:') && m.topic.endsWith('/state'), 5000, "acme's own state");
    await cp.close({ force: true });
    expect(acme.messages.filter((m) => !m.topic.startsWith('acme:'))).toEqual([]);
    await acme.close();
  });
});
