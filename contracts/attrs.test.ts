import { describe, expect, it } from 'vitest';
import { attrKey, ENVELOPE_KEYS, parseAttrKey, streamKey } from './attrs.ts';
import { LOCATIONS, MEASURANDS, PHASES } from './measurands.ts';
import { attrsPayload } from './payloads.ts';

const ATTRS = [...new Set(Object.values(MEASURANDS).map((m) => m.attr))];
const PHASE_LIST = [undefined, ...PHASES.values()];
const LOCATION_LIST = [undefined, ...[...LOCATIONS.values()].filter((l) => l !== 'Outlet')];

describe('attrs keys: one grammar, built and parsed back (contracts/attrs.ts)', () => {
  it('every attribute, phase, location and signed flag comes back as it went in', () => {
    for (const attr of ATTRS) {
      for (const phase of PHASE_LIST) {
        for (const location of LOCATION_LIST) {
          for (const signed of [false, true]) {
            const key = attrKey(attr, phase, location, signed);
            expect(parseAttrKey(key), key).toEqual({ attr, ...(phase ? { phase } : {}), ...(location ? { location } : {}), signed });
          }
        }
      }
    }
  });

  it('the spellings of interface.md', () => {
    expect(attrKey('current', 'L1')).toBe('current_L1');
    expect(attrKey('voltage', 'L1-N')).toBe('voltage_L1-N');
    expect(attrKey('temperature', undefined, 'Body')).toBe('temperature_Body');
    expect(attrKey('energy', undefined, undefined, true)).toBe('energy_signed');
    expect(attrKey('energy', 'L1', 'EV', true)).toBe('energy_L1_EV_signed');
    expect(streamKey(3)).toBe('stream_3');
  });

  it('Outlet, the default location, and an unknown one name no location', () => {
    expect(attrKey('power', 'L2', 'Outlet')).toBe('power_L2');
    expect(attrKey('power', undefined, '')).toBe('power');
    expect(attrKey('power', undefined, 'Outlet', true)).toBe('power_signed');
  });

  it('a stream key or an unknown suffix is an attribute of its own', () => {
    expect(parseAttrKey(streamKey(12))).toEqual({ attr: 'stream_12', signed: false });
    expect(parseAttrKey('power_X9')).toEqual({ attr: 'power_X9', signed: false });
    // A phase or location alone is no suffix: nothing is left to be the attribute.
    expect(parseAttrKey('L1')).toEqual({ attr: 'L1', signed: false });
  });

  it('no attribute reads as a phase or a location, and none contains the separator', () => {
    for (const attr of ATTRS) {
      expect(attr).not.toContain('_');
      expect(PHASES.has(attr.toLowerCase()) || LOCATIONS.has(attr.toLowerCase()), attr).toBe(false);
    }
  });

  it("the attrs payload's envelope is ENVELOPE_KEYS, and telemetry keys are the sample's", () => {
    const sample = { timestamp: '2026-11-23T10:00:00.000Z', context: 'Sample.Periodic', values: { power: 7400, [attrKey('current', 'L1')]: 32 } };
    const m = JSON.parse(attrsPayload(sample, { connectorId: 1, transactionId: 2, evseId: 1, chargerTransactionId: 'TX', variableMonitoringId: 4 })) as Record<string, unknown>;
    expect(Object.keys(m).filter((k) => !Object.hasOwn(sample.values, k)).sort()).toEqual([...ENVELOPE_KEYS].sort());
  });
});
