import { describe, expect, it } from 'vitest';
import type { Transaction } from '../contracts/registry.ts';
import type { NormalizedSample } from './meter-values/normalize.ts';
import { resolveUnknownStop } from './offline-sessions.ts';

const tx = (id: number, startedAt: string): Transaction =>
  ({ id, deviceId: 'd1', tenant: 't', connectorId: 1, idTag: 'A', stopIdTag: null, meterStart: 100, meterStop: null, energyWh: null, startedAt, stoppedAt: null, stopReason: null, status: 'active', reservationId: null }) as unknown as Transaction;
const sample = (timestamp: string, energy: number, context?: string): NormalizedSample => ({ timestamp, values: { energy }, warnings: [], ...(context ? { context } : {}) });
const STOP = '2026-12-01T12:00:00.000Z';

describe('a StopTransaction with an id the ledger does not know', () => {
  it.each([
    ['the only active session that started before the stop', [tx(7, '2026-12-01T10:00:00.000Z')], 'reconciled'],
    ['none that started before it (a session started after the stop is not it)', [tx(7, '2026-12-01T13:00:00.000Z')], 'reconstructed'],
    ['no active session', [], 'reconstructed'],
    ['several: nothing guessed', [tx(7, '2026-12-01T10:00:00.000Z'), tx(8, '2026-12-01T11:00:00.000Z')], 'ambiguous'],
  ] as const)('%s', (_name, active, kind) => {
    expect(resolveUnknownStop(active, STOP, 5000, []).kind).toBe(kind);
  });

  it('closes the reconciled session itself', () => {
    const r = resolveUnknownStop([tx(7, '2026-12-01T10:00:00.000Z')], STOP, 5000, []);
    expect(r).toMatchObject({ kind: 'reconciled', session: { id: 7 } });
  });

  it('rebuilds the start from the Transaction.Begin sample, else the earliest, else the stop', () => {
    const samples = [sample('2026-12-01T11:00:00.000Z', 3000), sample('2026-12-01T10:30:00.000Z', 2000, 'Transaction.Begin'), sample('2026-12-01T10:00:00.000Z', 1000)];
    expect(resolveUnknownStop([], STOP, 5000, samples)).toEqual({ kind: 'reconstructed', startedAt: '2026-12-01T10:30:00.000Z', meterStart: 2000, fromSample: true });
    expect(resolveUnknownStop([], STOP, 5000, samples.filter((s) => !s.context))).toEqual({ kind: 'reconstructed', startedAt: '2026-12-01T10:00:00.000Z', meterStart: 1000, fromSample: true });
    expect(resolveUnknownStop([], STOP, 5000, [])).toEqual({ kind: 'reconstructed', startedAt: STOP, meterStart: 5000, fromSample: false });
    // A start reading above the stop's is not believed (a register reset, another meter).
    expect(resolveUnknownStop([], STOP, 500, [sample('2026-12-01T10:30:00.000Z', 2000, 'Transaction.Begin')])).toMatchObject({ fromSample: false, meterStart: 500 });
  });
});
