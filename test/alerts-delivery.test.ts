/**
 * Issue 19, alert delivery to real receivers: a webhook receiver (node:http) that fails with
 * 500 twice and then recovers gets the alert after recovery, every attempt signed (HMAC-SHA256
 * of the body with the target's secret) and the same body; the failed attempts are visible over
 * HTTP; a receiver that never recovers ends as a failed delivery, listed; the e-mail arrives at
 * a real SMTP server (aiosmtpd).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Platform, startSystem, type System } from './harness.ts';
import { api, bootedCharger, cleared, raised } from './alerts-harness.ts';

const SECRET = 'webhook-secret-0123456789';

interface Hit {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver answering `statuses` in turn (the last one from then on). */
async function receiver(statuses: number[]): Promise<{ url: string; hits: Hit[]; server: Server; waitFor(pred: (h: Hit) => boolean, what: string): Promise<Hit> }> {
  const hits: Hit[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[Math.min(hits.length, statuses.length - 1)]!;
      hits.push({ status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    hits,
    server,
    async waitFor(pred, what) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const h = hits.find(pred);
        if (h) return h;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; hits: ${hits.map((x) => x.status).join(',')}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 500);
          waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
    },
  };
}

interface Mail {
  from: string;
  to: string[];
  data: string;
}

