import { describe, expect, it } from 'vitest';
import { emptyDevice, type AlertInput, type ShadowView } from './model.ts';
import { reduceAlerts, type AlertsDevice } from './reduce.ts';
import { DEFAULT_RULES, effectiveRules, type Rule, type TenantRules } from '../contracts/alert-rules.ts';
import type { AlertTransition } from '../contracts/alerts.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const s = (n: number) => T0 + n * 1000;

// Test-data builders.
const aShadow = (o: ShadowView = {}): AlertInput => ({ type: 'state', shadow: { chargePointId: 'CP1', online: true, connectedAt: new Date(T0).toISOString(), connectors: {}, ...o } });
const offlineShadow = (atSec: number, o: ShadowView = {}) => aShadow({ online: false, disconnectedAt: new Date(s(atSec)).toISOString(), offlineReason: 'closed', ...o });
const conn = (status: string, errorCode = 'NoError', transactionId: number | null = null) => ({ status, errorCode, transactionId });
const call = (action: string, request: unknown = {}): AlertInput => ({ type: 'event', event: { type: 'ocpp', direction: 'in', action, request } });
const energy = (wh: number, atSec: number, o: Record<string, unknown> = {}): AlertInput => ({ type: 'attrs', attrs: { connectorId: 1, timestamp: new Date(s(atSec)).toISOString(), energy: wh, ...o } });
const tick: AlertInput = { type: 'tick' };
const refused = (n: number): AlertInput => ({ type: 'event', event: { type: 'securityRefused', reason: 'TLS_REQUIRED', status: 426, remoteAddress: `10.0.0.${n}` } });

/** Runs [input, atSecond] steps; returns the transitions of each step as "raised:rule:connector". */
function run(steps: Array<[AlertInput, number]>, own: TenantRules = {}): { log: string[][]; last: AlertsDevice; all: AlertTransition[] } {
  const rules: Rule[] = effectiveRules(own);
  let dev: AlertsDevice = { model: emptyDevice('acme', 'a1b2c3d4'), active: {} };
  const log: string[][] = [];
  const all: AlertTransition[] = [];
  for (const [input, at] of steps) {
    const r = reduceAlerts(dev, input, s(at), rules);
    dev = r.device;
    all.push(...r.transitions);
    log.push(r.transitions.map((t) => `${t.type}:${t.alert.rule}:${t.alert.connectorId ?? '-'}`));
  }
  return { log, last: dev, all };
}

const rule = <K extends keyof typeof DEFAULT_RULES>(kind: K, params: (typeof DEFAULT_RULES)[K]['params']): TenantRules => ({ [kind]: { ...DEFAULT_RULES[kind], params } }) as TenantRules;

