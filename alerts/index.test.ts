import { describe, expect, it } from 'vitest';
import { eventPayload, ocppEventPayload } from '../contracts/payloads.ts';
import { eventHead } from './index.ts';

const ocpp = (action: string, request: unknown) => ({ type: 'ocpp' as const, direction: 'in' as const, action, messageId: 'm1', request, response: {}, receivedAt: 't', respondedAt: 't' });

describe('event head (what the alerts role reads of each event without parsing it)', () => {
  it.each([
    ['a MeterValues event as the gateway writes it (spliced request)', Buffer.from(ocppEventPayload(ocpp('MeterValues', {}), 'ts', '{"connectorId":1,"meterValue":[]}')), { type: 'ocpp', direction: 'in', action: 'MeterValues' }],
    ['a BootNotification event', Buffer.from(eventPayload(ocpp('BootNotification', { chargePointVendor: 'X' }), 'ts')), { type: 'ocpp', direction: 'in', action: 'BootNotification' }],
    ['a SecurityEventNotification: parsed in full', Buffer.from(eventPayload(ocpp('SecurityEventNotification', { type: 'X' }), 'ts')), null],
    ['a refused handshake: parsed in full', Buffer.from('{"type":"securityRefused","reason":"TLS_REQUIRED"}'), null],
    ['an event no rule reads', Buffer.from(eventPayload({ type: 'connected', remoteAddress: 'a', protocol: 'ocpp1.6', gateway: 'g' }, 'ts')), 'skip'],
    ['another layout: parsed in full', Buffer.from('{"ts":"x","type":"ocpp"}'), null],
  ])('%s', (_n, payload, expected) => {
    expect(eventHead(payload)).toEqual(expected);
  });
});