async function smtpServer(): Promise<{ port: number; mails: Mail[]; proc: ChildProcess }> {
  // Debian's python3 (the package python3-aiosmtpd), not whatever python3 is first on PATH.
  const python = process.env['AIOSMTPD_PYTHON'] ?? '/usr/bin/python3';
  const proc = spawn(python, [path.join(import.meta.dirname, 'smtp-recorder.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const mails: Mail[] = [];
  const lines = createInterface({ input: proc.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`smtp-recorder.py exited with ${code} (is python3-aiosmtpd installed?)`)));
    lines.on('line', (line) => {
      if (line.startsWith('PORT ')) resolve(Number(line.slice(5)));
      else mails.push(JSON.parse(line) as Mail);
    });
  });
  return { port, mails, proc };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const verify = (h: Hit) => h.headers['x-chargebridge-signature-256'] === `sha256=${createHmac('sha256', SECRET).update(h.body).digest('hex')}`;

let sys: System;
let platform: Platform;
let smtp: Awaited<ReturnType<typeof smtpServer>>;
let flaky: Awaited<ReturnType<typeof receiver>>;
let dead: Awaited<ReturnType<typeof receiver>>;

beforeAll(async () => {
  smtp = await smtpServer();
  flaky = await receiver([500, 500, 200]);
  dead = await receiver([500]);
  sys = await startSystem({
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMTP_FROM: 'chargebridge <alerts@chargebridge.test>',
    ALERTS_DELIVERY_BACKOFF_MS: '100',
    ALERTS_DELIVERY_BACKOFF_MAX_MS: '400',
    ALERTS_DELIVERY_MAX_ATTEMPTS: '3',
  });
  platform = await Platform.connect(sys.mqttUrl, { subscribe: ['+/state', '+/alerts'] });
});
afterAll(async () => {
  await platform?.close();
  await sys?.stop();
  smtp?.proc.kill();
  await Promise.all([flaky, dead].map((r) => r && new Promise((resolve) => r.server.close(resolve))));
});

describe('alert delivery', () => {
  it('webhook (signed, retried until the receiver recovers), e-mail over SMTP, failures listed', async () => {
    const bad = await api(sys.httpUrl, 'POST', '/alert-targets', { type: 'webhook', url: 'ftp://x', secret: 'short' });
    expect([bad.status, bad.json.code, bad.type]).toEqual([400, 'VALIDATION_FAILED', 'application/problem+json']);
    expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.secret', 'body.url']);

    const hook = await api(sys.httpUrl, 'POST', '/alert-targets', { type: 'webhook', url: flaky.url, secret: SECRET, label: 'ops bot' });
    expect(hook.status).toBe(201);
    expect(hook.json).toMatchObject({ type: 'webhook', url: flaky.url, hasSecret: true });
    expect(hook.json.secret).toBeUndefined();
    const deadHook = await api(sys.httpUrl, 'POST', '/alert-targets', { type: 'webhook', url: dead.url, secret: SECRET });
    const mail = await api(sys.httpUrl, 'POST', '/alert-targets', { type: 'email', to: ['ops@example.com'] });
    expect(mail.status).toBe(201);

    const { cp, deviceId } = await bootedCharger(sys, platform, 'DLV-1');
    await cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: new Date().toISOString() });
    const r = await raised(platform, deviceId, 'connectorFault', 1);

    // The flaky receiver: two 500s, then the alert, every attempt with the same signed body.
    const ok = await flaky.waitFor((h) => h.status === 200, 'the webhook after recovery');
    const body = JSON.parse(ok.body) as { event: string; alert: { id: string; rule: string; chargePointId: string } };
    expect(body).toMatchObject({ event: 'alert.raised', alert: { id: r.alert.id, rule: 'connectorFault', chargePointId: 'DLV-1' } });
    const attempts = flaky.hits.filter((h) => JSON.parse(h.body).alert.id === r.alert.id && JSON.parse(h.body).event === 'alert.raised');
    expect(attempts.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(attempts.every(verify)).toBe(true);
    expect(new Set(attempts.map((h) => h.body)).size).toBe(1);
    expect(new Set(attempts.map((h) => h.headers['x-chargebridge-delivery'])).size).toBe(1);
    expect(ok.headers['x-chargebridge-event']).toBe('alert.raised');
    // A wrong secret does not verify: the check above can fail.
    expect(ok.headers['x-chargebridge-signature-256']).not.toBe(`sha256=${createHmac('sha256', 'other-secret').update(ok.body).digest('hex')}`);

    // Over HTTP: the recovered delivery with its failed attempts, the dead one failed for good.
    const delivered = await until('the delivery marked delivered', async () => {
      const l = await api(sys.httpUrl, 'GET', `/alert-deliveries?alertId=${r.alert.id}`);
      return l.json.items.find((d: { targetId: string; status: string }) => d.targetId === hook.json.id && d.status === 'delivered');
    });
    expect(delivered).toMatchObject({ event: 'alert.raised', attempts: 3, lastError: 'HTTP_STATUS: HTTP 500' });
    const failed = await until('the dead receiver listed as failed', async () => {
      const l = await api(sys.httpUrl, 'GET', '/alert-deliveries?status=failed');
      return l.json.items.find((d: { targetId: string; alertId: string }) => d.targetId === deadHook.json.id && d.alertId === r.alert.id);
    });
    expect(failed).toMatchObject({ attempts: 3, lastError: 'HTTP_STATUS: HTTP 500', deliveredAt: null });
    expect(dead.hits.every(verify)).toBe(true);

    // The e-mail, through a real SMTP server.
    const m = await until('the e-mail', async () => smtp.mails.find((x) => x.data.includes(r.alert.id) && /ALERT connectorFault/.test(x.data)));
    expect(m.to).toEqual(['ops@example.com']);
    expect(m.from).toBe('alerts@chargebridge.test');
    expect(m.data).toMatch(/Subject: \[chargebridge\] ALERT connectorFault: DLV-1 connector 1/);

    // Cleared: both ways again.
    await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
    await cleared(platform, deviceId, r.alert.id, r.index);
    const clearedHit = await flaky.waitFor((h) => h.status === 200 && JSON.parse(h.body).event === 'alert.cleared', 'alert.cleared');
    expect(verify(clearedHit)).toBe(true);
    expect(JSON.parse(clearedHit.body).alert).toMatchObject({ id: r.alert.id, until: expect.any(String) });
    await until('the clearing e-mail', async () => smtp.mails.find((x) => x.data.includes(r.alert.id) && /CLEARED connectorFault/.test(x.data)));

    // GET /metrics counts them (no tenant in the series).
    const metrics = (await (await fetch(`${sys.httpUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text());
    const value = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1) ?? Number.NaN);
    expect(value('chargebridge_alerts_raised_total')).toBeGreaterThanOrEqual(1);
    expect(value('chargebridge_alerts_cleared_total')).toBeGreaterThanOrEqual(1);
    expect(value('chargebridge_alert_deliveries_delivered_total')).toBeGreaterThanOrEqual(2);
    expect(value('chargebridge_alert_deliveries_failed_total')).toBeGreaterThanOrEqual(1);
    await cp.close();
  });
});
