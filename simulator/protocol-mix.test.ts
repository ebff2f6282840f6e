import { describe, expect, it } from 'vitest';
import { ALL_16, formatProtocolMix, parseProtocolMix, protocolAt } from './protocol-mix.ts';

describe('--protocols', () => {
  it.each([
    ['1.6=0.5,2.0.1=0.3,2.1=0.2', [{ protocol: 'ocpp1.6', share: 0.5 }, { protocol: 'ocpp2.0.1', share: 0.3 }, { protocol: 'ocpp2.1', share: 0.2 }]],
    ['2.0.1', [{ protocol: 'ocpp2.0.1', share: 1 }]],
    ['ocpp2.1=1', [{ protocol: 'ocpp2.1', share: 1 }]],
    [' 1.6 = 0.25 , 2.1 = 0.75 ', [{ protocol: 'ocpp1.6', share: 0.25 }, { protocol: 'ocpp2.1', share: 0.75 }]],
    ['1.6=0.33,2.0.1=0.33,2.1=0.34', [{ protocol: 'ocpp1.6', share: 0.33 }, { protocol: 'ocpp2.0.1', share: 0.33 }, { protocol: 'ocpp2.1', share: 0.34 }]],
  ])('%s', (text, mix) => {
    expect(parseProtocolMix(text)).toEqual(mix);
  });

  it.each([
    ['', /expected version=share/],
    ['1.5=1', /unknown OCPP version/],
    ['1.6=0.5,2.0.1=0.4', /add up to 0.9/],
    ['1.6=1.5', /between 0 and 1/],
    ['1.6=x', /between 0 and 1/],
    ['1.6=0.5,1.6=0.5', /twice/],
    ['1.6,2.0.1', /needs a share/],
  ])('refuses %j', (text, error) => {
    expect(() => parseProtocolMix(text)).toThrow(error);
  });

  it('round-trips through its text form', () => {
    expect(formatProtocolMix(parseProtocolMix('1.6=0.5,2.0.1=0.3,2.1=0.2'))).toBe('1.6=0.5,2.0.1=0.3,2.1=0.2');
    expect(formatProtocolMix(ALL_16)).toBe('1.6=1');
  });

  it('gives every prefix of the fleet each version in its share, the same version to the same index', () => {
    const mix = parseProtocolMix('1.6=0.5,2.0.1=0.3,2.1=0.2');
    for (const n of [10, 20, 100, 1000]) {
      const picked = Array.from({ length: n }, (_, i) => protocolAt(mix, i));
      const count = (p: string) => picked.filter((x) => x === p).length;
      expect([count('ocpp1.6'), count('ocpp2.0.1'), count('ocpp2.1')]).toEqual([n * 0.5, n * 0.3, n * 0.2]);
    }
    expect(protocolAt(parseProtocolMix('1.6=0.5,2.0.1=0.3,2.1=0.2'), 7)).toBe(protocolAt(mix, 7));
    expect(Array.from({ length: 50 }, (_, i) => protocolAt(ALL_16, i)).every((p) => p === 'ocpp1.6')).toBe(true);
    // A version with share 0 never comes up.
    const none = parseProtocolMix('1.6=0,2.1=1');
    expect(Array.from({ length: 20 }, (_, i) => protocolAt(none, i)).every((p) => p === 'ocpp2.1')).toBe(true);
  });
});
