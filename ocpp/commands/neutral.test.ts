/** Version-neutral commands: one payload in, the request of the charger's version out, checked by that version's schema. */
import { describe, expect, it } from 'vitest';
import { OCPP16 } from '../validate.ts';
import { OCPP201 } from '../ocpp201/schemas.ts';
import { translate, type KnownConnectors, type NeutralAction } from './neutral.ts';
import { settingFor } from './settings.ts';

// A 2.x charger's shadow (gateway/shadow.ts) while EVSE 1 charges through its connector 2: our
// transaction 17, the station's own id TX-1.
const shadow: KnownConnectors = { connectors: { '1': { transactionId: 17, chargerTransactionId: 'TX-1', evseConnectorId: 2 } } };

const CASES: Array<[NeutralAction, Record<string, unknown>, string, Record<string, unknown>, string, Record<string, unknown>]> = [
  ['reset', { hard: true }, 'Reset', { type: 'Hard' }, 'Reset', { type: 'Immediate' }],
  ['reset', {}, 'Reset', { type: 'Soft' }, 'Reset', { type: 'OnIdle' }],
  ['remoteStop', { transactionId: 17 }, 'RemoteStopTransaction', { transactionId: 17 }, 'RequestStopTransaction', { transactionId: 'TX-1' }],
  ['unlock', { connectorId: 1 }, 'UnlockConnector', { connectorId: 1 }, 'UnlockConnector', { evseId: 1, connectorId: 2 }],
  ['setAvailability', { available: false, connectorId: 1 }, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' }, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }],
  ['setAvailability', { available: true }, 'ChangeAvailability', { connectorId: 0, type: 'Operative' }, 'ChangeAvailability', { operationalStatus: 'Operative' }],
  ['getSetting', { key: 'HeartbeatInterval' }, 'GetConfiguration', { key: ['HeartbeatInterval'] }, 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }],
  ['setSetting', { key: 'MeterValueSampleInterval', value: '30' }, 'ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }, 'SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' }] }],
];

describe('neutral commands', () => {
  it.each(CASES)('%s %j', (action, payload, a16, p16, a2, p2) => {
    const v16 = translate(action, payload, '1.6', shadow);
    const v2 = translate(action, payload, '2.x', shadow);
    if (!v16.ok || !v2.ok) throw new Error('not translated');
    expect([v16.value.action, v16.value.payload]).toEqual([a16, p16]);
    expect([v2.value.action, v2.value.payload]).toEqual([a2, p2]);
    expect(OCPP16.validateRequest(a16, p16)).toEqual({ ok: true });
    expect(OCPP201.validateRequest(a2, p2)).toEqual({ ok: true });
  });

  it('remoteStart carries a remoteStartId on 2.x and reports it', () => {
    const t = translate('remoteStart', { idTag: 'NOA', connectorId: 1 }, '2.x', shadow);
    if (!t.ok) throw new Error('not translated');
    const id = (t.value.payload as { remoteStartId: number }).remoteStartId;
    expect(t.value.payload).toEqual({ idToken: { idToken: 'NOA', type: 'Central' }, remoteStartId: id, evseId: 1 });
    expect(OCPP201.validateRequest(t.value.action, t.value.payload)).toEqual({ ok: true });
    expect(t.value.reply({ status: 'Accepted' })).toEqual({ status: 'Accepted', remoteStartId: id });
  });

  it('answers come back in one shape', () => {
    const g16 = translate('getSetting', { key: 'heartbeatinterval' }, '1.6', null);
    const g2 = translate('getSetting', { key: 'HeartbeatInterval' }, '2.x', null);
    if (!g16.ok || !g2.ok) throw new Error('not translated');
    expect(g16.value.reply({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }] })).toEqual({ key: 'heartbeatinterval', status: 'Accepted', value: '60', readonly: false });
    expect(g16.value.reply({ configurationKey: [], unknownKey: ['heartbeatinterval'] })).toEqual({ key: 'heartbeatinterval', status: 'UnknownVariable', value: null });
    expect(g2.value.reply({ getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '60', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] })).toEqual({ key: 'HeartbeatInterval', status: 'Accepted', value: '60', component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' });
  });

  it('bad payloads name the field; what cannot be translated says why', () => {
    expect(translate('reset', { hard: 'yes' }, '1.6', null)).toMatchObject({ ok: false, field: 'payload.hard' });
    expect(translate('reset', { evseId: 1 }, '1.6', null)).toMatchObject({ ok: false, field: 'payload.evseId' });
    expect(translate('remoteStop', { transactionId: 99 }, '2.x', shadow)).toMatchObject({ ok: false, field: 'payload.transactionId' });
    expect(translate('getSetting', { key: 'no such key!' }, '2.x', null)).toMatchObject({ ok: false, field: 'payload.key' });
    expect(translate('unlock', { connectorId: 1, extra: 1 }, '2.x', null)).toMatchObject({ ok: false });
  });

  it('settings: a 1.6 key, any case, or Component.Variable', () => {
    expect(settingFor('CONNECTIONTIMEOUT')).toEqual({ component: 'TxCtrlr', variable: 'EVConnectionTimeOut' });
    expect(settingFor('SecurityCtrlr.OrganizationName')).toEqual({ component: 'SecurityCtrlr', variable: 'OrganizationName' });
    expect(settingFor('constructor')).toBeNull();
  });
});
