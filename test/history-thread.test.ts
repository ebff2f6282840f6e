/**
 * Issue 14 "Storage never on the OCPP event loop", from outside: the all-in-one system while
 * another process holds the embedded history database's write lock (a backup tool, a `sqlite3`
 * shell left open): the history writer waits on SQLite's busy timeout — synchronously, as
 * node:sqlite does — for seconds at a time. Chargers are answered all the while, because that
 * wait happens on the history writer's own thread; once the lock is gone every sample is stored.
 */
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { openSqlite } from '../common/sqlite.ts';
import type { RPCClient } from 'ocpp-rpc';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, connectCharger, startSystem, type System } from './harness.ts';
import { api } from './http.ts';

// Recent (retention), and far enough back for one sample a second of a fast test run.
const T0 = Date.now() - 86_400_000;
const sample = (i: number) => ({ connectorId: 1, meterValue: [{ timestamp: new Date(T0 + i * 1000).toISOString(), sampledValue: [{ value: String(i), measurand: 'Power.Active.Import', unit: 'W' }] }] });

describe('history writer on its own thread', () => {
  let sys: System;
  let cp: RPCClient;
  afterAll(async () => {
    await cp?.close({ force: true }).catch(() => undefined);
    await sys?.stop();
  });

  it('keeps answering chargers while the history database is locked for seconds, and stores everything after', async () => {
    sys = await startSystem();
    const history = sys.history as unknown as { writerThreadId: number | null };
    expect(history.writerThreadId).not.toBeNull();
    expect(history.writerThreadId).not.toBe(threadId);

    cp = await connectCharger(sys, 'LOCKED-HISTORY');
    // A call timeout under the writer's 5 s busy_timeout per attempt: an answer that
    // had to wait for it would fail the call.
    const call = (i: number) => cp.call("MeterValues", sample(i), { callTimeoutMs: 4000 });
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const http = api(sys.httpUrl, ADMIN_TOKEN);
    const dev = (await http.get('/devices?chargePointId=LOCKED-HISTORY')).body.items[0];
    const stored = async () => ((await http.get(`/devices/${dev.id}/history?attr=power&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`)).body.power ?? []).length;
    await call(0);
    for (let t = Date.now(); (await stored()) < 1 && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 100));
    expect(await stored()).toBe(1);

    const other = openSqlite(path.join(sys.dir, 'history.db'));
    other.exec('PRAGMA busy_timeout = 5000');
    other.exec('BEGIN EXCLUSIVE');
    let n = 1;
    try {
      const until = Date.now() + 12_000; // longer than two busy timeouts of the writer
      for (; Date.now() < until; n++) await call(n);
      // The writer was held: nothing new is stored while the lock is ours.
      expect(await stored()).toBe(1);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    // Every acknowledged sample reaches history once the lock is gone.
    let got = 0;
    for (let t = Date.now(); Date.now() - t < 20_000; await new Promise((r) => setTimeout(r, 200))) {
      got = await stored();
      if (got >= n) break;
    }
    expect(got).toBe(n);
  }, 60_000);
});
