import { describe, expect, it } from 'vitest';
import { emptyDevice, observe, type AlertInput, type DeviceModel } from './model.ts';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const state = (connectors: Record<string, { status: string }>): AlertInput => ({ type: 'state', shadow: { chargePointId: 'CP1', online: true, connectors } });
const attrs = (connectorId: number): AlertInput => ({ type: 'attrs', attrs: { connectorId, timestamp: new Date(T0).toISOString(), energy: 1000 } });

describe('device model', () => {
  it('keeps connectorIds the keys of connectors, in the order they were first seen, whatever reports them', () => {
    const steps: AlertInput[] = [attrs(2), state({ '1': { status: 'Available' }, '2': { status: 'Charging' } }), attrs(1), attrs(3), state({ '3': { status: 'Faulted' }, '4': { status: 'Available' } }), attrs(4)];
    let d: DeviceModel = emptyDevice('acme', 'dev-1');
    const seen: string[][] = [];
    for (const step of steps) {
      const before = d;
      d = observe(d, step, T0, 60_000);
      expect([...d.connectorIds].sort()).toEqual(Object.keys(d.connectors).sort());
      // No new list when no connector is new: the evaluations share it.
      if (d.connectorIds.length === before.connectorIds.length) expect(d.connectorIds).toBe(before.connectorIds);
      seen.push([...d.connectorIds]);
    }
    expect(seen).toEqual([['2'], ['2', '1'], ['2', '1'], ['2', '1', '3'], ['2', '1', '3', '4'], ['2', '1', '3', '4']]);
  });
});
