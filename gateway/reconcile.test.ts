import { describe, expect, it } from 'vitest';
import type { Transaction } from '../contracts/registry.ts';
import { superseded, supersededStop } from './reconcile.ts';

const aTransaction = (o: Partial<Transaction> = {}): Transaction => ({
  id: 1,
  deviceId: 'a1b2c3d4',
  tenant: 'admin',
  connectorId: 1,
  idTag: 'NOA',
  stopIdTag: null,
  chargerTransactionId: null,
  evseId: null,
  startedAt: '2026-01-01T10:00:00.000Z',
  stoppedAt: null,
  meterStart: 1000,
  meterStop: null,
  energyWh: null,
  stopReason: null,
  reservationId: null,
  status: 'active',
  ...o,
});

describe('superseded sessions', () => {
  it('only active ones on the same connector, never the one just started', () => {
    const active = [aTransaction({ id: 1 }), aTransaction({ id: 2, connectorId: 2 }), aTransaction({ id: 3, status: 'completed' }), aTransaction({ id: 4 })];
    expect(superseded(active, 1, 4).map((t) => t.id)).toEqual([1]);
    expect(superseded(active, 1).map((t) => t.id)).toEqual([1, 4]);
    expect(superseded(active, 3)).toEqual([]);
  });
});

describe('how a superseded session is closed', () => {
  // what, old meterStart, last reading seen, new meterStart, other sessions since, new start, meterStop, stoppedAt
  it.each([
    ['a lifetime register: the new meterStart is the latest reading', 1000, 1800, 1900, false, '2026-01-01T11:00:00.000Z', 1900, '2026-01-01T11:00:00.000Z'],
    ['a lifetime register, no MeterValues seen (the reading was lost with a reboot)', 1000, undefined, 1900, false, '2026-01-01T11:00:00.000Z', 1900, '2026-01-01T11:00:00.000Z'],
    ['a register from 0 per session: the last reading seen', 0, 1800, 0, false, '2026-01-01T11:00:00.000Z', 1800, '2026-01-01T11:00:00.000Z'],
    ['a register from 0, meterStart of the old one above the new one', 200, 1800, 0, false, '2026-01-01T11:00:00.000Z', 1800, '2026-01-01T11:00:00.000Z'],
    ['nothing known: meterStart (energy 0)', 1000, undefined, 0, false, '2026-01-01T11:00:00.000Z', 1000, '2026-01-01T11:00:00.000Z'],
    ['a reading below meterStart (a register reset): meterStart, never negative energy', 1000, 10, 5, false, '2026-01-01T11:00:00.000Z', 1000, '2026-01-01T11:00:00.000Z'],
    ['a new start before the old one (charger clock): stopped at its own start', 1000, 1500, 1500, false, '2026-01-01T09:00:00.000Z', 1500, '2026-01-01T10:00:00.000Z'],
    ['other sessions since (a stale one, a shared meter): the new meterStart is not taken', 1000, 1800, 9000, true, '2026-01-01T11:00:00.000Z', 1800, '2026-01-01T11:00:00.000Z'],
    ['other sessions since, nothing seen: meterStart', 1000, undefined, 9000, true, '2026-01-01T11:00:00.000Z', 1000, '2026-01-01T11:00:00.000Z'],
  ])('%s', (_what, meterStart, reading, nextMeterStart, othersSince, startedAt, meterStop, stoppedAt) => {
    expect(supersededStop(aTransaction({ meterStart }), { startedAt, meterStart: nextMeterStart }, reading, othersSince)).toEqual({ meterStop, stoppedAt, stopReason: 'Other', stopIdTag: null });
  });
});
