import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles.ts';
import { DeviceModel, notifyReports, type Variable } from './device-model.ts';
import { stationVariables } from './variables.ts';

const aVariable = (over: Partial<Variable> = {}): Variable => ({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, mutability: 'ReadWrite', dataType: 'integer', value: '60', ...over });

function station(profile: 'ac' | 'dc' = 'dc') {
  return new DeviceModel(
    stationVariables(
      { identity: 'CS1', profile: PROFILES[profile], evses: profile === 'dc' ? 2 : 1, serialNumber: 'SIM-CS1', intervalS: 10, securityProfile: 1 },
      { stationAvailability: () => 'Available', evseAvailability: (id) => (id === 2 ? 'Occupied' : 'Available'), connectorAvailability: () => 'Available', evsePowerW: (id) => id * 1000, evseTemperatureC: () => 31.25, localListEntries: () => 0, chargingProfiles: () => 0 },
    ),
  );
}

describe('device model', () => {
  it('B06: per variable, in order; names case-insensitive; EVSE components by evse id', () => {
    const m = station();
    const r = m.getVariables([
      { component: { name: 'ocppcommctrlr' }, variable: { name: 'heartbeatinterval' } },
      { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } },
      { component: { name: 'EVSE' }, variable: { name: 'Power' } },
      { component: { name: 'EVSE', evse: { id: 3 } }, variable: { name: 'Power' } },
      { component: { name: 'AcDcConverter', evse: { id: 1 } }, variable: { name: 'Temperature' } },
      { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' } },
      { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'Nothing' } },
    ]);
    expect(r.map((x) => [x.attributeStatus, x.attributeValue])).toEqual([
      ['Accepted', '300'],
      ['Accepted', 'Occupied'],
      ['Accepted', '2000'],
      ['UnknownComponent', undefined],
      ['UnknownComponent', undefined],
      ['Accepted', '31.3'],
      ['Accepted', '50'],
      ['UnknownVariable', undefined],
    ]);
  });

  it('B06.FR.05: past ItemsPerMessage the rest are Rejected, TooManyElements', () => {
    const m = new DeviceModel([aVariable()]);
    const d = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } };
    expect(m.getVariables([d, d, d], 2).map((r) => r.attributeStatus)).toEqual(['Accepted', 'Accepted', 'Rejected']);
    expect(m.getVariables([d, d, d], 2)[2]!.attributeStatusInfo).toEqual({ reasonCode: 'TooManyElements' });
  });

  it.each([
    ['integer', '300', true],
    ['integer', '1.1', false],
    ['integer', 'abc', false],
    ['integer', '-1', false],
    ['boolean', 'TRUE', true],
    ['boolean', '1', false],
    ['decimal', '1.5', true],
    ['decimal', '', false],
    ['dateTime', '2024-01-01T00:00:00Z', true],
    ['dateTime', 'soon', false],
    ['OptionList', 'LFU', true],
    ['OptionList', 'LRU,LFU', false],
    ['MemberList', 'LRU,LFU', true],
    ['MemberList', 'LRU,MRU', false],
  ] as const)('B05.FR.07: %s %j is accepted: %s', (dataType, value, ok) => {
    const m = new DeviceModel([aVariable({ dataType, valuesList: 'LRU,LFU', minLimit: dataType === 'integer' ? 0 : undefined, value: 'x' } as Partial<Variable>)]);
    const [r] = m.setVariables([{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: value }]);
    expect(r!.attributeStatus).toBe(ok ? 'Accepted' : 'Rejected');
    if (!ok) expect(r!.attributeStatusInfo).toEqual({ reasonCode: 'InvalidValue' });
  });

  it('B05: ReadOnly and live values cannot be set; other attribute types are not supported; a set value reads back', () => {
    const m = station();
    const set = (c: string, v: string, value: string, attributeType?: 'Target') => m.setVariables([{ component: { name: c }, variable: { name: v }, attributeValue: value, ...(attributeType ? { attributeType } : {}) }])[0]!.attributeStatus;
    expect(set('SecurityCtrlr', 'SecurityProfile', '2')).toBe('Rejected');
    expect(set('ClockCtrlr', 'DateTime', '2024-01-01T00:00:00Z')).toBe('Rejected');
    expect(set('OCPPCommCtrlr', 'HeartbeatInterval', '60', 'Target')).toBe('NotSupportedAttributeType');
    expect(set('OCPPCommCtrlr', 'HeartbeatInterval', '0')).toBe('Rejected');
    expect(set('OCPPCommCtrlr', 'HeartbeatInterval', '60')).toBe('Accepted');
    expect(set('SecurityCtrlr', 'BasicAuthPassword', 'short')).toBe('Rejected');
    expect(set('SecurityCtrlr', 'BasicAuthPassword', 'a-password-of-16+')).toBe('Accepted');
    expect(m.read('OCPPCommCtrlr', 'HeartbeatInterval')).toBe('60');
    expect(m.read('SecurityCtrlr', 'BasicAuthPassword')).toBe('a-password-of-16+');
    expect(m.getVariables([{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }])[0]!.attributeStatus).toBe('Rejected');
  });

  it('B07: the base reports; every list variable carries its valuesList (TC_B_12_CS); WriteOnly without a value', () => {
    const m = station();
    const full = m.baseReport('FullInventory');
    expect(full.filter((d) => ['OptionList', 'MemberList', 'SequenceList'].includes(d.variableCharacteristics!.dataType)).every((d) => d.variableCharacteristics!.valuesList)).toBe(true);
    expect(full.find((d) => d.variable.name === 'BasicAuthPassword')!.variableAttribute[0]!.value).toBeUndefined();
    expect(m.baseReport('ConfigurationInventory').every((d) => d.variableAttribute[0]!.mutability !== 'ReadOnly')).toBe(true);
    expect(new Set(m.baseReport('SummaryInventory').map((d) => d.variable.name))).toEqual(new Set(['AvailabilityState', 'Available', 'Problem']));
    // The required core variables a certification run looks for (part 6 TC_B_12_CS), a sample.
    for (const [c, v] of [['AlignedDataCtrlr', 'Interval'], ['AuthCtrlr', 'LocalPreAuthorize'], ['ClockCtrlr', 'TimeSource'], ['OCPPCommCtrlr', 'MessageTimeout'], ['SampledDataCtrlr', 'TxEndedMeasurands'], ['SecurityCtrlr', 'OrganizationName'], ['TxCtrlr', 'TxStopPoint'], ['EVSE', 'Power'], ['Connector', 'ConnectorType']]) {
      expect(full.some((d) => d.component.name === c && d.variable.name === v), `${c}.${v}`).toBe(true);
    }
  });

  it('B08: by component and variable (wildcards for what is left out), by criteria', () => {
    const m = station();
    const names = (r: ReturnType<DeviceModel['report']>) => r.map((d) => `${d.component.name}${d.component.evse ? `[${d.component.evse.id}]` : ''}.${d.variable.name}`);
    expect(names(m.report([{ component: { name: 'EVSE' }, variable: { name: 'Power' } }]))).toEqual(['EVSE[1].Power', 'EVSE[2].Power']);
    expect(names(m.report([{ component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage' } }]))).toHaveLength(3);
    expect(names(m.report([{ component: { name: 'Connector', evse: { id: 2, connectorId: 1 } }, variable: { name: 'ConnectorType' } }]))).toEqual(['Connector[2].ConnectorType']);
    const enabled = m.report(undefined, ['Enabled']);
    expect(new Set(enabled.map((d) => d.component.name))).toEqual(new Set(['SampledDataCtrlr', 'AuthCtrlr', 'AuthCacheCtrlr', 'LocalAuthListCtrlr', 'ReservationCtrlr', 'SmartChargingCtrlr']));
    expect(m.report(undefined, ['Problem'])).toEqual([]);
  });

  it('NotifyReport: seqNo from 0, tbc on all but the last; an empty report is one message', () => {
    const data = station().baseReport('FullInventory');
    const msgs = notifyReports(4, data, 20, '2024-01-01T00:00:00.000Z');
    expect(msgs.map((x) => x.seqNo)).toEqual(msgs.map((_, i) => i));
    expect(msgs.map((x) => x.tbc)).toEqual(msgs.map((_, i) => i < msgs.length - 1));
    expect(msgs.flatMap((x) => x.reportData ?? [])).toEqual(data);
    expect(msgs.every((x) => (x.reportData?.length ?? 0) <= 20)).toBe(true);
    expect(notifyReports(5, [], 20, '2024-01-01T00:00:00.000Z')).toEqual([{ requestId: 5, generatedAt: '2024-01-01T00:00:00.000Z', seqNo: 0, tbc: false }]);
  });
});
