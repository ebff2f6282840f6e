/**
 * The simulated 2.0.1 and 2.1 stations against an independent implementation: ocpp-rpc's
 * RPCServer in strict mode (test-csms.ts), which validates every message a station sends and
 * every answer it gives against the official schemas and refuses what does not pass. Each test
 * drives one station (its own identity) through a use case and checks the answers and the
 * follow-up messages; none may leave a strict-mode failure or a CALLERROR behind.
 *
 * The 2.1 SEND (NotifyPeriodicEventStream, OCPP-J 2.1 message type 6) is not known to ocpp-rpc
 * 2.2.1, which answers it with a CALLERROR MessageTypeNotSupported: against it the station must
 * fall back to CALLs only (OCPP-J part 4 §4.4). Its frames are checked against a plain `ws`
 * server that knows SEND (the last describe).
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { newStats } from '../charger.ts';
import { SimStation, type StationOptions } from './station.ts';
import { startCsms, strictValidator21, type Received, type TestCsms } from './test-csms.ts';
import type { Protocol201, TransactionEventRequest } from './types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEND_REFUSED = /Unrecognised message type/;

describe.concurrent.each(['ocpp2.0.1', 'ocpp2.1'] as const)('%s station against a strict CSMS', (protocol: Protocol201) => {
  let csms: TestCsms;
  const stations: SimStation[] = [];
  let n = 0;

  beforeAll(async () => {
    csms = await startCsms(protocol);
    csms.boot = (identity, count) => (identity.includes('PENDING') && count === 1 ? { status: 'Pending', interval: 1 } : { status: 'Accepted', interval: identity.includes('PENDING') ? 1 : 300 });
  });
  afterAll(async () => {
    await Promise.all(stations.map((s) => s.stop()));
    await csms?.close();
  });

  /** A station of its own, booted (or at least started). */
  async function station(tag: string, o: Partial<StationOptions> = {}): Promise<SimStation> {
    const s = new SimStation({ url: csms.url, identity: `${protocol.replace(/\W/g, '')}-${tag}-${n++}`, profile: 'dc', protocol, intervalS: 0.2, sessionS: [Infinity, Infinity], idleS: [3600, 3600], restartSessions: false, stats: newStats(), ...o });
    stations.push(s);
    await s.start();
    return s;
  }
  const txEvents = (s: SimStation) => csms.of(s.identity, 'TransactionEvent').map((m) => m.params as TransactionEventRequest);
  const statuses = (s: SimStation) => csms.of(s.identity, 'StatusNotification').map((m) => `${m.params.evseId}/${m.params.connectorId}:${m.params.connectorStatus}`);
  const waitFor = (s: SimStation, method: string, pred: (p: any) => boolean = () => true, what = method, since = 0) => csms.waitFor((m) => m.identity === s.identity && m.method === method && m.at >= since && pred(m.params), 5000, `${s.identity} ${what}`);
  /** Nothing refused by strict mode, no CALLERROR at the station (2.1: but the expected refusal of SEND). */
  function clean(s: SimStation) {
    expect(csms.failures.filter((f) => f.identity === s.identity && !(protocol === 'ocpp2.1' && SEND_REFUSED.test(f.error)))).toEqual([]);
    expect(s.o.stats.callErrors, s.o.stats.lastError ?? '').toBe(0);
  }
  function oneTransaction(events: TransactionEventRequest[]) {
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    expect(events[0]!.eventType).toBe('Started');
    expect(events.slice(1, -1).every((e) => e.eventType === 'Updated')).toBe(true);
    expect(events.at(-1)!.eventType).toBe('Ended');
  }

  describe('use cases', () => {
    it('B01-B03: BootNotification PowerUp, retried after the interval while Pending; then every connector, and heartbeats', async () => {
      const s = await station('PENDING');
      const accepted = await waitFor(s, 'StatusNotification', (p) => p.evseId === 2);
      const boots = csms.of(s.identity, 'BootNotification');
      expect(boots).toHaveLength(2);
      expect(boots[1]!.at - boots[0]!.at).toBeGreaterThanOrEqual(900);
      for (const b of boots) expect(b.params).toEqual({ reason: 'PowerUp', chargingStation: { model: 'Terra 54 (simulated)', vendorName: 'ABB', serialNumber: `SIM-${s.identity}`.slice(0, 25), firmwareVersion: expect.any(String) } });
      // Nothing but the boot while Pending (B02).
      expect(csms.of(s.identity).filter((m) => m.at < boots[1]!.at).map((m) => m.method)).toEqual(['BootNotification']);
      expect(statuses(s)).toEqual(['1/1:Available', '2/1:Available']);
      expect(Date.parse(accepted.params.timestamp)).toBeGreaterThan(0);
      await waitFor(s, 'Heartbeat');
      clean(s);
    });

    it('E01-E07: a local session on the AC wallbox: Authorize, Started, Updated every interval with the wallbox values (kW and kWh as multiplier 3), Ended Local with the register', async () => {
      const s = await station('AC', { profile: 'ac', idleS: [0.05, 0.05], sessionS: [1.2, 1.2] });
      const end = await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Ended');
      await waitFor(s, 'StatusNotification', (p) => p.connectorStatus === 'Available', 'Available after the session', end.at);
      const events = txEvents(s);
      oneTransaction(events);
      const [started, ended] = [events[0]!, events.at(-1)!];
      const methods = csms.of(s.identity).map((m) => m.method);
      expect(methods.indexOf('Authorize')).toBeLessThan(methods.indexOf('TransactionEvent'));
      expect(statuses(s)).toEqual(['1/1:Available', '1/1:Occupied', '1/1:Available']);
      expect(started).toMatchObject({ triggerReason: 'Authorized', transactionInfo: { chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { type: 'ISO14443' } });
      expect(started.idToken!.idToken).toMatch(/^[0-9A-F]{14}$/);
      expect(started.meterValue![0]!.sampledValue).toEqual([{ value: expect.any(Number), measurand: 'Energy.Active.Import.Register', context: 'Transaction.Begin', location: 'Outlet', unitOfMeasure: { unit: 'Wh', multiplier: 3 } }]);
      const updated = events.slice(1, -1);
      expect(updated.length).toBeGreaterThanOrEqual(3);
      for (const u of updated) {
        expect(u.triggerReason).toBe('MeterValuePeriodic');
        const v = u.meterValue![0]!.sampledValue;
        expect(v.map((x) => `${x.measurand}${x.phase ? `/${x.phase}` : ''}`)).toEqual(['Current.Import/L1', 'Voltage/L1-N', 'Current.Import/L2', 'Voltage/L2-N', 'Current.Import/L3', 'Voltage/L3-N', 'Power.Active.Import', 'Energy.Active.Import.Register']);
        expect(v.every((x) => typeof x.value === 'number' && x.context === 'Sample.Periodic' && x.location === 'Outlet')).toBe(true);
        expect(v.find((x) => x.measurand === 'Power.Active.Import')!.unitOfMeasure).toEqual({ unit: 'W', multiplier: 3 });
        expect(v.find((x) => x.measurand === 'Power.Active.Import')!.value).toBeGreaterThan(5);
      }
      // Updated every interval (0.2 s): on the meter's clock, so one late sample is followed by
      // one sooner; on average not faster than the interval, give or take the scheduler.
      const times = updated.map((u) => Date.parse(u.timestamp));
      expect((times.at(-1)! - times[0]!) / (times.length - 1)).toBeGreaterThanOrEqual(150);
      expect(ended).toMatchObject({ triggerReason: 'StopAuthorized', transactionInfo: { stoppedReason: 'Local', chargingState: 'EVConnected' } });
      const register = ended.meterValue![0]!.sampledValue[0]!;
      expect(register).toMatchObject({ measurand: 'Energy.Active.Import.Register', context: 'Transaction.End', unitOfMeasure: { unit: 'Wh', multiplier: 3 } });
      expect(register.value).toBeGreaterThan(started.meterValue![0]!.sampledValue[0]!.value);
      expect(s.o.stats.meterValues).toBe(updated.length);
      clean(s);
    });

    it('F01-F06, G03, F05: RequestStartTransaction on EVSE 2 of the DC charger, commands during the session, RequestStopTransaction', async () => {
      const s = await station('REMOTE');
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 2);
      expect(await csms.call(s.identity, 'RequestStartTransaction', { evseId: 2, remoteStartId: 42, idToken: { idToken: 'REMOTE-1', type: 'Central' } })).toEqual({ status: 'Accepted' });
      // Busy now: a second start on the same EVSE is Rejected.
      expect(await csms.call(s.identity, 'RequestStartTransaction', { evseId: 2, remoteStartId: 43, idToken: { idToken: 'REMOTE-2', type: 'Central' } })).toEqual({ status: 'Rejected' });
      const started = (await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Started')).params as TransactionEventRequest;
      expect(started).toMatchObject({ triggerReason: 'RemoteStart', seqNo: 0, transactionInfo: { remoteStartId: 42, chargingState: 'Charging' }, evse: { id: 2, connectorId: 1 }, idToken: { idToken: 'REMOTE-1', type: 'Central' } });
      expect(csms.of(s.identity, 'Authorize')).toEqual([]); // AuthCtrlr.AuthorizeRemoteStart false
      const txId = started.transactionInfo.transactionId;
      const updated = (await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Updated')).params as TransactionEventRequest;
      const dc = updated.meterValue![0]!.sampledValue;
      // The 1.6 profile's eight but Temperature, which 2.0.1 has as a device model variable.
      expect(dc.map((x) => x.measurand)).toEqual(['Power.Active.Import', 'Current.Import', 'Voltage', 'SoC', 'Energy.Active.Import.Register', 'Power.Offered', 'Current.Offered']);
      expect(dc.find((x) => x.measurand === 'SoC')).toMatchObject({ location: 'EV', unitOfMeasure: { unit: 'Percent' } });
      const temperature = await csms.call(s.identity, 'GetVariables', { getVariableData: [{ component: { name: 'AcDcConverter', evse: { id: 2 } }, variable: { name: 'Temperature' } }] });
      expect(Number(temperature.getVariableResult[0].attributeValue)).toBeGreaterThan(20);
      expect(dc.find((x) => x.measurand === 'Energy.Active.Import.Register')!.unitOfMeasure).toEqual({ unit: 'Wh' });

      expect(await csms.call(s.identity, 'UnlockConnector', { evseId: 2, connectorId: 1 })).toEqual({ status: 'OngoingAuthorizedTransaction' });
      expect(await csms.call(s.identity, 'UnlockConnector', { evseId: 1, connectorId: 1 })).toEqual({ status: 'Unlocked' });
      expect(await csms.call(s.identity, 'UnlockConnector', { evseId: 3, connectorId: 1 })).toEqual({ status: 'UnknownConnector' });

      expect(await csms.call(s.identity, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Unavailable');
      const operative = Date.now();
      expect(await csms.call(s.identity, 'ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1, connectorId: 1 } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Available', 'EVSE 1 Available again', operative);
      // Inoperative under a transaction: Scheduled, applied when it ends.
      expect(await csms.call(s.identity, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toEqual({ status: 'Scheduled' });
      expect(await csms.call(s.identity, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 9 } })).toEqual({ status: 'Rejected' });

      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'Heartbeat');
      const triggered = Date.now();
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
      const mv = await waitFor(s, 'MeterValues');
      expect(mv.params.evseId).toBe(2);
      expect(mv.params.meterValue[0].sampledValue.every((x: { context: string }) => x.context === 'Trigger')).toBe(true);
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'TransactionEvent', (p) => p.triggerReason === 'Trigger' && p.meterValue[0].sampledValue[0].context === 'Trigger');
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Available', 'the triggered StatusNotification', triggered);
      // TC_F_26_CS: no new BootNotification once accepted.
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'BootNotification' })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' })).toEqual({ status: 'NotImplemented' });

      expect(await csms.call(s.identity, 'GetTransactionStatus', { transactionId: txId })).toMatchObject({ ongoingIndicator: true, messagesInQueue: expect.any(Boolean) });
      expect(await csms.call(s.identity, 'RequestStopTransaction', { transactionId: 'no-such-transaction' })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'RequestStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
      const ended = (await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Ended')).params as TransactionEventRequest;
      expect(ended).toMatchObject({ triggerReason: 'RemoteStop', transactionInfo: { transactionId: txId, stoppedReason: 'Remote' } });
      expect(ended.meterValue![0]!.sampledValue[0]).toMatchObject({ measurand: 'Energy.Active.Import.Register', context: 'Transaction.End', unitOfMeasure: { unit: 'Wh' } });
      oneTransaction(txEvents(s));
      // The scheduled availability change, now.
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Unavailable');
      expect(await csms.call(s.identity, 'GetTransactionStatus', { transactionId: txId })).toEqual({ ongoingIndicator: false, messagesInQueue: false });
      clean(s);
    });

    it('B05-B08: GetVariables / SetVariables per variable, GetBaseReport and GetReport as NotifyReport messages', async () => {
      const s = await station('DM');
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 2);
      const get = await csms.call(s.identity, 'GetVariables', {
        getVariableData: [
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
          { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeType: 'Actual' },
          { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } },
          { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' } },
          { component: { name: 'AuthCtrlr' }, variable: { name: 'NoSuchVariable' } },
          { component: { name: 'AuthCtrlr' }, variable: { name: 'AuthorizeRemoteStart' }, attributeType: 'Target' },
          { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
        ],
      });
      expect(get.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [r.attributeStatus, r.attributeValue])).toEqual([
        ['Accepted', '300'],
        ['Accepted', '0.2'],
        ['Accepted', 'Available'],
        ['UnknownComponent', undefined],
        ['UnknownVariable', undefined],
        ['NotSupportedAttributeType', undefined],
        ['Rejected', undefined],
      ]);
      const set = await csms.call(s.identity, 'SetVariables', {
        setVariableData: [
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '1' },
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: 'abc' },
          { component: { name: 'SecurityCtrlr' }, variable: { name: 'SecurityProfile' }, attributeValue: '3' },
          { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'true' },
          { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' }, attributeValue: 'Energy.Active.Import.Register,Power.Active.Import' },
          { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' }, attributeValue: 'Frequency' },
        ],
      });
      expect(set.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus)).toEqual(['Accepted', 'Rejected', 'Rejected', 'UnknownComponent', 'Accepted', 'Rejected']);
      // HeartbeatInterval applies at once.
      const t = Date.now();
      await waitFor(s, 'Heartbeat', undefined, 'a Heartbeat after HeartbeatInterval 1', t);

      expect(await csms.call(s.identity, 'GetBaseReport', { requestId: 7, reportBase: 'FullInventory' })).toEqual({ status: 'Accepted' });
      const last = await waitFor(s, 'NotifyReport', (p) => p.requestId === 7 && !p.tbc, 'the last NotifyReport');
      const reports = csms.of(s.identity, 'NotifyReport').filter((m) => m.params.requestId === 7).map((m) => m.params);
      expect(reports.length).toBeGreaterThan(1);
      expect(reports.map((r) => r.seqNo)).toEqual(reports.map((_, i) => i));
      expect(reports.map((r) => r.tbc)).toEqual(reports.map((_, i) => i < reports.length - 1));
      expect(last.params.generatedAt).toEqual(expect.any(String));
      const all = reports.flatMap((r) => r.reportData) as Array<{ component: { name: string }; variable: { name: string }; variableAttribute: Array<{ value?: string; mutability: string }> }>;
      const find = (c: string, v: string) => all.find((d) => d.component.name === c && d.variable.name === v);
      expect(find('OCPPCommCtrlr', 'HeartbeatInterval')!.variableAttribute[0]).toMatchObject({ value: '1', mutability: 'ReadWrite' });
      expect(find('SampledDataCtrlr', 'TxUpdatedMeasurands')!.variableAttribute[0]!.value).toBe('Energy.Active.Import.Register,Power.Active.Import');
      expect(find('SecurityCtrlr', 'BasicAuthPassword')!.variableAttribute[0]).toEqual({ type: 'Actual', mutability: 'WriteOnly', persistent: true, constant: false });
      expect(all.filter((d) => d.component.name === 'EVSE' && d.variable.name === 'AvailabilityState')).toHaveLength(2);

      expect(await csms.call(s.identity, 'GetBaseReport', { requestId: 8, reportBase: 'ConfigurationInventory' })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'NotifyReport', (p) => p.requestId === 8 && !p.tbc);
      const config = csms.of(s.identity, 'NotifyReport').filter((m) => m.params.requestId === 8).flatMap((m) => m.params.reportData);
      expect(config.every((d: { variableAttribute: Array<{ mutability: string }> }) => d.variableAttribute[0]!.mutability !== 'ReadOnly')).toBe(true);

      expect(await csms.call(s.identity, 'GetReport', { requestId: 9, componentVariable: [{ component: { name: 'EVSE', evse: { id: 1 } } }, { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] })).toEqual({ status: 'Accepted' });
      const r9 = await waitFor(s, 'NotifyReport', (p) => p.requestId === 9);
      expect(r9.params.reportData.map((d: { component: { name: string; evse?: { id: number } }; variable: { name: string } }) => `${d.component.name}${d.component.evse ? `[${d.component.evse.id}]` : ''}.${d.variable.name}`)).toEqual(['EVSE[1].AvailabilityState', 'EVSE[1].Available', 'EVSE[1].Problem', 'EVSE[1].Power', 'EVSE[1].SupplyPhases', 'OCPPCommCtrlr.HeartbeatInterval']);
      expect(await csms.call(s.identity, 'GetReport', { requestId: 10, componentVariable: [{ component: { name: 'NoSuchCtrlr' } }] })).toEqual({ status: 'EmptyResultSet' });
      clean(s);
    });

    it('B11 / B12: Reset Immediate ends the session (ImmediateReset) and boots again (RemoteReset); OnIdle under a session is Scheduled until it ends (ScheduledReset)', async () => {
      const s = await station('RESET');
      await waitFor(s, 'StatusNotification', (p) => p.evseId === 2);
      // A quick "reboot": the reconnect back-off of part 4 §5.3, as TC_B_57_CS sets it.
      const backOff = await csms.call(s.identity, 'SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'RetryBackOffWaitMinimum' }, attributeValue: '0' }, { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'RetryBackOffRandomRange' }, attributeValue: '0' }] });
      expect(backOff.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus)).toEqual(['Accepted', 'Accepted']);
      await csms.call(s.identity, 'RequestStartTransaction', { evseId: 1, remoteStartId: 1, idToken: { idToken: 'R1', type: 'Central' } });
      await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Updated');
      expect(await csms.call(s.identity, 'Reset', { type: 'OnIdle', evseId: 1 })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
      const ended = await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Ended');
      expect(ended.params).toMatchObject({ triggerReason: 'ResetCommand', transactionInfo: { stoppedReason: 'ImmediateReset', chargingState: 'EVConnected' } });
      expect(ended.params.idToken).toBeUndefined();
      const reboot = await waitFor(s, 'BootNotification', (p) => p.reason === 'RemoteReset');
      await waitFor(s, 'SecurityEventNotification', (p) => p.type === 'ResetOrReboot');
      const after = csms.of(s.identity, 'StatusNotification').filter((m) => m.at >= reboot.at).map((m) => `${m.params.evseId}:${m.params.connectorStatus}`);
      expect(after).toEqual(['1:Available', '2:Available']);

      await csms.call(s.identity, 'RequestStartTransaction', { evseId: 2, remoteStartId: 2, idToken: { idToken: 'R2', type: 'Central' } });
      const second = (await waitFor(s, 'TransactionEvent', (p) => p.eventType === 'Started' && p.transactionInfo.remoteStartId === 2)).params.transactionInfo.transactionId;
      expect(await csms.call(s.identity, 'Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
      // No new session while the reset waits.
      expect(await csms.call(s.identity, 'RequestStartTransaction', { evseId: 1, remoteStartId: 3, idToken: { idToken: 'R3', type: 'Central' } })).toEqual({ status: 'Rejected' });
      await sleep(300);
      expect(csms.of(s.identity, 'BootNotification')).toHaveLength(2);
      await csms.call(s.identity, 'RequestStopTransaction', { transactionId: second });
      await waitFor(s, 'BootNotification', (p) => p.reason === 'ScheduledReset');
      clean(s);
    });

    it('H01 H02, K01 K08 K10, D01, L01, N01, and the rest: each answered per its schema, with its follow-up messages', async () => {
      const s = await station('MISC', { profile: 'ac' });
      await waitFor(s, 'StatusNotification');
      const expiry = new Date(Date.now() + 3_600_000).toISOString();
      expect(await csms.call(s.identity, 'ReserveNow', { id: 5, evseId: 1, expiryDateTime: expiry, idToken: { idToken: 'RES', type: 'Central' } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'StatusNotification', (p) => p.connectorStatus === 'Reserved');
      expect(await csms.call(s.identity, 'ReserveNow', { id: 6, evseId: 1, expiryDateTime: expiry, idToken: { idToken: 'OTHER', type: 'Central' } })).toEqual({ status: 'Occupied' });
      expect(await csms.call(s.identity, 'RequestStartTransaction', { evseId: 1, remoteStartId: 9, idToken: { idToken: 'OTHER', type: 'Central' } })).toEqual({ status: 'Rejected' });
      const cancelled = Date.now();
      expect(await csms.call(s.identity, 'CancelReservation', { reservationId: 5 })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'StatusNotification', (p) => p.connectorStatus === 'Available', 'Available after the reservation', cancelled);
      expect(await csms.call(s.identity, 'CancelReservation', { reservationId: 5 })).toEqual({ status: 'Rejected' });
      // A reservation that expires.
      expect(await csms.call(s.identity, 'ReserveNow', { id: 7, expiryDateTime: new Date(Date.now() + 300).toISOString(), idToken: { idToken: 'RES', type: 'Central' } })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'ReservationStatusUpdate', (p) => p.reservationId === 7 && p.reservationUpdateStatus === 'Expired');

      const profile = { id: 11, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] }] };
      expect(await csms.call(s.identity, 'SetChargingProfile', { evseId: 1, chargingProfile: profile })).toEqual({ status: 'Accepted' });
      expect(await csms.call(s.identity, 'SetChargingProfile', { evseId: 0, chargingProfile: { ...profile, id: 12, chargingProfilePurpose: 'TxProfile' } })).toEqual({ status: 'Rejected' });
      const composite = await csms.call(s.identity, 'GetCompositeSchedule', { evseId: 1, duration: 3600, chargingRateUnit: 'W' });
      expect(composite).toMatchObject({ status: 'Accepted', schedule: { evseId: 1, duration: 3600, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }] } });
      expect(await csms.call(s.identity, 'GetChargingProfiles', { requestId: 3, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } })).toEqual({ status: 'Accepted' });
      const report = await waitFor(s, 'ReportChargingProfiles');
      expect(report.params).toMatchObject({ requestId: 3, evseId: 1, tbc: false, chargingProfile: [{ id: 11 }] });
      expect(await csms.call(s.identity, 'ClearChargingProfile', { chargingProfileId: 11 })).toEqual({ status: 'Accepted' });
      expect(await csms.call(s.identity, 'ClearChargingProfile', { chargingProfileId: 11 })).toEqual({ status: 'Unknown' });
      expect(await csms.call(s.identity, 'GetChargingProfiles', { requestId: 4, chargingProfile: {} })).toEqual({ status: 'NoProfiles' });

      expect(await csms.call(s.identity, 'GetLocalListVersion', {})).toEqual({ versionNumber: 0 });
      expect(await csms.call(s.identity, 'SendLocalList', { versionNumber: 2, updateType: 'Full', localAuthorizationList: [{ idToken: { idToken: 'A', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] })).toEqual({ status: 'Accepted' });
      expect(await csms.call(s.identity, 'SendLocalList', { versionNumber: 2, updateType: 'Differential' })).toEqual({ status: 'VersionMismatch' });
      expect(await csms.call(s.identity, 'GetLocalListVersion', {})).toEqual({ versionNumber: 2 });
      expect(await csms.call(s.identity, 'ClearCache', {})).toEqual({ status: 'Accepted' });
      expect(await csms.call(s.identity, 'GetTransactionStatus', {})).toEqual({ messagesInQueue: false });
      expect(await csms.call(s.identity, 'DataTransfer', { vendorId: 'nobody' })).toEqual({ status: 'UnknownVendorId' });

      expect(await csms.call(s.identity, 'UpdateFirmware', { requestId: 21, firmware: { location: 'https://example.com/fw.bin', retrieveDateTime: new Date().toISOString() } })).toEqual({ status: 'Accepted' });
      expect(await csms.call(s.identity, 'GetLog', { requestId: 22, logType: 'DiagnosticsLog', log: { remoteLocation: 'https://example.com/upload' } })).toMatchObject({ status: 'Accepted', filename: expect.any(String) });
      await waitFor(s, 'FirmwareStatusNotification', (p) => p.status === 'Installed');
      await waitFor(s, 'LogStatusNotification', (p) => p.status === 'Uploaded');
      expect(csms.of(s.identity, 'FirmwareStatusNotification').map((m) => `${m.params.status}/${m.params.requestId}`)).toEqual(['Downloading/21', 'Downloaded/21', 'Installing/21', 'Installed/21']);
      expect(csms.of(s.identity, 'LogStatusNotification').map((m) => `${m.params.status}/${m.params.requestId}`)).toEqual(['Uploading/22', 'Uploaded/22']);
      expect(await csms.call(s.identity, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
      await waitFor(s, 'FirmwareStatusNotification', (p) => p.status === 'Idle');

      // What the simulator does not implement: a valid "not here" answer, strict mode checks it.
      expect(await csms.call(s.identity, 'SetDisplayMessage', { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'hi' } } })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'ClearVariableMonitoring', { id: [1, 2] })).toEqual({ clearMonitoringResult: [{ id: 1, status: 'NotFound' }, { id: 2, status: 'NotFound' }] });
      expect(await csms.call(s.identity, 'SetVariableMonitoring', { setMonitoringData: [{ value: 1, type: 'Delta', severity: 5, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] })).toMatchObject({ setMonitoringResult: [{ status: 'UnsupportedMonitorType' }] });
      expect(await csms.call(s.identity, 'CustomerInformation', { requestId: 1, report: true, clear: false })).toEqual({ status: 'Rejected' });
      expect(await csms.call(s.identity, 'GetInstalledCertificateIds', {})).toEqual({ status: 'NotFound' });
      if (protocol === 'ocpp2.1') {
        expect(await csms.call(s.identity, 'GetTariffs', { evseId: 1 })).toEqual({ status: 'NoTariff' });
        expect(await csms.call(s.identity, 'ClearTariffs', {})).toEqual({ clearTariffsResult: [{ status: 'NoTariff' }] });
        expect(await csms.call(s.identity, 'GetPeriodicEventStream', {})).toEqual({});
        expect(await csms.call(s.identity, 'Reset', { type: 'OnIdle', evseId: 1 })).toEqual({ status: 'Rejected' });
      }
      clean(s);
    });
  });
});

describe.concurrent('ocpp2.1: the NotifyPeriodicEventStream SEND', () => {
  it('against ocpp-rpc (which does not know message type 6 and answers MessageTypeNotSupported): one SEND, then CALLs only (part 4 §4.4)', async () => {
    const csms = await startCsms('ocpp2.1');
    const s = new SimStation({ url: csms.url, identity: 'SEND-FALLBACK', profile: 'ac', protocol: 'ocpp2.1', intervalS: 0.2, sessionS: [Infinity, Infinity], idleS: [3600, 3600], restartSessions: false, stats: newStats() });
    try {
      await s.start();
      await csms.waitFor((m) => m.method === 'StatusNotification');
      await csms.call(s.identity, 'RequestStartTransaction', { remoteStartId: 1, idToken: { idToken: 'S', type: 'Central' } });
      await csms.waitFor((m) => m.method === 'OpenPeriodicEventStream');
      const updates = () => csms.received.filter((m) => m.method === 'TransactionEvent' && m.params.eventType === 'Updated').length;
      for (const deadline = Date.now() + 5000; updates() < 5 && Date.now() < deadline; ) await sleep(50);
      const sends = csms.frames.filter((f) => f.text.startsWith('[6,'));
      expect(sends).toHaveLength(1);
      expect(csms.failures.map((f) => f.error)).toEqual([expect.stringMatching(SEND_REFUSED)]);
      expect(updates()).toBeGreaterThanOrEqual(5);
      expect(s.o.stats.callErrors).toBe(0);
    } finally {
      await s.stop();
      await csms.close();
    }
  });

  it('against a CSMS that knows SEND: a frame [6, id, "NotifyPeriodicEventStream", payload] every interval, valid per the 2.1 schema, never answered, closed with the session', async () => {
    const validator = strictValidator21();
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('ocpp2.1') ? 'ocpp2.1' : false) });
    await once(wss, 'listening');
    const calls: Received[] = [];
    const sends: Array<{ frame: unknown[]; at: number }> = [];
    const problems: string[] = [];
    const pending = new Map<string, (r: any) => void>();
    let peer: WebSocket | undefined;
    const answers: Record<string, (p: any) => unknown> = {
      BootNotification: () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }),
      StatusNotification: () => ({}),
      TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {}),
      OpenPeriodicEventStream: () => ({ status: 'Accepted' }),
      ClosePeriodicEventStream: () => ({}),
    };
    const check = (schema: string, payload: unknown) => {
      try {
        validator.validate(schema, payload);
      } catch (err) {
        problems.push(`${schema}: ${(err as Error).message}`);
      }
    };
    wss.on('connection', (ws) => {
      peer = ws;
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as unknown[];
        const [type, id, action, payload] = frame as [number, string, string, any];
        if (type === 6) {
          sends.push({ frame, at: Date.now() });
          check(`urn:${action}.req`, payload);
        } else if (type === 2) {
          calls.push({ identity: 'SEND', method: action, params: payload, at: Date.now() });
          check(`urn:${action}.req`, payload);
          ws.send(JSON.stringify([3, id, answers[action]?.(payload) ?? {}]));
        } else if (type === 3) pending.get(id)?.(action);
        else problems.push(`unexpected frame ${String(data)}`);
      });
    });
    const command = (action: string, payload: unknown) =>
      new Promise<any>((resolve) => {
        const id = `csms-${Math.random()}`;
        pending.set(id, (r) => {
          check(`urn:${action}.conf`, r);
          resolve(r);
        });
        peer!.send(JSON.stringify([2, id, action, payload]));
      });
    const until = async (pred: () => boolean, what: string) => {
      for (const deadline = Date.now() + 5000; !pred(); ) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(20);
      }
    };
    const s = new SimStation({ url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, identity: 'SEND-OK', profile: 'dc', protocol: 'ocpp2.1', intervalS: 0.2, sessionS: [Infinity, Infinity], idleS: [3600, 3600], restartSessions: false, stats: newStats() });
    try {
      await s.start();
      await until(() => calls.filter((c) => c.method === 'StatusNotification').length === 2, 'statuses');
      expect(await command('RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'S', type: 'Central' } })).toEqual({ status: 'Accepted' });
      await until(() => sends.length >= 4, 'four SENDs');
      const open = calls.find((c) => c.method === 'OpenPeriodicEventStream')!.params;
      expect(open.constantStreamData).toMatchObject({ variableMonitoringId: expect.any(Number), params: { values: 1 } });
      const ids = new Set<string>();
      for (const { frame } of sends) {
        expect(frame).toHaveLength(4);
        expect(frame[0]).toBe(6);
        expect(frame[2]).toBe('NotifyPeriodicEventStream');
        ids.add(frame[1] as string);
        const p = frame[3] as { id: number; pending: number; basetime: string; data: Array<{ t: number; v: string }> };
        expect(p.id).toBe(open.constantStreamData.id);
        expect(p.pending).toBe(0);
        expect(Number(p.data[0]!.v)).toBeGreaterThan(1000);
      }
      expect(ids.size).toBe(sends.length);
      // Every interval, beside the Updated CALLs that go on (a SEND holds nothing up).
      const at = sends.map((x) => Date.parse((x.frame[3] as { basetime: string }).basetime));
      expect((at.at(-1)! - at[0]!) / (at.length - 1)).toBeGreaterThanOrEqual(150);
      expect(calls.filter((c) => c.method === 'TransactionEvent' && c.params.eventType === 'Updated').length).toBeGreaterThanOrEqual(3);
      // Every CALL answered (one may be on the wire at any instant: the next interval's Updated).
      await until(() => s.o.stats.calls === s.o.stats.callsAnswered, 'every CALL answered');

      const txId = calls.find((c) => c.method === 'TransactionEvent')!.params.transactionInfo.transactionId;
      expect(await command('RequestStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
      await until(() => calls.some((c) => c.method === 'ClosePeriodicEventStream'), 'ClosePeriodicEventStream');
      expect(calls.find((c) => c.method === 'ClosePeriodicEventStream')!.params).toEqual({ id: open.constantStreamData.id });
      const count = sends.length;
      await sleep(500);
      expect(sends.length).toBe(count);
      expect(s.o.stats.sends).toBe(count);
      expect(problems).toEqual([]);
      expect(s.o.stats.callErrors).toBe(0);
    } finally {
      await s.stop();
      await new Promise((r) => wss.close(r));
    }
  });
});