describe('alert rules (pure core)', () => {
  it.each<[string, Array<[AlertInput, number]>, TenantRules, string[][]]>([
    ['offline: raised after N s offline, cleared when back', [[aShadow(), 0], [offlineShadow(10), 10], [tick, 69], [tick, 70], [tick, 80], [aShadow(), 90]], rule('offline', { seconds: 60 }), [[], [], [], ['raised:offline:-'], [], ['cleared:offline:-']]],
    ['offline: a short drop raises nothing', [[aShadow(), 0], [offlineShadow(10), 10], [aShadow(), 30], [tick, 200]], rule('offline', { seconds: 60 }), [[], [], [], []]],
    ['connectorFault: Faulted (OCPP 1.6 §7.7), cleared when Available', [[aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure') } }), 1], [aShadow({ connectors: { '1': conn('Available') } }), 2]], {}, [['raised:connectorFault:1'], ['cleared:connectorFault:1']]],
    ['connectorFault: an error code while Available (§7.6)', [[aShadow({ connectors: { '2': conn('Available', 'HighTemperature') } }), 1], [aShadow({ connectors: { '2': conn('Available') } }), 2]], {}, [['raised:connectorFault:2'], ['cleared:connectorFault:2']]],
    ['connectorFault: Unavailable on purpose is no fault by default', [[aShadow({ connectors: { '1': conn('Unavailable') } }), 1]], {}, [[]]],
    ['connectorFault: Unavailable when the tenant asks', [[aShadow({ connectors: { '1': conn('Unavailable') } }), 1]], rule('connectorFault', { includeUnavailable: true }), [['raised:connectorFault:1']]],
    ['connectorFault: deduplicated while the fault goes on', [[aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure') } }), 1], [aShadow({ connectors: { '1': conn('Faulted', 'OverVoltage') } }), 2], [tick, 3]], {}, [['raised:connectorFault:1'], [], []]],
    ['bootLoop: N boots in the window, cleared once the window empties', [[aShadow(), 0], [call('BootNotification'), 1], [call('BootNotification'), 2], [call('BootNotification'), 3], [call('BootNotification'), 4], [tick, 61], [tick, 64]], rule('bootLoop', { count: 3, windowSeconds: 60 }), [[], [], [], ['raised:bootLoop:-'], [], [], ['cleared:bootLoop:-']]],
    ['bootLoop: boots far apart are no loop', [[aShadow(), 0], [call('BootNotification'), 1], [call('BootNotification'), 100], [call('BootNotification'), 200]], rule('bootLoop', { count: 3, windowSeconds: 60 }), [[], [], [], []]],
    ['meterValuesMissing: a session without samples, cleared by a sample', [[aShadow({ connectors: { '1': conn('Charging', 'NoError', 7) } }), 0], [tick, 29], [tick, 30], [energy(1000, 31), 31]], rule('meterValuesMissing', { seconds: 30 }), [[], [], ['raised:meterValuesMissing:1'], ['cleared:meterValuesMissing:1']]],
    ['meterValuesMissing: cleared when the session ends', [[aShadow({ connectors: { '1': conn('Charging', 'NoError', 7) } }), 0], [tick, 30], [aShadow({ connectors: { '1': conn('Finishing') } }), 31]], rule('meterValuesMissing', { seconds: 30 }), [[], ['raised:meterValuesMissing:1'], ['cleared:meterValuesMissing:1']]],
    ['meterValuesMissing: no session, no alert', [[aShadow({ connectors: { '1': conn('Available') } }), 0], [tick, 100]], rule('meterValuesMissing', { seconds: 30 }), [[], []]],
    ['heartbeatMissing: connected and silent (OCPP 1.6 §4.6), cleared by a Heartbeat', [[aShadow(), 0], [call('Heartbeat'), 5], [tick, 64], [tick, 65], [call('Heartbeat'), 66]], rule('heartbeatMissing', { seconds: 60 }), [[], [], [], ['raised:heartbeatMissing:-'], ['cleared:heartbeatMissing:-']]],
    ['heartbeatMissing: any CALL counts as a sign of life', [[aShadow(), 0], [call('StatusNotification'), 50], [tick, 100]], rule('heartbeatMissing', { seconds: 60 }), [[], [], []]],
    ['energyBackwards: a later sample below the register, cleared after clearSeconds', [[aShadow(), 0], [energy(5000, 1), 1], [energy(4000, 2), 2], [tick, 61], [tick, 62]], rule('energyBackwards', { clearSeconds: 60 }), [[], [], ['raised:energyBackwards:1'], [], ['cleared:energyBackwards:1']]],
    ['energyBackwards: late data (an older sample time) is not a regression', [[aShadow(), 0], [energy(5000, 10), 10], [energy(4000, 5), 11]], {}, [[], [], []]],
    ['energyBackwards: a session counted from 0 (Transaction.Begin) is not a regression', [[aShadow(), 0], [energy(5000, 1, { transactionId: 1 }), 1], [energy(0, 2, { transactionId: 2, context: 'Transaction.Begin' }), 2], [energy(10, 3, { transactionId: 2 }), 3]], {}, [[], [], [], []]],
    ['firmwareFailed: InstallationFailed (OCPP 1.6 §7.25), cleared by the next status', [[aShadow({ firmwareStatus: 'Downloading' }), 0], [aShadow({ firmwareStatus: 'InstallationFailed' }), 1], [aShadow({ firmwareStatus: 'Installed' }), 2]], {}, [[], ['raised:firmwareFailed:-'], ['cleared:firmwareFailed:-']]],
    ['firmwareFailed: DownloadFailed', [[aShadow({ firmwareStatus: 'DownloadFailed' }), 0]], {}, [['raised:firmwareFailed:-']]],
    ['diagnosticsFailed: UploadFailed (OCPP 1.6 §7.24), cleared by the next status', [[aShadow({ diagnosticsStatus: 'UploadFailed' }), 0], [aShadow({ diagnosticsStatus: 'Uploading' }), 1]], {}, [['raised:diagnosticsFailed:-'], ['cleared:diagnosticsFailed:-']]],
    ['securityEvent: a SecurityEventNotification, cleared after clearSeconds', [[aShadow(), 0], [call('SecurityEventNotification', { type: 'InvalidFirmwareSignature', timestamp: '2026-11-22T10:00:00Z' }), 1], [tick, 31]], rule('securityEvent', { clearSeconds: 30 }), [[], ['raised:securityEvent:-'], ['cleared:securityEvent:-']]],
    ['handshakeRefused: N refused handshakes (securityRefused events) in the window, cleared once it empties', [[aShadow({ online: false }), 0], [refused(1), 1], [refused(2), 2], [refused(3), 3], [tick, 60], [tick, 61]], rule('handshakeRefused', { count: 3, windowSeconds: 60 }), [[], [], [], ['raised:handshakeRefused:-'], [], ['cleared:handshakeRefused:-']]],
    ['handshakeRefused: refusals far apart are no alarm', [[aShadow({ online: false }), 0], [refused(1), 1], [refused(2), 100], [refused(3), 200]], rule('handshakeRefused', { count: 3, windowSeconds: 60 }), [[], [], [], []]],
    ['a disabled rule raises nothing', [[aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure') } }), 1]], { connectorFault: { ...DEFAULT_RULES.connectorFault, enabled: false } }, [[]]],
  ])('%s', (_name, steps, own, expected) => {
    expect(run(steps, own).log).toEqual(expected);
  });

  it('nothing is judged before the first shadow', () => {
    expect(run([[call('BootNotification'), 1], [call('BootNotification'), 2], [call('BootNotification'), 3]], rule('bootLoop', { count: 2, windowSeconds: 60 })).log).toEqual([[], [], []]);
  });

  it('an alert carries since, until, the device and a stable id', () => {
    const { all } = run([[aShadow(), 0], [offlineShadow(10), 10], [tick, 80], [aShadow(), 90]], rule('offline', { seconds: 60 }));
    const [raised, cleared] = all;
    expect(raised).toMatchObject({ type: 'raised', alert: { tenant: 'acme', deviceId: 'a1b2c3d4', chargePointId: 'CP1', rule: 'offline', severity: 'critical', since: new Date(s(10)).toISOString(), until: null } });
    expect(raised!.alert.id).toMatch(/^[0-9a-f]{16}$/);
    expect(cleared).toMatchObject({ type: 'cleared', alert: { id: raised!.alert.id, since: raised!.alert.since, until: new Date(s(90)).toISOString() } });
  });

  it('the same condition raised again later is a new alert', () => {
    const f = aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure') } });
    const ok = aShadow({ connectors: { '1': conn('Available') } });
    const { all } = run([[f, 1], [ok, 2], [f, 3]]);
    expect(all.map((t) => t.type)).toEqual(['raised', 'cleared', 'raised']);
    expect(all[2]!.alert.id).not.toBe(all[0]!.alert.id);
  });

  it('does not mutate its input', () => {
    const dev: AlertsDevice = { model: emptyDevice('acme', 'a1b2c3d4'), active: {} };
    const copy = structuredClone(dev);
    reduceAlerts(dev, aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure') } }), T0, effectiveRules({}));
    expect(dev).toEqual(copy);
  });
});

describe('the model keeps what attrs taught it', () => {
  it('a shadow without the connector does not forget its register (energyBackwards stays until clearSeconds)', () => {
    const { log } = run([[aShadow(), 0], [energy(5000, 1), 1], [energy(4000, 2), 2], [aShadow(), 3], [tick, 30], [tick, 62]], rule('energyBackwards', { clearSeconds: 60 }));
    expect(log).toEqual([[], [], ['raised:energyBackwards:1'], [], [], ['cleared:energyBackwards:1']]);
  });
});

describe('after a restart', () => {
  const reloaded = (rule: 'connectorFault' | 'firmwareFailed' | 'energyBackwards', connectorId: number | null, sinceSec: number): AlertsDevice => {
    const alert = { id: 'x'.repeat(16), tenant: 'acme', deviceId: 'a1b2c3d4', chargePointId: 'CP1', connectorId, rule, severity: 'warning' as const, message: '', details: {}, since: new Date(s(sinceSec)).toISOString(), until: null, acknowledgedAt: null, acknowledgedBy: null };
    return { model: emptyDevice('acme', 'a1b2c3d4'), active: { [`acme|${rule}|a1b2c3d4|${connectorId ?? '-'}`]: alert } };
  };
  const step = (dev: AlertsDevice, input: AlertInput, at: number, own: TenantRules = {}) => reduceAlerts(dev, input, s(at), effectiveRules(own));

  it.each<[string, AlertsDevice, AlertInput, string[]]>([
    ['a fault is kept while the connector is not reported yet', reloaded('connectorFault', 1, 0), aShadow(), []],
    ['a fault is cleared once the connector is reported fine', reloaded('connectorFault', 1, 0), aShadow({ connectors: { '1': conn('Available') } }), ['cleared']],
    ['a failed firmware update is kept while the status is unknown', reloaded('firmwareFailed', null, 0), aShadow({ firmwareStatus: null }), []],
    ['a failed firmware update is cleared by a new status', reloaded('firmwareFailed', null, 0), aShadow({ firmwareStatus: 'Downloading' }), ['cleared']],
    ['energyBackwards is kept for its clearSeconds', reloaded('energyBackwards', 1, 0), aShadow(), []],
  ])('%s', (_n, dev, input, expected) => {
    expect(step(dev, input, 10).transitions.map((t) => t.type)).toEqual(expected);
  });

  it('energyBackwards reloaded is cleared once clearSeconds have passed', () => {
    expect(step(reloaded('energyBackwards', 1, 0), aShadow(), 3601).transitions.map((t) => t.type)).toEqual(['cleared']);
  });
});

describe('a device known from the registry but not seen since start', () => {
  it('raises offline after N s unless a shadow or the charger says otherwise', async () => {
    const { unseenDevice } = await import('./model.ts');
    const rules = effectiveRules(rule('offline', { seconds: 60 }));
    const seeded: AlertsDevice = { model: unseenDevice('acme', 'a1b2c3d4', 'CP1', s(0)), active: {} };
    expect(reduceAlerts(seeded, tick, s(59), rules).transitions).toEqual([]);
    const r = reduceAlerts(seeded, tick, s(60), rules);
    expect(r.transitions.map((t) => [t.type, t.alert.rule, t.alert.details['reason']])).toEqual([['raised', 'offline', 'notSeenSinceStart']]);
    expect(reduceAlerts(seeded, aShadow(), s(10), rules).device.model.online).toBe(true);
    // A retained shadow of an earlier disconnect counts from its own time.
    const old = reduceAlerts(seeded, offlineShadow(-100), s(1), rules);
    expect(old.transitions.map((t) => t.alert.since)).toEqual([new Date(s(-100)).toISOString()]);
  });
});

describe('evaluation without allocation on the quiet path', () => {
  it('a device with nothing to raise and nothing active comes back as it was', () => {
    const rules = effectiveRules({});
    const quiet = reduceAlerts({ model: emptyDevice('acme', 'q1'), active: {} }, aShadow({ connectors: { '1': conn('Charging', 'NoError', 3) } }), s(0), rules).device;
    const again = reduceAlerts(quiet, energy(100, 1), s(1), rules);
    expect(again.transitions).toEqual([]);
    expect(again.device.active).toEqual({});
    expect(again.device.model.connectors['1']!.lastMeterAt).toBe(s(1));
  });

  it('what one device raises never shows up on another (no shared result is mutated)', () => {
    const rules = effectiveRules({});
    const faulted = reduceAlerts({ model: emptyDevice('acme', 'f1'), active: {} }, aShadow({ connectors: { '1': conn('Faulted', 'GroundFailure'), '2': conn('Available', 'HighTemperature') } }), s(0), rules);
    expect(faulted.transitions.map((t) => `${t.alert.rule}:${t.alert.connectorId}`)).toEqual(['connectorFault:1', 'connectorFault:2']);
    const fine = reduceAlerts({ model: emptyDevice('acme', 'ok1'), active: {} }, aShadow({ connectors: { '1': conn('Available') } }), s(0), rules);
    expect(fine.transitions).toEqual([]);
    expect(fine.device.active).toEqual({});
  });

  it('boots count inside the window even out of order (a clock set back)', () => {
    const dev: AlertsDevice = { model: { ...emptyDevice('acme', 'b1'), known: true, online: true, boots: [s(50), s(10), s(55)] }, active: {} };
    const r = reduceAlerts(dev, tick, s(60), effectiveRules(rule('bootLoop', { count: 2, windowSeconds: 30 })));
    expect(r.transitions.map((t) => t.alert.rule)).toEqual(['bootLoop']);
    expect(r.transitions[0]!.alert.details).toMatchObject({ boots: 2 });
  });
});
