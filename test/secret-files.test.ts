/**
 * Secrets from files (`<NAME>_FILE`, Docker secrets): `chargebridge start` reads the admin token
 * from API_TOKEN_FILE and it works for HTTP and MQTT; a file that cannot be read stops the start
 * with one line naming the variable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { runRole, type Proc } from './processes.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-secrets-'));
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('takes the admin token from API_TOKEN_FILE (trailing newline dropped) for HTTP and MQTT', async () => {
  const token = 'token-from-a-docker-secret-0123456789';
  const file = path.join(dir, 'api_token');
  writeFileSync(file, `${token}\n`);
  const proc = runRole('start', { DATA_DIR: path.join(dir, 'data'), API_TOKEN_FILE: file });
  procs.push(proc);
  const ports = await proc.ready;
  const res = await fetch(`http://127.0.0.1:${ports.http}/devices`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${ports.http}/devices`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { username: 'admin', password: token, reconnectPeriod: 0 });
  await client.endAsync(true);
  // The token came from the file: none was generated and printed.
  expect(proc.out()).not.toContain('Admin API token (shown once');
  // The trial defaults are open, and the process says so in one line (docs/security.md).
  const lines = () => proc.out().split('\n').filter((l) => l.includes('open defaults, fine for a trial'));
  for (const deadline = Date.now() + 5000; lines().length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  const open = lines();
  expect(open).toHaveLength(1);
  expect(JSON.parse(open[0]!).open).toEqual(expect.arrayContaining([expect.stringMatching(/^AUTO_PROVISION=true/)]));
}, 30_000);

it('a secret file that cannot be read stops the start: exit 2, one line naming the variable', async () => {
  const proc = runRole('start', { DATA_DIR: path.join(dir, 'data2'), API_TOKEN_FILE: path.join(dir, 'missing') });
  procs.push(proc);
  expect(await proc.exited).toBe(2);
  expect(proc.out().trim().split('\n')).toEqual([expect.stringMatching(/^chargebridge: invalid configuration: API_TOKEN_FILE: cannot read ".*missing" \(ENOENT\)$/)]);
}, 30_000);
