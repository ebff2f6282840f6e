/**
 * Dispatch (dispatch.ts) without sockets: a session on a recording bus, the in-memory store
 * (testing/memory-store.ts), CALLs from builders. What a charger gets back is asserted as the
 * code on its wire (common/ocpp-j/error-codes.ts `wireCode`, as the `ocpp` event names it);
 * the connection puts that code in the CALLERROR (charger-connection.test.ts checks the frame).
 */
import { describe, expect, it } from 'vitest';
import { wireCode } from '../common/ocpp-j/error-codes.ts';
import { aCall, aDispatchHarness, aTelemetrySink } from './testing/builders.ts';

const bootOf = {
  'ocpp2.0.1': { reason: 'PowerUp', chargingStation: { vendorName: 'ABB', model: 'Terra 54' } },
} as const;

/** The CALLERROR code the charger receives for a refused CALL. */
async function refusedWith(protocol: string, call: ReturnType<typeof aCall>, o: { lenient?: boolean; registration?: 'Pending' | 'Rejected' } = {}) {
  const h = aDispatchHarness({ protocol, device: { lenient: o.lenient ?? false }, registration: o.registration });
  const r = await h.send(call);
  if (r.ok) throw new Error(`${call.method} was answered: ${JSON.stringify(r.result)}`);
  const event = h.bus.events('ocpp').at(-1)!;
  // The event names the code the charger actually received.
  expect((event['error'] as { code: string }).code).toBe(wireCode(protocol, r.code));
  return wireCode(protocol, r.code);
}

