import { describe, expect, it } from 'vitest';
import { changeSecurityProfile, chooseSlot, parsePriority, setNetworkPriority, setNetworkProfile } from './security-profile.ts';

describe('security profile upgrade commands (A05)', () => {
  it('1.6: ChangeConfiguration SecurityProfile with the new value as a string (whitepaper A05 step 2)', () => {
    expect(changeSecurityProfile(3)).toEqual({ action: 'ChangeConfiguration', payload: { key: 'SecurityProfile', value: '3' } });
  });

  it.each([
    ['1', [1]],
    ['0,1', [0, 1]],
    [' 2 , 1 ', [2, 1]],
    ['', []],
    ['a,1', null],
    ['-1', null],
    [undefined, null],
  ])('parsePriority(%j) = %j', (value, expected) => {
    expect(parsePriority(value)).toEqual(expected);
  });

  it.each([
    [[1], undefined, 2],
    [[0, 1], undefined, 2],
    [[], undefined, 1],
    [[2, 3], undefined, 1],
    [[1], 0, 0],
  ])('chooseSlot(%j, %j) = %j: a slot not in use (TC_A_19_CS)', (inUse, requested, expected) => {
    expect(chooseSlot(inUse, requested)).toBe(expected);
  });

  it('2.0.1: SetNetworkProfile then the new slot first in NetworkConfigurationPriority (TC_A_19_CS steps 1, 3)', () => {
    expect(setNetworkProfile({ slot: 2, profile: 2, csmsUrl: 'wss://gw.example:9443/', protocol: 'ocpp2.0.1', messageTimeout: 30, ocppInterface: 'Wired0' }).payload).toEqual({
      configurationSlot: 2,
      connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://gw.example:9443/', messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' },
    });
    expect(setNetworkPriority(2, [1, 2, 0]).payload.setVariableData[0]!.attributeValue).toBe('2,1,0');
  });
});
