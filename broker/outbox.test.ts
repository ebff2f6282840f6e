import { describe, expect, it } from 'vitest';
import { outboxVerdict } from './outbox.ts';

const limits = { qos0DropBytes: 1000, maxBytes: 5000 };

describe('outbox policy (docs/mqtt.md "Slow subscribers")', () => {
  it.each([
    [0, 0, 'send'],
    [1000, 0, 'send'],
    [1001, 0, 'drop'],
    [99_999, 0, 'drop'], // QoS 0 never disconnects
    [1001, 1, 'send'], // QoS 1 is kept past the QoS 0 limit
    [5000, 1, 'send'],
    [5001, 1, 'disconnect'],
    [5001, 2, 'disconnect'],
  ] as const)('%i bytes waiting, QoS %i: %s', (queued, qos, verdict) => {
    expect(outboxVerdict(queued, qos, limits)).toBe(verdict);
  });
});
