import { describe, expect, it } from 'vitest';
import { Burst } from './burst.ts';

describe('Burst', () => {
  it('lets max through per window and reports the suppressed count once the window ends', () => {
    const b = new Burst(2, 1000);
    expect(b.take(0)).toEqual({ ok: true, suppressed: 0 });
    expect(b.take(10)).toEqual({ ok: true, suppressed: 0 });
    expect(b.take(20)).toEqual({ ok: false, suppressed: 0 });
    expect(b.take(30)).toEqual({ ok: false, suppressed: 0 });
    expect(b.take(1000)).toEqual({ ok: true, suppressed: 2 });
    expect(b.take(1001)).toEqual({ ok: true, suppressed: 0 });
    expect(b.take(5000)).toEqual({ ok: true, suppressed: 0 });
  });
});
