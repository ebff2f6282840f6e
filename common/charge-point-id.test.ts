import { describe, expect, it } from 'vitest';
import { chargePointIdProblem } from './charge-point-id.ts';

describe('chargePointIdProblem', () => {
  it.each(['CP_1', 'RDAM 123', 'DE*ABC*E1234*1', 'Wallbox-ü-ß', 'x'.repeat(48), 'a.b-c_d=e+f|g@h', 'CP:7'])('accepts %j', (id) => expect(chargePointIdProblem(id)).toBeNull());
  it.each([
    ['', /empty/],
    ['x'.repeat(49), /longer than 48/],
    ['x'.repeat(15_000), /longer than 48/],
    ['CP\u0000', /U\+0000/],
    ['CP\r\nX', /U\+000D/],
    ['CP\u202Egnp.exe', /U\+202E/],
    ['CP\u200B1', /U\+200B/],
    ['CP\u0085', /U\+0085/],
    ['CP\u2028', /U\+2028/],
    [' CP', /white space/],
  ])('refuses %j', (id, why) => expect(chargePointIdProblem(id)).toMatch(why));
});
