/**
 * Every OCPP 1.6 handler (this folder's table) through dispatch, with builders and the in-memory
 * store: validated like a real CALL, answered, and what it leaves in the shadow, the ledger and
 * the telemetry. No sockets.
 */
import { describe, expect, it } from 'vitest';
import { aDevice, aHandlerHarness, anIdTag } from '../../../testing/builders.ts';
import { handlers } from './index.ts';

const T0 = '2026-03-01T08:00:00.000Z';
const T1 = '2026-03-01T09:00:00.000Z';

const harness = aHandlerHarness;

describe('OCPP 1.6 handlers', () => {
  it('has a test for every action of the table', () => {
    expect(Object.keys(handlers).sort()).toEqual(['Authorize', 'BootNotification', 'DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StartTransaction', 'StatusNotification', 'StopTransaction']);
  });

  describe('BootNotification (§4.2)', () => {
    it('Accepted with the heartbeat interval; the attributes written to the registry once, the shadow shows the boot', async () => {
      const h = harness({ env: { HEARTBEAT_INTERVAL: '120' } });
      const boot = { chargePointVendor: 'ABB', chargePointModel: 'Terra 54', firmwareVersion: '1.2.3', chargePointSerialNumber: 'SN1' };
      expect(await h.ok('BootNotification', boot)).toEqual({ status: 'Accepted', currentTime: expect.any(String), interval: 120 });
      expect(h.store.devices.get('dev-1')!.attrs).toMatchObject({ vendor: 'ABB', model: 'Terra 54', firmwareVersion: '1.2.3', chargePointSerialNumber: 'SN1' });
      expect(h.session.shadow).toMatchObject({ registration: 'Accepted', vendor: 'ABB', model: 'Terra 54', firmware: '1.2.3', serialNumber: 'SN1' });
      // The same boot again (a reconnection storm): nothing written, the device read afresh.
      h.store.calls.length = 0;
      await h.ok('BootNotification', boot);
      expect(h.store.calls).toEqual(['getDevice']);
    });

    it('a disabled device is Rejected (and stays connected)', async () => {
      const h = harness();
      h.store.devices.set('dev-1', aDevice({ enabled: false }));
      expect(await h.ok('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'X' })).toMatchObject({ status: 'Rejected' });
      expect(h.session.shadow.registration).toBe('Rejected');
    });
  });

  it('Heartbeat (§4.6): the server time', async () => {
    const r = await harness().ok('Heartbeat', {});
    expect(Math.abs(Date.parse(r['currentTime'] as string) - Date.now())).toBeLessThan(5_000);
  });

  it.each([
    ['a known tag', 'TAG-1', [anIdTag()], {}, { status: 'Accepted' }],
    ['a blocked tag', 'TAG-1', [anIdTag({ status: 'Blocked' })], {}, { status: 'Blocked' }],
    ['an expired tag', 'TAG-1', [anIdTag({ expiryDate: '2020-01-01T00:00:00.000Z' })], {}, { status: 'Expired', expiryDate: '2020-01-01T00:00:00.000Z' }],
    ['an unknown tag, unknown ones accepted', 'NOPE', [], { ACCEPT_UNKNOWN_ID_TAGS: 'true' }, { status: 'Accepted' }],
    ['an unknown tag, unknown ones refused', 'NOPE', [], { ACCEPT_UNKNOWN_ID_TAGS: 'false' }, { status: 'Invalid' }],
  ])('Authorize (§4.1): %s', async (_name, idTag, idTags, env, info) => {
    expect(await harness({ idTags, env }).ok('Authorize', { idTag })).toEqual({ idTagInfo: info });
  });

  it('StatusNotification (§4.9): the connector in the shadow', async () => {
    const h = harness();
    await h.ok('StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', info: 'rcd', vendorErrorCode: 'E42' });
    expect(h.session.shadow.connectors['1']).toMatchObject({ status: 'Faulted', errorCode: 'GroundFailure', info: 'rcd', vendorErrorCode: 'E42' });
  });

  it('DiagnosticsStatusNotification and FirmwareStatusNotification (§4.4, §4.5): their status in the shadow', async () => {
    const h = harness();
    await h.ok('DiagnosticsStatusNotification', { status: 'Uploading' });
    await h.ok('FirmwareStatusNotification', { status: 'Installing' });
    expect(h.session.shadow).toMatchObject({ diagnosticsStatus: 'Uploading', firmwareStatus: 'Installing' });
  });

  it('DataTransfer (§4.3): UnknownVendorId, the data reaches platforms as the exchange event', async () => {
    const h = harness();
    expect(await h.ok('DataTransfer', { vendorId: 'com.example', messageId: 'x', data: 'y' })).toMatchObject({ status: 'UnknownVendorId' });
    expect(h.bus.events('ocpp').at(-1)).toMatchObject({ action: 'DataTransfer', request: { vendorId: 'com.example' } });
  });

  it('MeterValues (§4.7): normalized attrs in fixed units, with connector and transaction', async () => {
    const h = harness();
    await h.ok('MeterValues', {
      connectorId: 1,
      transactionId: 5,
      meterValue: [{ timestamp: T0, sampledValue: [{ value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' }, { value: '12.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] }],
    });
    expect(h.attrs()).toEqual([expect.objectContaining({ timestamp: T0, connectorId: 1, transactionId: 5, power: 7200, energy: 12500 })]);
  });

  describe('StartTransaction and StopTransaction (§4.8, §4.10)', () => {
    it('a session: transactionId from the ledger, the shadow shows it, energy from the registers', async () => {
      const h = harness();
      const start = await h.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: T0 });
      expect(start).toEqual({ transactionId: 1, idTagInfo: { status: 'Accepted' } });
      expect(h.session.shadow.connectors['1']).toMatchObject({ transactionId: 1, idTag: 'TAG-1' });
      expect(h.attrs().at(-1)).toMatchObject({ context: 'Transaction.Begin', energy: 1000, transactionId: 1 });
      // A resent StartTransaction (the .conf was lost) gets the same id.
      expect(await h.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: T0 })).toMatchObject({ transactionId: 1 });
      expect(h.store.transactions.size).toBe(1);

      const stop = await h.ok('StopTransaction', { transactionId: 1, meterStop: 8500, timestamp: T1, idTag: 'TAG-1', reason: 'EVDisconnected' });
      expect(stop).toEqual({ idTagInfo: { status: 'Accepted' } });
      expect(h.store.transactions.get(1)).toMatchObject({ status: 'completed', meterStop: 8500, energyWh: 7500, stopReason: 'EVDisconnected', stoppedAt: T1 });
      expect(h.session.shadow.connectors['1']!.transactionId).toBeNull();
      expect(h.attrs().at(-1)).toMatchObject({ context: 'Transaction.End', energy: 8500, transactionId: 1, connectorId: 1 });
    });

    it('a stop without a reason is Local (§7.36); a second stop keeps the first and warns ALREADY_STOPPED', async () => {
      const h = harness();
      await h.ok('StartTransaction', { connectorId: 2, idTag: 'TAG-1', meterStart: 0, timestamp: T0 });
      await h.ok('StopTransaction', { transactionId: 1, meterStop: 100, timestamp: T1 });
      expect(h.store.transactions.get(1)).toMatchObject({ stopReason: 'Local', meterStop: 100 });
      await h.ok('StopTransaction', { transactionId: 1, meterStop: 999, timestamp: T1 });
      expect(h.store.transactions.get(1)).toMatchObject({ meterStop: 100 });
      expect(h.bus.events('transactionWarning')).toEqual([expect.objectContaining({ code: 'ALREADY_STOPPED', transactionId: 1 })]);
    });

    it('a stop for an unknown transaction with none active is rebuilt from the stop (RECONSTRUCTED)', async () => {
      const h = harness();
      await h.ok('StopTransaction', { transactionId: 4711, meterStop: 500, timestamp: T1 });
      expect(h.bus.events('transactionWarning')).toEqual([expect.objectContaining({ code: 'RECONSTRUCTED', chargerTransactionId: 4711 })]);
      expect([...h.store.transactions.values()]).toEqual([expect.objectContaining({ status: 'completed', meterStop: 500 })]);
    });

    it('a new start on a connector with a session still open closes the old one (superseded)', async () => {
      const h = harness();
      await h.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: T0 });
      await h.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 300, timestamp: T1 });
      expect(h.store.transactions.get(1)).toMatchObject({ status: 'completed' });
      expect(h.store.transactions.get(2)).toMatchObject({ status: 'active', meterStart: 300 });
    });
  });
});
