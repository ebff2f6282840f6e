/**
 * Issue 13 "Acknowledged means durable", from outside: `chargebridge start` (the all-in-one
 * process, as `npm start` runs it) takes MeterValues from several real OCPP clients, every one
 * acknowledged, and is killed with SIGKILL right after the last answer. Restarted on the same
 * DATA_DIR, its history holds every acknowledged sample exactly once: the answers went out only
 * after the telemetry journal had them on disk, and the history role reads on from its
 * checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger } from './harness.ts';
import { api } from './http.ts';
import { runRole, type Proc } from './processes.ts';

// Recent: the embedded store prunes points older than HISTORY_RETENTION_DAYS at start.
const T0 = Date.now() - 3_600_000;
const CHARGERS = 5;
const PER_CHARGER = 200;

describe('kill -9 right after acknowledged MeterValues', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cb-crash-'));
  const procs: Proc[] = [];
  const clients: RPCClient[] = [];
  const env = { DATA_DIR: dataDir, API_TOKEN: ADMIN_TOKEN };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ force: true }).catch(() => undefined)));
    for (const p of procs) await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses none of them', async () => {
    const first = runRole('start', env);
    procs.push(first);
    const ports = await first.ready;
    const ocppUrl = `ws://127.0.0.1:${ports.ocpp}`;
    let acknowledged = 0;
    await Promise.all(
      Array.from({ length: CHARGERS }, async (_, c) => {
        const cp = await connectCharger({ ocppUrl }, `CRASH-${c}`);
        clients.push(cp);
        await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        for (let i = 0; i < PER_CHARGER; i++) {
          await cp.call('MeterValues', {
            connectorId: 1,
            meterValue: [{ timestamp: new Date(T0 + i * 1000).toISOString(), sampledValue: [{ value: String(c * 100_000 + i), measurand: 'Power.Active.Import', unit: 'W' }] }],
          });
          acknowledged++;
        }
      }),
    );
    expect(acknowledged).toBe(CHARGERS * PER_CHARGER);
    // No grace period: the process dies with the answers just sent.
    first.child.kill('SIGKILL');
    expect(await first.stop()).toBeNull();
    await Promise.all(clients.splice(0).map((c) => c.close({ force: true }).catch(() => undefined)));

    const second = runRole('start', env);
    procs.push(second);
    const http = api(`http://127.0.0.1:${(await second.ready).http}`, ADMIN_TOKEN);
    for (let c = 0; c < CHARGERS; c++) {
      const dev = (await http.get(`/devices?chargePointId=CRASH-${c}`)).body.items[0];
      expect(dev).toBeDefined();
      const q = `/devices/${dev.id}/history?attr=power&from=${new Date(T0).toISOString()}&to=${new Date(T0 + PER_CHARGER * 1000).toISOString()}`;
      let points: Array<{ ts: string; value: number }> = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        points = (await http.get(q)).body.power ?? [];
        if (points.length >= PER_CHARGER) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(points.map((p) => p.value)).toEqual(Array.from({ length: PER_CHARGER }, (_, i) => c * 100_000 + i));
    }
  }, 90_000);
});
