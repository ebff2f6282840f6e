import { describe, expect, it } from 'vitest';
import { callPayloadText } from '../common/ocpp-j/payload-text.ts';
import { attrsPayload, eventPayload, ocppEventPayload, type GatewayEvent } from './payloads.ts';

describe('attrsPayload', () => {
  it('is flat: envelope, then the telemetry attributes, with the charger sample time', () => {
    const text = attrsPayload({ timestamp: '2026-11-23T10:00:00.000Z', context: 'Sample.Periodic', values: { power: 7400, 'current.L1': 32 } }, { connectorId: 1, transactionId: 42 });
    expect(JSON.parse(text)).toEqual({ timestamp: '2026-11-23T10:00:00.000Z', connectorId: 1, transactionId: 42, context: 'Sample.Periodic', power: 7400, 'current.L1': 32 });
    // The subscriber side of the benchmark reads the timestamp without parsing: it comes first.
    expect(text.startsWith('{"timestamp":"2026-11-23T10:00:00.000Z"')).toBe(true);
  });

  it('leaves out what is unknown rather than writing null', () => {
    const text = attrsPayload({ timestamp: '2026-11-23T10:00:00.000Z', values: { soc: 40 } }, { connectorId: 2 });
    expect(JSON.parse(text)).toEqual({ timestamp: '2026-11-23T10:00:00.000Z', connectorId: 2, soc: 40 });
  });
});

describe('eventPayload', () => {
  it('adds the gateway time to the event', () => {
    const e: GatewayEvent = { type: 'replaced', gateway: 'gw-1' };
    expect(JSON.parse(eventPayload(e, '2026-11-23T10:00:00.000Z'))).toEqual({ type: 'replaced', gateway: 'gw-1', ts: '2026-11-23T10:00:00.000Z' });
  });
});

describe('ocppEventPayload', () => {
  const frame = '[2, "m-1", "MeterValues", {"connectorId":1,"meterValue":[{"timestamp":"2026-11-23T10:00:00Z","sampledValue":[{"value":"7.4","unit":"kW","measurand":"Power.Active.Import"}]}],"note":"a \\"quoted\\" ]"} ]';
  const request = JSON.parse(frame)[3];
  const e = { type: 'ocpp', direction: 'in', action: 'MeterValues', messageId: 'm-1', request, response: {}, receivedAt: '2026-11-23T10:00:00.001Z', respondedAt: '2026-11-23T10:00:00.002Z' } as const;

  it('splices the request text in and parses to the same event as serializing it', () => {
    const spliced = ocppEventPayload(e, e.respondedAt, callPayloadText(frame));
    expect(JSON.parse(spliced)).toEqual(JSON.parse(eventPayload(e, e.respondedAt)));
    expect(JSON.parse(spliced)).toEqual({ ...e, ts: e.respondedAt });
  });

  it('serializes the request when there is no text (an outbound exchange, a malformed frame)', () => {
    expect(ocppEventPayload(e, e.respondedAt)).toBe(eventPayload(e, e.respondedAt));
  });

  it('carries an error instead of a response', () => {
    const err = { ...e, response: undefined, error: { code: 'FormationViolation', message: 'bad' } };
    expect(JSON.parse(ocppEventPayload(err, e.respondedAt, callPayloadText(frame))).error).toEqual({ code: 'FormationViolation', message: 'bad' });
  });
});
