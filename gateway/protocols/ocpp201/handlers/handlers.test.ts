/**
 * The OCPP 2.0.1 handlers (and 2.1's own, on the same table) through dispatch, with builders and
 * the in-memory store: the same device model as 1.6 (shadow in 1.6 terms with the 2.x words
 * beside them, the ledger's transaction ids), validated by the version's schemas. No sockets.
 */
import { describe, expect, it } from 'vitest';
import { aCall, aHandlerHarness } from '../../../testing/builders.ts';
import { handlers201 } from './index.ts';

const T0 = '2026-03-01T08:00:00.000Z';
const T1 = '2026-03-01T08:30:00.000Z';
const T2 = '2026-03-01T09:00:00.000Z';
const token = { idToken: 'TAG-1', type: 'ISO14443' };
const energy = (at: string, wh: number) => [{ timestamp: at, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }];

const harness = (protocol = 'ocpp2.0.1') => aHandlerHarness({ protocol });

describe('OCPP 2.0.1 handlers', () => {
  it('BootNotification (B01): Accepted with the interval; attributes under the registry names', async () => {
    const h = harness();
    const r = await h.ok('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alfen', model: 'Eve', firmwareVersion: '6.1', serialNumber: 'A1' } });
    expect(r).toMatchObject({ status: 'Accepted', interval: expect.any(Number) });
    expect(h.store.devices.get('dev-1')!.attrs).toMatchObject({ vendor: 'Alfen', model: 'Eve', firmwareVersion: '6.1' });
    expect(h.session.shadow).toMatchObject({ registration: 'Accepted', vendor: 'Alfen', firmware: '6.1', serialNumber: 'A1' });
  });

  it('Heartbeat (G02): the server time, and lastSeen in the shadow', async () => {
    const h = harness();
    const r = await h.ok('Heartbeat', {});
    expect(h.session.shadow.lastSeen).toBe(r['currentTime']);
  });

  it.each([
    ['a known token', token, { status: 'Accepted' }],
    ['NoAuthorization (C01: nothing to look up)', { idToken: '', type: 'NoAuthorization' }, { status: 'Accepted' }],
  ])('Authorize (C01): %s', async (_name, idToken, info) => {
    expect(await harness().ok('Authorize', { idToken })).toEqual({ idTokenInfo: info });
  });

  it('StatusNotification (G01): the EVSE is the shadow\'s connector, the 2.0.1 status beside the 1.6 one', async () => {
    const h = harness();
    await h.ok('StatusNotification', { timestamp: T0, connectorStatus: 'Faulted', evseId: 2, connectorId: 1 });
    expect(h.session.shadow.connectors['2']).toMatchObject({ status: 'Faulted', errorCode: 'OtherError', evseId: 2, evseConnectorId: 1, connectorStatus: 'Faulted' });
  });

  it('NotifyEvent (N07, G01): an AvailabilityState change is the connector\'s status', async () => {
    const h = harness();
    await h.ok('NotifyEvent', {
      generatedAt: T0,
      seqNo: 0,
      eventData: [{ eventId: 1, timestamp: T0, trigger: 'Delta', actualValue: 'Unavailable', eventNotificationType: 'HardWiredNotification', component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'AvailabilityState' } }],
    });
    expect(h.session.shadow.connectors['1']).toMatchObject({ status: 'Unavailable', connectorStatus: 'Unavailable' });
  });

  it('NotifyReport (B07, B08): the device model parts stored', async () => {
    const h = harness();
    await h.ok('NotifyReport', {
      requestId: 1,
      generatedAt: T0,
      seqNo: 0,
      reportData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'SecurityProfile' }, variableAttribute: [{ type: 'Actual', value: '1', mutability: 'ReadOnly' }] }],
    });
    expect(h.store.variables.get('dev-1')).toEqual([expect.objectContaining({ component: 'SecurityCtrlr', variable: 'SecurityProfile', value: '1' })]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['FirmwareStatusNotification', { status: 'Installing' }, {}],
    ['LogStatusNotification', { status: 'Uploading' }, {}],
    ['DataTransfer', { vendorId: 'com.example' }, { status: 'UnknownVendorId' }],
    ['SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: T0 }, {}],
    ['GetCertificateStatus', { ocspRequestData: { hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: '01', responderURL: 'http://ocsp.example' } }, { status: 'Failed' }],
    ['SignCertificate', { csr: 'CSR' }, { status: 'Rejected' }],
    ['NotifyEVChargingNeeds', { evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'AC_single_phase' } }, { status: 'Accepted' }],
    ['ReservationStatusUpdate', { reservationId: 1, reservationUpdateStatus: 'Expired' }, {}],
  ])('%s is answered %o', async (action, req, res) => {
    expect(await harness().ok(action, req)).toEqual(res);
  });

  it('FirmwareStatusNotification and LogStatusNotification (L01, N01): where 1.6 keeps them in the shadow', async () => {
    const h = harness();
    await h.ok('FirmwareStatusNotification', { status: 'Installing' });
    await h.ok('LogStatusNotification', { status: 'Uploading' });
    expect(h.session.shadow).toMatchObject({ firmwareStatus: 'Installing', diagnosticsStatus: 'Uploading' });
  });

  it('MeterValues (J01): normalized attrs of the EVSE', async () => {
    const h = harness();
    await h.ok('MeterValues', { evseId: 1, meterValue: [{ timestamp: T0, sampledValue: [{ value: 11000, measurand: 'Power.Active.Import' }, { value: 2.5, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }] }] });
    expect(h.attrs()).toEqual([expect.objectContaining({ timestamp: T0, connectorId: 1, power: 11000, energy: 2500 })]);
  });

  describe('TransactionEvent (E01-E15)', () => {
    const started = { eventType: 'Started', timestamp: T0, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'ST-1', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: token, meterValue: energy(T0, 1000) };
    const updated = { eventType: 'Updated', timestamp: T1, triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: { transactionId: 'ST-1' }, meterValue: energy(T1, 4000) };
    const ended = { eventType: 'Ended', timestamp: T2, triggerReason: 'EVCommunicationLost', seqNo: 2, transactionInfo: { transactionId: 'ST-1', stoppedReason: 'EVDisconnected' }, meterValue: energy(T2, 9000) };

    it('Started, Updated, Ended: one ledger session under our id, the station\'s id beside it, energy from the registers', async () => {
      const h = harness();
      expect(await h.ok('TransactionEvent', started)).toEqual({ idTokenInfo: { status: 'Accepted' } });
      expect(h.store.transactions.get(1)).toMatchObject({ chargerTransactionId: 'ST-1', evseId: 1, meterStart: 1000, status: 'active', idTag: 'TAG-1' });
      expect(h.session.shadow.connectors['1']).toMatchObject({ transactionId: 1, chargerTransactionId: 'ST-1' });
      expect(await h.ok('TransactionEvent', updated)).toEqual({});
      // The running session's Updated events cost no registry round trip.
      h.store.calls.length = 0;
      await h.ok('TransactionEvent', { ...updated, seqNo: 2, timestamp: T1 });
      expect(h.store.calls).toEqual([]);
      await h.ok('TransactionEvent', { ...ended, seqNo: 3 });
      expect(h.store.transactions.get(1)).toMatchObject({ status: 'completed', meterStop: 9000, energyWh: 8000, stopReason: 'EVDisconnected', stoppedAt: T2 });
      expect(h.session.shadow.connectors['1']!.transactionId).toBeNull();
      expect(h.attrs().map((a) => [a['transactionId'], a['energy']])).toEqual([
        [1, 1000],
        [1, 4000],
        [1, 4000],
        [1, 9000],
      ]);
    });

    it('a resent Started finds its session by the station\'s id (retried until answered: part 4 §4.2.1)', async () => {
      const h = harness();
      await h.ok('TransactionEvent', started);
      await h.ok('TransactionEvent', started);
      expect(h.store.transactions.size).toBe(1);
    });

    it('an Updated whose Started never arrived opens the session from what it carries, with a warning', async () => {
      const h = harness();
      await h.ok('TransactionEvent', { ...updated, evse: { id: 1, connectorId: 1 } });
      expect(h.bus.events('transactionWarning')).toEqual([expect.objectContaining({ code: 'STARTED_UNSEEN' })]);
      expect(h.store.transactions.get(1)).toMatchObject({ chargerTransactionId: 'ST-1', status: 'active' });
    });

    it('an Ended for a session already closed keeps the first stop (ALREADY_STOPPED)', async () => {
      const h = harness();
      await h.ok('TransactionEvent', started);
      await h.ok('TransactionEvent', ended);
      await h.ok('TransactionEvent', { ...ended, seqNo: 5, meterValue: energy(T2, 99_999) });
      expect(h.store.transactions.get(1)).toMatchObject({ meterStop: 9000 });
      expect(h.bus.events('transactionWarning')).toEqual([expect.objectContaining({ code: 'ALREADY_STOPPED' })]);
    });
  });

  it('every action of the table is answered by the 2.1 adapter too', async () => {
    const h = harness('ocpp2.1');
    for (const action of Object.keys(handlers201)) expect(h.session.adapter.handler(action), action).toBe(handlers201[action as keyof typeof handlers201]);
    expect(await h.ok('Heartbeat', {})).toMatchObject({ currentTime: expect.any(String) });
  });
});

