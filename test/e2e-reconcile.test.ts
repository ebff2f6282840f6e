/**
 * Issue 16 "Sessions left open": a second StartTransaction on a busy connector closes the older
 * session with its last known register reading and a transactionWarning; a connector reported
 * Available with a session open is flagged and its shadow cleared, and the charger's own
 * StopTransaction still closes the session with the true reading (gateway/reconcile.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_TOKEN, connectCharger, Platform, startSystem, type Received, type System } from './harness.ts';
import { api } from './http.ts';

let sys: System;
let platform: Platform;
beforeAll(async () => {
  sys = await startSystem();
  platform = await Platform.connect(sys.mqttUrl);
});
afterAll(async () => {
  await platform?.close();
  await sys?.stop();
});

type Connector = { status: string; transactionId: number | null; idTag?: string | null };
const connectorOf = (m: Received, id: number) => (m.json['connectors'] as Record<string, Connector>)[String(id)];
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

async function charger(cpId: string): Promise<{ cp: RPCClient; base: string; deviceId: string }> {
  const cp = await connectCharger(sys, cpId);
  const base = (await platform.waitFor((m) => m.topic.endsWith('/state') && m.json['chargePointId'] === cpId)).topic.split('/')[0]!;
  return { cp, base, deviceId: base.split(':')[1]! };
}
const start = async (cp: RPCClient, connectorId: number, idTag: string, meterStart: number, timestamp: string) =>
  ((await cp.call('StartTransaction', { connectorId, idTag, meterStart, timestamp })) as { transactionId: number }).transactionId;
const transactions = async (deviceId: string) => (await api(sys.httpUrl, ADMIN_TOKEN).get(`/transactions?deviceId=${deviceId}`)).body.items as Array<Record<string, unknown>>;

describe('session reconciliation', () => {
  it('a second StartTransaction on a busy connector closes the older session with its last register reading', async () => {
    const { cp, base, deviceId } = await charger('RECON-DOUBLE');
    const first = await start(cp, 1, 'NOA', 0, at(0));
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId: first,
      meterValue: [{ timestamp: at(5), sampledValue: [{ value: '1.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] }],
    });
    // The charger lost the StopTransaction (a reboot) and starts again on connector 1; its
    // register starts at 0 for each session, so the last reading seen (1.5 kWh) is the stop.
    const second = await start(cp, 1, 'BUS-7', 0, at(10));
    expect(second).toBeGreaterThan(first);

    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'SUPERSEDED');
    expect(warn.json).toMatchObject({ action: 'StartTransaction', transactionId: first, connectorId: 1, meterStop: 1500, energyWh: 1500, stopReason: 'Other' });

    const txs = await transactions(deviceId);
    expect(txs.find((t) => t['id'] === first)).toMatchObject({ status: 'completed', meterStop: 1500, energyWh: 1500, stopReason: 'Other', stoppedAt: at(10) });
    expect(txs.find((t) => t['id'] === second)).toMatchObject({ status: 'active', idTag: 'BUS-7', meterStart: 0 });

    const state = await platform.waitFor((m) => m.topic === `${base}/state` && connectorOf(m, 1)?.transactionId === second);
    expect(connectorOf(state, 1)).toMatchObject({ transactionId: second, idTag: 'BUS-7' });

    // A re-sent identical StartTransaction (a lost .conf) is the same session: nothing closed.
    expect(await start(cp, 1, 'BUS-7', 0, at(10))).toBe(second);
    const again = await cp.call('Heartbeat', {}); // barrier: answered after the resend's events
    expect(again).toHaveProperty('currentTime');
    await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'ocpp' && m.json['action'] === 'Heartbeat');
    expect(platform.messages.filter((m) => m.topic === `${base}/events` && m.json['code'] === 'SUPERSEDED')).toHaveLength(1);
    expect((await transactions(deviceId)).find((t) => t['id'] === second)).toMatchObject({ status: 'active' });
    await cp.close();
  });

  it('Finishing then Available with a session open: flagged, shadow cleared; the late StopTransaction closes it with the true reading', async () => {
    const { cp, base, deviceId } = await charger('RECON-AVAIL');
    const tx = await start(cp, 2, 'NOA', 5000, at(0));
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Finishing' });
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });

    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'AVAILABLE_WITH_SESSION');
    expect(warn.json).toMatchObject({ action: 'StatusNotification', transactionId: tx, connectorId: 2 });
    const state = await platform.waitFor((m) => m.topic === `${base}/state` && connectorOf(m, 2)?.status === 'Available');
    expect(connectorOf(state, 2)).toMatchObject({ transactionId: null, idTag: null });

    // The StopTransaction that was queued behind the notification.
    await cp.call('StopTransaction', { transactionId: tx, meterStop: 7300, timestamp: at(40), reason: 'EVDisconnected' });
    expect((await transactions(deviceId)).find((t) => t['id'] === tx)).toMatchObject({ status: 'completed', meterStop: 7300, energyWh: 2300, stopReason: 'EVDisconnected' });
    await cp.close();
  });

  it('a lifetime register after a reconnect: the new meterStart closes the old session', async () => {
    const { cp, base, deviceId } = await charger('RECON-LIFETIME');
    const first = await start(cp, 1, 'NOA', 2_087_100, at(0));
    // The connection drops (the charger reboots): what this connection saw is gone.
    await cp.close();
    const again = await connectCharger(sys, 'RECON-LIFETIME');
    const second = await start(again, 1, 'NOA', 2_131_400, at(90));
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'SUPERSEDED');
    expect(warn.json).toMatchObject({ transactionId: first, meterStop: 2_131_400, energyWh: 44_300 });
    expect((await transactions(deviceId)).find((t) => t['id'] === second)).toMatchObject({ status: 'active' });
    await again.close();
  });

  it('a StopTransaction for a session already closed is reported; the first stop is kept', async () => {
    const { cp, base, deviceId } = await charger('RECON-LATE');
    const first = await start(cp, 1, 'NOA', 0, at(0));
    await start(cp, 1, 'NOA', 0, at(20));
    await cp.call('StopTransaction', { transactionId: first, meterStop: 700, timestamp: at(15) });
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'ALREADY_STOPPED');
    expect(warn.json).toMatchObject({ transactionId: first, meterStop: 700, stopReason: 'Other' });
    expect((await transactions(deviceId)).find((t) => t['id'] === first)).toMatchObject({ status: 'completed', meterStop: 0, stopReason: 'Other' });
    await cp.close();
  });

  it('a StopTransaction with an unknown id closes the only active session, and nothing is left open', async () => {
    const { cp, base, deviceId } = await charger('RECON-OFFLINE');
    const ours = await start(cp, 1, 'NOA', 1000, at(0));
    // The charger rebooted, lost our id, and stops the session with an id of its own.
    await cp.call('StopTransaction', { transactionId: -1, meterStop: 4000, timestamp: at(30), reason: 'Local' });
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'RECONCILED');
    expect(warn.json).toMatchObject({ transactionId: ours, chargerTransactionId: -1 });
    expect((await transactions(deviceId)).find((t) => t['id'] === ours)).toMatchObject({ status: 'completed', meterStop: 4000, energyWh: 3000, stoppedAt: at(30) });
    await cp.close();
  });

  it('a session started and stopped offline is rebuilt from its StopTransaction, energy from Transaction.Begin', async () => {
    const { cp, base, deviceId } = await charger('RECON-REBUILT');
    await cp.call('StopTransaction', {
      transactionId: 987654,
      meterStop: 12_500,
      timestamp: at(60),
      reason: 'EVDisconnected',
      idTag: 'OFFLINE-1',
      transactionData: [{ timestamp: at(20), sampledValue: [{ value: '10.0', measurand: 'Energy.Active.Import.Register', unit: 'kWh', context: 'Transaction.Begin' }] }],
    });
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'transactionWarning' && m.json['code'] === 'RECONSTRUCTED');
    const txs = await transactions(deviceId);
    expect(txs).toHaveLength(1);
    expect(txs[0]).toMatchObject({ id: warn.json['transactionId'], status: 'completed', idTag: 'OFFLINE-1', meterStart: 10_000, meterStop: 12_500, energyWh: 2500, startedAt: at(20), stoppedAt: at(60), stopReason: 'EVDisconnected' });
    await cp.close();
  });
});
