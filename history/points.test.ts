import { describe, expect, it } from 'vitest';
import { attrsToPoints, selectorFor } from './points.ts';
import { topicsFor } from '../contracts/topics.ts';

const T = '2026-06-01T10:00:00.000Z';

describe('attrs -> points', () => {
  it('a DC sample is one point with every field', () => {
    const r = attrsToPoints(topicsFor('dojot'), 'acme:a1b2c3d4/attrs', JSON.stringify({ timestamp: T, connectorId: 1, transactionId: 7, context: 'Sample.Periodic', power: 48200, energy: 2087600, soc: 45, soc_EV: 45, energy_signed: 'x' }));
    expect(r.points).toEqual([
      { tags: { tenant: 'acme', device: 'a1b2c3d4', connector: '1', transaction: '7' }, fields: { power: 48200, energy: 2087600, soc: 45 }, time: Date.parse(T) },
      { tags: { tenant: 'acme', device: 'a1b2c3d4', connector: '1', transaction: '7', location: 'EV' }, fields: { soc: 45 }, time: Date.parse(T) },
    ]);
  });

  it('per-phase keys become points tagged with the phase', () => {
    const r = attrsToPoints(topicsFor('dojot'), 'admin:00000001/attrs', JSON.stringify({ timestamp: T, connectorId: 2, current_L1: 16.1, 'voltage_L1-N': 230, current: 16 }));
    expect(r.points).toHaveLength(3);
    expect(r.points.map((p) => [p.tags.phase, p.fields])).toEqual(
      expect.arrayContaining([
        [undefined, { current: 16 }],
        ['L1', { current: 16.1 }],
        ['L1-N', { voltage: 230 }],
      ]),
    );
  });

  it('keys past the parsed-key cache are parsed all the same (5,000 stream keys, twice)', () => {
    const m: Record<string, unknown> = { timestamp: T, connectorId: 1 };
    for (let i = 0; i < 5000; i++) m[`stream_${i}_L2`] = i;
    for (let round = 0; round < 2; round++) {
      const [p, ...rest] = attrsToPoints(topicsFor('dojot'), 'acme:d/attrs', JSON.stringify(m)).points;
      expect(rest).toEqual([]);
      expect(p!.tags.phase).toBe('L2');
      expect(Object.keys(p!.fields)).toHaveLength(5000);
      expect(p!.fields['stream_4999']).toBe(4999);
    }
  });

  it.each([
    ['admin:x/state', '{}', 'not an attrs topic'],
    ['admin:x/attrs', 'nope', 'payload is not JSON'],
    ['admin:x/attrs', '{"power":1}', 'missing or unparseable timestamp'],
  ])('%s %s -> error', (topic, payload, error) => {
    const r = attrsToPoints(topicsFor('dojot'), topic, payload);
    expect(r.points).toEqual([]);
    expect(r.error).toContain(error);
  });

  it.each([
    ['power', { key: 'power', field: 'power' }],
    ['current_L1', { key: 'current_L1', field: 'current', phase: 'L1' }],
    ['voltage_L1-N', { key: 'voltage_L1-N', field: 'voltage', phase: 'L1-N' }],
    ['temperature_Body', { key: 'temperature_Body', field: 'temperature', location: 'Body' }],
    ['current_L2_Inlet', { key: 'current_L2_Inlet', field: 'current', phase: 'L2', location: 'Inlet' }],
  ])('selector for %s', (key, sel) => expect(selectorFor(key)).toEqual(sel));
});

it('skips values that are not numbers', () => {
  const r = attrsToPoints(topicsFor('dojot'), 'a:b/attrs', JSON.stringify({ timestamp: T, connectorId: 1, power: null, soc: '45', energy: 1 }));
  expect(r.points).toEqual([{ tags: { tenant: 'a', device: 'b', connector: '1' }, fields: { energy: 1 }, time: Date.parse(T) }]);
});
