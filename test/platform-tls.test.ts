/**
 * TLS on the platform-facing listeners (TLS_CERT_FILE, TLS_KEY_FILE): HTTPS for the API and the
 * dashboard, MQTT over TLS on the embedded broker's TCP port and over wss at /mqtt, all with a CA
 * made by the test; certificate reload without a restart; unusable TLS files stop the start
 * with one line naming the variable.
 */
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../common/config.ts';
import { ADMIN_TOKEN, startSystem, type System } from './harness.ts';
import { createPki, type Pki, type TestCa } from './pki.ts';
import { runRole } from './processes.ts';

let pki: Pki;
let ca: TestCa;
let sys: System;
let files: { cert: string; key: string };

function get(url: string, trust: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: trust, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

beforeAll(async () => {
  pki = createPki();
  ca = pki.ca('platform');
  const server = ca.server();
  files = { cert: path.join(pki.dir, 'live.pem'), key: path.join(pki.dir, 'live.key') };
  copyFileSync(server.cert, files.cert);
  copyFileSync(server.key, files.key);
  sys = await startSystem({ TLS_CERT_FILE: files.cert, TLS_KEY_FILE: files.key, TLS_RELOAD_INTERVAL: '0.1' });
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  pki?.cleanup();
});

describe('HTTPS and MQTT over TLS', () => {
  it('serves the API over HTTPS, verified against the test CA', async () => {
    const port = sys.ports.http;
    expect((await get(`https://127.0.0.1:${port}/health`, ca.certPem)).status).toBe(200);
    const devices = await get(`https://127.0.0.1:${port}/devices`, ca.certPem);
    expect(devices.status).toBe(200);
    expect(JSON.parse(devices.body)).toMatchObject({ total: expect.any(Number) });
    // A client that does not trust the CA refuses the server.
    await expect(get(`https://127.0.0.1:${port}/health`, pki.ca('other').certPem)).rejects.toThrow();
  });

  it.each(['mqtts', 'wss'])('MQTT over %s: login with a token, publish and receive', async (scheme) => {
    const url = scheme === 'mqtts' ? `mqtts://127.0.0.1:${sys.ports.mqtt}` : `wss://127.0.0.1:${sys.ports.http}/mqtt`;
    const client = await mqtt.connectAsync(url, { username: 'admin', password: ADMIN_TOKEN, reconnectPeriod: 0, ca: ca.certPem, ...(scheme === 'wss' ? { wsOptions: { ca: ca.certPem } } : {}) });
    try {
      // A command topic: what a platform may publish (broker/acl.ts), and receive itself.
      await client.subscribeAsync('admin:tls-check/config', { qos: 1 });
      const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
      await client.publishAsync('admin:tls-check/config', '{"id":"1","action":"Reset","payload":{"type":"Soft"}}', { qos: 1 });
      expect(JSON.parse(await got)).toMatchObject({ id: '1', action: 'Reset' });
    } finally {
      await client.endAsync(true);
    }
  });

  it('a plain MQTT CONNECT on the TLS port is closed without a CONNACK', async () => {
    // MQTT 3.1.1 CONNECT, client id "p", clean session, no credentials.
    const connect = Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x70]);
    const got = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const s = net.connect(sys.ports.mqtt!, '127.0.0.1', () => s.write(connect));
      s.on('data', (d: Buffer) => chunks.push(d));
      // A reset is a close too.
      s.on('error', () => undefined);
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    // Whatever came back (a TLS alert at most) is no CONNACK (packet type 2).
    expect(got[0]).not.toBe(0x20);
  });

  it('picks up a new certificate and key without a restart', async () => {
    const next = pki.ca('platform-2');
    const issued = next.server();
    await expect(get(`https://127.0.0.1:${sys.ports.http}/health`, next.certPem)).rejects.toThrow();
    copyFileSync(issued.key, `${files.key}.new`);
    copyFileSync(issued.cert, `${files.cert}.new`);
    renameSync(`${files.key}.new`, files.key);
    renameSync(`${files.cert}.new`, files.cert);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        expect((await get(`https://127.0.0.1:${sys.ports.http}/health`, next.certPem)).status).toBe(200);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // The broker's listener reloads with the same check.
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${sys.ports.mqtt}`, { username: 'admin', password: ADMIN_TOKEN, reconnectPeriod: 0, ca: next.certPem });
    await client.endAsync(true);
  });
});

describe('unusable TLS files stop the start', () => {
  it('a key that does not belong to the certificate names the key variable', async () => {
    const other = pki.ca('mismatch').server();
    await expect(startSystem({ TLS_CERT_FILE: ca.server().cert, TLS_KEY_FILE: other.key })).rejects.toThrow(ConfigError);
    await expect(startSystem({ TLS_CERT_FILE: ca.server().cert, TLS_KEY_FILE: other.key })).rejects.toThrow(/^TLS_KEY_FILE: /);
  });

  it('chargebridge start exits with code 2 and one line naming OCPP_TLS_CA_FILE, never the content', async () => {
    const bad = path.join(pki.dir, 'not-a-ca.pem');
    writeFileSync(bad, 'secret-looking-content\n');
    const server = ca.server();
    const proc = runRole('start', { DATA_DIR: path.join(pki.dir, 'data'), API_TOKEN: ADMIN_TOKEN, OCPP_TLS_CERT_FILE: server.cert, OCPP_TLS_KEY_FILE: server.key, OCPP_TLS_CA_FILE: bad });
    expect(await proc.exited).toBe(2);
    const lines = proc.out().trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^chargebridge: invalid configuration: OCPP_TLS_CA_FILE: /)]);
    expect(proc.out()).not.toContain('secret-looking-content');
  }, 30_000);
});
