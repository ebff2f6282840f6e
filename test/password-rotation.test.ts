/**
 * Charger password rotation (issue 18; OCPP 1.6 security whitepaper use case A01): the new
 * password reaches the charger with ChangeConfiguration `AuthorizationKey` and nobody else —
 * not a platform subscribed to everything of the tenant, not the `command` event — and at every
 * moment one of the two passwords works. The charger is ocpp-rpc's RPCClient (strict).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let admin: ReturnType<typeof api>;
let platform: Platform;
const OLD = 'the-old-password-0123456789';

beforeAll(async () => {
  sys = await startSystem({ AUTO_PROVISION: 'false', OCPP_AUTH_MAX_FAILURES: '1000', OCPP_AUTH_LOCKOUT_MS: '1', OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: '0' });
  admin = api(sys.httpUrl, ADMIN_TOKEN);
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['#'] });
});
afterAll(async () => {
  await platform?.close();
  await sys?.stop();
});

async function aDevice(chargePointId: string, body: Record<string, unknown> = { ocppPassword: OLD }): Promise<string> {
  const r = await admin.post('/devices', { chargePointId, ...body });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

/** Connects and boots with `password`; resolves with the HTTP status when refused. */
async function dial(identity: string, password: string): Promise<RPCClient | number> {
  try {
    const cp = await connectCharger(sys, identity, { password });
    await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'ROT' });
    return cp;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

async function works(identity: string, password: string): Promise<boolean> {
  const r = await dial(identity, password);
  if (typeof r === 'number') {
    expect(r).toBe(401);
    return false;
  }
  await r.close({ force: true });
  return true;
}

/** A charger that answers ChangeConfiguration with `answer` and records the key it got. */
async function charger(identity: string, answer: 'Accepted' | 'Rejected' | 'RebootRequired' | 'never'): Promise<{ cp: RPCClient; got: string[] }> {
  const cp = await dial(identity, OLD);
  if (typeof cp === 'number') throw new Error(`refused ${cp}`);
  const got: string[] = [];
  cp.handle('ChangeConfiguration', async ({ params }) => {
    got.push(String((params as { value?: unknown } | undefined)?.value));
    if (answer === 'never') return new Promise(() => undefined);
    return { status: answer };
  });
  return { cp, got };
}

const leaked = (secret: string) => platform.messages.filter((m) => JSON.stringify(m.json).includes(secret));

