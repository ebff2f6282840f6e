/**
 * Leniency for 2.0.1 as for 1.6 (issue 17): the same walker over the dereferenced 2.0.1 schemas
 * repairs what field chargers bend and refuses what cannot be repaired.
 */
import { describe, expect, it } from 'vitest';
import { checkRequest } from '../leniency.ts';
import { OCPP201 } from './schemas.ts';

const T = '2026-12-01T10:00:00.000Z';

describe('2.0.1 requests a lenient charger bends', () => {
  it('enum case, a timestamp without zone, a number as a string, an extra key, one bad sample among good ones', () => {
    const r = checkRequest(
      'TransactionEvent',
      {
        eventType: 'updated',
        timestamp: '2026-12-01T10:00:00',
        triggerReason: 'MeterValuePeriodic',
        seqNo: '3',
        transactionInfo: { transactionId: 'TX-1', chargingState: 'charging' },
        vendorExtra: true,
        meterValue: [{ timestamp: T, sampledValue: [{ value: 10, measurand: 'Energy.Active.Import.Register' }, { value: 'x' }, { value: 7.4, measurand: 'power.active.import', unitOfMeasure: { unit: 'kW' } }] }],
      },
      true,
      OCPP201,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.params).toMatchObject({ eventType: 'Updated', timestamp: '2026-12-01T10:00:00Z', seqNo: 3, transactionInfo: { chargingState: 'Charging' } });
    expect(r.params).not.toHaveProperty('vendorExtra');
    const mv = (r.params as { meterValue: Array<{ sampledValue: unknown[] }> }).meterValue[0]!;
    expect(mv.sampledValue).toHaveLength(2);
    expect(r.deviations.map((d) => d.kind).sort()).toEqual(['enumCase', 'enumCase', 'enumCase', 'extraKey', 'numberAsString', 'sampleDropped', 'timestampWithoutZone'].sort());
  });

  it('an over-long optional string is cut, an over-long identifier is not', () => {
    const boot = checkRequest('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M', serialNumber: 'S'.repeat(30) } }, true, OCPP201);
    expect(boot.ok && (boot.params as { chargingStation: { serialNumber: string } }).chargingStation.serialNumber).toHaveLength(25);
    const auth = checkRequest('Authorize', { idToken: { idToken: 'T'.repeat(40), type: 'ISO14443' } }, true, OCPP201);
    expect(auth.ok).toBe(false);
  });

  it('strict: the first failure with its 2.0.1 code', () => {
    const r = checkRequest('StatusNotification', { timestamp: T, connectorStatus: 'available', evseId: 1, connectorId: 1 }, false, OCPP201);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.rpcErrorCode).toBe('PropertyConstraintViolation');
  });
});