describe('OCPP 2.1 periodic event streams', () => {
  it('opened, its values become attrs under stream_{id} at basetime + t, closed', async () => {
    const h = harness('ocpp2.1');
    expect(await h.ok('OpenPeriodicEventStream', { constantStreamData: { id: 3, variableMonitoringId: 17, params: { interval: 10 } } })).toEqual({ status: 'Accepted' });
    const r = await h.send({ ...aCall('NotifyPeriodicEventStream', { id: 3, pending: 0, basetime: T0, data: [{ t: 0, v: '230.5' }, { t: 10, v: 'on' }] }) });
    expect(r.ok).toBe(true);
    expect(h.attrs()).toEqual([
      expect.objectContaining({ timestamp: T0, stream_3: 230.5, variableMonitoringId: 17, connectorId: 0 }),
      expect.objectContaining({ timestamp: '2026-03-01T08:00:10.000Z', stream_3: 'on', variableMonitoringId: 17 }),
    ]);
    expect(await h.ok('ClosePeriodicEventStream', { id: 3 })).toEqual({});
  });

  it('is not a 2.0.1 message', async () => {
    const h = harness('ocpp2.0.1');
    expect(await h.send(aCall('OpenPeriodicEventStream', { constantStreamData: { id: 3, variableMonitoringId: 17, params: {} } }))).toMatchObject({ ok: false, code: 'NotImplemented' });
  });
});