describe('POST /devices/{id}/password-rotation', () => {
  it('Accepted: the charger gets a strong new password, stays connected, and only the new one works after (A01.FR.03)', async () => {
    const id = await aDevice('ROT-OK');
    const { cp, got } = await charger('ROT-OK', 'Accepted');
    const r = await admin.post(`/devices/${id}/password-rotation`, {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ result: 'rotated', chargerStatus: 'Accepted' });
    expect(got).toHaveLength(1);
    const next = got[0]!;
    // Whitepaper A00.FR.304: 20 random bytes as 40 hexadecimal digits.
    expect(next).toMatch(/^[0-9a-f]{40}$/);
    expect(r.text).not.toContain(next);
    // Online throughout: the connection that took the change is still up and answers.
    await cp.call('Heartbeat', {});
    // The command event shows the exchange, not the key.
    const ev = await platform.waitFor((m) => m.json['type'] === 'command' && m.json['action'] === 'ChangeConfiguration' && m.topic.startsWith(`admin:${id}/`), 5000, 'command event');
    expect(ev.json['request']).toEqual({ key: 'AuthorizationKey', value: '(redacted)' });
    // The charger reconnects with the new password (A01 steps 3-4); the old one is refused.
    await cp.close({ force: true });
    expect(await works('ROT-OK', next)).toBe(true);
    expect(await works('ROT-OK', OLD)).toBe(false);
    expect(leaked(next)).toEqual([]);
  });

  it('Rejected: the old password stays, the one sent never works', async () => {
    const id = await aDevice('ROT-NO');
    const { cp, got } = await charger('ROT-NO', 'Rejected');
    const r = await admin.post(`/devices/${id}/password-rotation`, {});
    expect(r.body).toEqual({ result: 'refused', chargerStatus: 'Rejected' });
    await cp.close({ force: true });
    expect(await works('ROT-NO', OLD)).toBe(true);
    expect(await works('ROT-NO', got[0]!)).toBe(false);
    expect(leaked(got[0]!)).toEqual([]);
  });

  it('no answer: both passwords work until the charger uses the new one, which completes the rotation', async () => {
    const id = await aDevice('ROT-LOST');
    const { cp, got } = await charger('ROT-LOST', 'never');
    const r = await admin.post(`/devices/${id}/password-rotation`, { timeoutMs: 300 });
    expect(r.body).toEqual({ result: 'pending' });
    expect((await admin.get(`/devices/${id}`)).body.passwordPending).toBe(true);
    await cp.close({ force: true });
    expect(await works('ROT-LOST', OLD)).toBe(true);
    expect(await works('ROT-LOST', got[0]!)).toBe(true);
    expect(await works('ROT-LOST', OLD)).toBe(false);
    expect(await works('ROT-LOST', got[0]!)).toBe(true);
    expect((await admin.get(`/devices/${id}`)).body.passwordPending).toBe(false);
  });

  it('an offline charger: 409 CHARGER_OFFLINE, and the old password stays the only one', async () => {
    const id = await aDevice('ROT-OFF');
    const r = await admin.post(`/devices/${id}/password-rotation`, {});
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('CHARGER_OFFLINE');
    expect(await works('ROT-OFF', OLD)).toBe(true);
  });

  it('an OCPP 2.0.1 charger: SetVariables SecurityCtrlr.BasicAuthPassword (2.0.1 A01, TC_A_09_CS), then only the new password works', async () => {
    const id = await aDevice('ROT-201');
    const cp = await connectCharger(sys, 'ROT-201', { password: OLD, protocols: ['ocpp2.0.1'] });
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'ROT-201' } });
    const got: unknown[] = [];
    cp.handle('SetVariables', async ({ params }) => {
      const data = (params as { setVariableData: Array<{ component: { name: string }; variable: { name: string }; attributeValue: string }> }).setVariableData;
      got.push(...data);
      return { setVariableResult: data.map((d) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) };
    });
    cp.handle('ChangeConfiguration', async () => {
      throw new Error('a 2.0.1 charger must not get a 1.6 ChangeConfiguration');
    });
    const r = await admin.post(`/devices/${id}/password-rotation`, {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ result: 'rotated', chargerStatus: 'Accepted' });
    expect(got).toHaveLength(1);
    const sent = got[0] as { component: { name: string }; variable: { name: string }; attributeValue: string };
    expect(sent.component.name).toBe('SecurityCtrlr');
    expect(sent.variable.name).toBe('BasicAuthPassword');
    expect(sent.attributeValue).toMatch(/^[0-9a-f]{40}$/);
    await cp.call('Heartbeat', {});
    await cp.close({ force: true });
    const next = await connectCharger(sys, 'ROT-201', { password: sent.attributeValue, protocols: ['ocpp2.0.1'] });
    await next.close({ force: true });
    await expect(connectCharger(sys, 'ROT-201', { password: OLD, protocols: ['ocpp2.0.1'] })).rejects.toMatchObject({ code: 401 });
    expect(leaked(sent.attributeValue)).toEqual([]);
  });

  it.each([
    ['a device without a password', { }],
    ['a profile-3 device', { securityProfile: 3 }],
  ])('%s: 409 CONFLICT, nothing sent', async (_name, body) => {
    const id = await aDevice(`ROT-C-${Object.keys(body).length}`, body);
    const r = await admin.post(`/devices/${id}/password-rotation`, {});
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('CONFLICT');
  });
});