describe('dispatch: what a CALL is answered', () => {
  it.each([
    ['ocpp1.6', 'NotImplemented'],
    ['ocpp2.0.1', 'NotImplemented'],
    ['ocpp2.1', 'NotImplemented'],
  ])('%s: an action the version does not know is %s (OCPP-J §4.2.3 / part 4 §4.3)', async (protocol, code) => {
    expect(await refusedWith(protocol, aCall('MakeCoffee', {}))).toBe(code);
    // An action of another version is as unknown as any other.
    expect(await refusedWith(protocol, aCall(protocol === 'ocpp1.6' ? 'TransactionEvent' : 'StartTransaction', {}))).toBe(code);
    // Own keys only: an action named like an object property is just unknown.
    expect(await refusedWith(protocol, aCall('constructor', {}))).toBe(code);
  });

  it.each<[string, string, unknown, string]>([
    // A required property missing: 1.6 keeps its misspelling on the wire (errata §5.1).
    ['ocpp1.6', 'BootNotification', { chargePointVendor: 'ABB' }, 'OccurenceConstraintViolation'],
    ['ocpp2.0.1', 'BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ABB' } }, 'OccurrenceConstraintViolation'],
    // A property of the wrong type.
    ['ocpp1.6', 'StatusNotification', { connectorId: 'one', errorCode: 'NoError', status: 'Available' }, 'TypeConstraintViolation'],
    ['ocpp2.0.1', 'StatusNotification', { timestamp: '2026-01-01T00:00:00Z', connectorStatus: 'Available', evseId: 'one', connectorId: 1 }, 'TypeConstraintViolation'],
    // A value outside its enumeration.
    ['ocpp1.6', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }, 'PropertyConstraintViolation'],
    ['ocpp2.0.1', 'StatusNotification', { timestamp: '2026-01-01T00:00:00Z', connectorStatus: 'Sleeping', evseId: 1, connectorId: 1 }, 'PropertyConstraintViolation'],
    // Not an object at all.
    ['ocpp1.6', 'Heartbeat', 'beat', 'TypeConstraintViolation'],
    ['ocpp2.0.1', 'Heartbeat', 'beat', 'TypeConstraintViolation'],
    // A date-time that is not one (ocpp-rpc's mapping of a `format` failure, in both versions).
    ['ocpp1.6', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: 'yesterday' }, 'PropertyConstraintViolation'],
    ['ocpp2.0.1', 'StatusNotification', { timestamp: 'yesterday', connectorStatus: 'Available', evseId: 1, connectorId: 1 }, 'PropertyConstraintViolation'],
  ])('%s %s with an invalid payload (strict) is %s', async (protocol, action, params, code) => {
    expect(await refusedWith(protocol, aCall(action, params))).toBe(code);
  });

  it('publishes a protocolWarning beside the refusal, naming the same wire code', async () => {
    const h = aDispatchHarness({ protocol: 'ocpp2.0.1', device: { lenient: false } });
    await h.send(aCall('BootNotification', { reason: 'PowerUp', chargingStation: {} }));
    const [warning] = h.bus.events('protocolWarning');
    expect(warning).toMatchObject({ action: 'BootNotification', error: { code: 'OccurrenceConstraintViolation' } });
  });

  it('lenient (the default): a repairable deviation is answered, and reported as a warning', async () => {
    const h = aDispatchHarness({ device: { lenient: true } });
    // A number sent as a string: repaired (ocpp/leniency.ts).
    const r = await h.send(aCall('MeterValues', { connectorId: '1', meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '12.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] }] }));
    expect(r).toEqual({ ok: true, result: {} });
    expect(h.bus.events('protocolWarning')).toHaveLength(1);
  });

  it('2.x: while the boot is Pending or Rejected, anything but BootNotification is SecurityError (B02.FR.09, B03.FR.07)', async () => {
    expect(await refusedWith('ocpp2.0.1', aCall('Heartbeat', {}), { registration: 'Pending' })).toBe('SecurityError');
    expect(await refusedWith('ocpp2.1', aCall('StatusNotification', {}), { registration: 'Rejected' })).toBe('SecurityError');
    const h = aDispatchHarness({ protocol: 'ocpp2.0.1', registration: 'Pending' });
    expect(await h.send(aCall('BootNotification', bootOf['ocpp2.0.1']))).toMatchObject({ ok: true, result: { status: 'Accepted' } });
    // Pending: what a TriggerMessage asked for may come.
    const t = aDispatchHarness({ protocol: 'ocpp2.0.1', registration: 'Pending' });
    t.session.triggered.add('Heartbeat');
    expect(await t.send(aCall('Heartbeat', {}))).toMatchObject({ ok: true });
    // 1.6 chargers are not held to it (field chargers send StatusNotification regardless).
    const v16 = aDispatchHarness({ protocol: 'ocpp1.6', registration: 'Pending' });
    expect(await v16.send(aCall('Heartbeat', {}))).toMatchObject({ ok: true });
  });

  it('refuses telemetry it cannot keep (a full disk) with InternalError before any work, and answers the rest', async () => {
    const h = aDispatchHarness({ telemetry: aTelemetrySink({ refusal: { code: 'DISK_FULL', message: 'no space' } as never }) });
    const mv = await h.send(aCall('MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '1' }] }] }));
    expect(mv).toMatchObject({ ok: false, code: 'InternalError' });
    expect(await h.send(aCall('Heartbeat', {}))).toMatchObject({ ok: true });
  });

  it('a failing store is InternalError (the charger retries: 1.6 §3.7), never an unhandled rejection', async () => {
    const h = aDispatchHarness();
    h.store.getIdTag = async () => {
      throw new Error('disk on fire');
    };
    expect(await h.send(aCall('Authorize', { idTag: 'TAG-1' }))).toEqual({ ok: false, code: 'InternalError', message: 'internal error' });
  });

  it('publishes one ocpp event per exchange, with the request text as the charger sent it', async () => {
    const h = aDispatchHarness();
    const call = { ...aCall('Heartbeat', {}, 'hb-1'), payloadText: '{ }' };
    await h.send(call);
    const events = h.bus.published.filter((p) => p.topic.endsWith('/events'));
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toContain('"request":{ }');
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ type: 'ocpp', direction: 'in', action: 'Heartbeat', messageId: 'hb-1', response: { currentTime: expect.any(String) } });
  });
});
