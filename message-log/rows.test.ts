import { describe, expect, it } from 'vitest';
import { jsonLine, replayedPayload, toRow, viewOf, whereOf, type LogRow } from './rows.ts';
import { topicsFor } from '../contracts/topics.ts';
import { ocppEventPayload } from '../contracts/payloads.ts';

const TS = '2026-12-01T10:00:00.000Z';
const ocpp = (over: Record<string, unknown> = {}) => JSON.stringify({ type: 'ocpp', direction: 'in', action: 'Heartbeat', messageId: 'm-1', response: { currentTime: TS }, receivedAt: TS, respondedAt: TS, ts: TS, request: {}, ...over });

describe('toRow: an events message as a log row', () => {
  it.each([
    ['a charger CALL (ocpp)', ocpp(), { type: 'ocpp', direction: 'in', action: 'Heartbeat', messageId: 'm-1', error: null }],
    ['a CALL answered with a CALLERROR', ocpp({ action: 'StartTransaction', messageId: '2959:49', response: undefined, error: { code: 'FormationViolation', message: 'x' } }), { type: 'ocpp', direction: 'in', action: 'StartTransaction', messageId: '2959:49', error: 'FormationViolation' }],
    ['a command we sent, answered', JSON.stringify({ type: 'command', id: 'c-7', action: 'Reset', request: { type: 'Soft' }, response: { status: 'Accepted' }, sentAt: TS, answeredAt: TS, ts: TS }), { type: 'command', direction: 'out', action: 'Reset', messageId: 'c-7', error: null }],
    ['a command that timed out', JSON.stringify({ type: 'command', id: 'c-8', action: 'Reset', request: {}, error: { code: 'timeout', message: 'x', sent: true }, sentAt: TS, answeredAt: TS, ts: TS }), { type: 'command', direction: 'out', messageId: 'c-8', error: 'timeout' }],
    ['a connection event', JSON.stringify({ type: 'connected', remoteAddress: '::1', protocol: 'ocpp1.6', gateway: 'g', ts: TS }), { type: 'connected', direction: null, action: null, messageId: null, error: null }],
    ['a bad frame', JSON.stringify({ type: 'badMessage', error: { code: 'FormationViolation', message: 'x' }, frame: '[', ts: TS }), { type: 'badMessage', direction: null, error: 'FormationViolation' }],
  ])('%s', (_name, payload, expected) => {
    const r = toRow(topicsFor('dojot'), 'acme:0a1b2c3d/events', payload) as LogRow;
    expect(r).toMatchObject({ ...expected, tenant: 'acme', device: '0a1b2c3d', time: Date.parse(TS), payload });
  });

  it("reads an ocpp event of the gateway's layout from its head alone, and every other layout whole, to the same row", () => {
    const request = JSON.stringify({ connectorId: 1, meterValue: [{ timestamp: TS, sampledValue: [{ value: '1' }] }] });
    const event = { type: 'ocpp', direction: 'in', action: 'MeterValues', messageId: 'm-2', error: { code: 'InternalError', message: 'x' }, receivedAt: TS, respondedAt: TS } as const;
    const row = (payload: string) => toRow(topicsFor('dojot'), 'acme:0a1b2c3d/events', payload) as LogRow;
    const expected = { type: 'ocpp', direction: 'in', action: 'MeterValues', messageId: 'm-2', error: 'InternalError', time: Date.parse(TS) };
    // The gateway's hot-path layout: the head, ts last, then the request's own text.
    expect(row(ocppEventPayload(event as never, TS, request))).toMatchObject(expected);
    // The same event serialized whole (ts last, after the request).
    expect(row(JSON.stringify({ ...event, request: JSON.parse(request), ts: TS }))).toMatchObject(expected);
    // A "request" key inside the response, right after a ts of its own: the cut there does not
    // parse, the event is read whole.
    expect(row(JSON.stringify({ type: 'ocpp', direction: 'in', action: 'DataTransfer', messageId: 'm-3', response: { ts: '2020-01-01T00:00:00.000Z', request: 1 }, receivedAt: TS, respondedAt: TS, ts: TS, request: {} }))).toMatchObject({ action: 'DataTransfer', messageId: 'm-3', time: Date.parse(TS) });
  });

  it.each([
    ['another topic', 'acme:0a1b2c3d/attrs', ocpp()],
    ['a replay (never logged again)', 'acme:0a1b2c3d/events/replay', ocpp()],
    ['not JSON', 'acme:0a1b2c3d/events', '{'],
    ['not an object', 'acme:0a1b2c3d/events', '[1]'],
    ['no type', 'acme:0a1b2c3d/events', JSON.stringify({ ts: TS })],
    ['no valid ts', 'acme:0a1b2c3d/events', JSON.stringify({ type: 'ocpp', ts: 'yesterday' })],
  ])('skips %s', (_name, topic, payload) => {
    expect(toRow(topicsFor('dojot'), topic, payload)).toHaveProperty('skip');
  });
});

describe('whereOf: the SQL of a filter', () => {
  it('always confines to the tenant', () => {
    expect(whereOf({ tenant: 'acme' })).toEqual({ sql: 'tenant = ?', params: ['acme'] });
  });
  it('adds each given condition with its parameters in order', () => {
    expect(whereOf({ tenant: 'acme', device: 'd1', from: 1, to: 2, type: ['ocpp', 'command'], action: ['Reset'], messageId: 'm', direction: 'out', failed: true })).toEqual({
      sql: 'tenant = ? AND device = ? AND time >= ? AND time < ? AND type IN (?, ?) AND action IN (?) AND message_id = ? AND direction = ? AND error IS NOT NULL',
      params: ['acme', 'd1', 1, 2, 'ocpp', 'command', 'Reset', 'm', 'out'],
    });
    expect(whereOf({ tenant: 'acme', failed: false }).sql).toBe('tenant = ? AND error IS NULL');
  });
});

describe('views', () => {
  const row = { ...(toRow(topicsFor('dojot'), 'acme:d1/events', ocpp()) as LogRow), id: 7 };
  it('a JSON line is the view with the stored event spliced in', () => {
    const line = jsonLine(row);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(viewOf(row));
    expect(viewOf(row)).toMatchObject({ id: 7, ts: TS, deviceId: 'd1', type: 'ocpp', direction: 'in', event: JSON.parse(ocpp()) });
  });
  it('a replayed payload is the event with replayed: true', () => {
    expect(JSON.parse(replayedPayload(ocpp()))).toEqual({ ...JSON.parse(ocpp()), replayed: true });
  });
});
