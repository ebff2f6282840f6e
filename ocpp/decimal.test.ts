import { describe, expect, it } from 'vitest';
import { parseNumber } from './decimal.ts';

describe('numbers come as strings', () => {
  it.each([
    ['7.856', 7.856],
    [' 230 ', 230],
    ['1e3', 1000],
    ['-0.5', -0.5],
    ['+12', 12],
    ['.5', 0.5],
    ['10.', 10],
  ])('%j -> %d', (value, expected) => expect(parseNumber(value)).toBe(expected));
});
