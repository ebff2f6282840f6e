import { describe, expect, it } from 'vitest';
import { callPayloadText } from './payload-text.ts';

describe('callPayloadText', () => {
  const cases: Array<[string, unknown]> = [
    ['[2,"1","Heartbeat",{}]', {}],
    ['[2,"19223201","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1,5"}]}]}]', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '1,5' }] }] }],
    [' [ 2 ,\n "a,\\"b\\\\" , "Act,ion\\"" ,\t{"k":"]"} ] ', { k: ']' }],
    ['[2,"x\\\\","A",[1,2,3]]', [1, 2, 3]],
    ['[2,"x","A",null]', null],
    ['[2,"x","A","str,\\"]"]', 'str,"]'],
    ['[2.0e0,"x","A",{"a":[{"b":{}}]}]', { a: [{ b: {} }] }],
  ];
  for (const [frame, payload] of cases) {
    it(`cuts the payload out of ${JSON.stringify(frame).slice(0, 50)}`, () => {
      const text = callPayloadText(frame);
      expect(JSON.parse(text)).toEqual(payload);
      expect(JSON.parse(frame)[3]).toEqual(payload);
    });
  }
});
