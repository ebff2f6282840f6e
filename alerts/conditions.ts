/**
 * One condition per rule kind: given the device model and the time, which alerts of that rule
 * should be active now (per connector where it applies). The reducer compares that with what
 * is active and raises or clears the difference. Pure, table-driven (`satisfies`).
 */
import type { ConnectorModel, DeviceModel } from './model.ts';
import type { RuleKind, RuleParams } from '../contracts/alert-rules.ts';

export interface Condition {
  connectorId: number | null;
  message: string;
  details: Record<string, unknown>;
  /** When the condition started, when known better than "now" (ms). */
  since?: number | undefined;
}

type Check<K extends RuleKind> = (d: DeviceModel, now: number, params: RuleParams[K]) => Condition[];

const FIRMWARE_FAILED = new Set(['DownloadFailed', 'InstallationFailed']);
const DIAGNOSTICS_FAILED = new Set(['UploadFailed']);

/** What a rule that does not hold returns: shared, never mutated (the reducer only reads it). */
const NONE = Object.freeze([]) as unknown as Condition[];

/**
 * The conditions of the connectors that match. The role evaluates a device on every message it
 * gets and every device on each tick (thousands a second), nearly always with nothing to report:
 * this allocates only for a match, where `Object.entries(...).map(...).filter(...)` built two
 * arrays and an object per connector each time, and `for … in` over the connectors built their
 * key strings (the three per-connector rules were 6 % of the broker thread's allocations at
 * 2,000 messages/s: docs/benchmarks.md). It walks the model's `connectorIds`; `match` and `make`
 * are module-level functions given `now` and the rule's parameters, not closures made per call.
 */
function onConnectors<P>(d: DeviceModel, now: number, p: P, match: (c: ConnectorModel, now: number, p: P) => boolean, make: (id: number, c: ConnectorModel, p: P) => Condition): Condition[] {
  let out: Condition[] | undefined;
  const ids = d.connectorIds;
  for (let i = 0; i < ids.length; i++) {
    const c = d.connectors[ids[i]!]!;
    if (match(c, now, p)) (out ??= []).push(make(Number(ids[i]), c, p));
  }
  return out ?? NONE;
}

/** How many of `times` (ms) fall after `from` (all of them are looked at: a clock set back may leave them out of order). */
function countAfter(times: readonly number[], from: number): number {
  let n = 0;
  for (const t of times) if (t > from) n++;
  return n;
}

// The per-connector checks of CONDITIONS below (why each: there), and the condition each raises.
const isFaulted = (c: ConnectorModel, _now: number, p: RuleParams['connectorFault']) => c.status === 'Faulted' || c.errorCode !== 'NoError' || (p.includeUnavailable && c.status === 'Unavailable');
const faultOf = (id: number, c: ConnectorModel): Condition => ({
  connectorId: id,
  message: `connector ${id} ${c.status}${c.errorCode !== 'NoError' ? ` (${c.errorCode})` : ''}`,
  details: { status: c.status, errorCode: c.errorCode, info: c.info, vendorErrorCode: c.vendorErrorCode },
});

const isMissingSamples = (c: ConnectorModel, now: number, p: RuleParams['meterValuesMissing']) => c.transactionId !== null && c.sessionSince !== null && now - Math.max(c.sessionSince, c.lastMeterAt ?? 0) >= p.seconds * 1000;
const missingSamplesOf = (id: number, c: ConnectorModel, p: RuleParams['meterValuesMissing']): Condition => ({
  connectorId: id,
  message: `no meter values for ${p.seconds} s during transaction ${c.transactionId}`,
  details: { transactionId: c.transactionId, lastMeterAt: c.lastMeterAt === null ? null : new Date(c.lastMeterAt).toISOString() },
});

const wentBackwards = (c: ConnectorModel, now: number, p: RuleParams['energyBackwards']) => c.backwards !== null && now - c.backwards.at < p.clearSeconds * 1000;
const backwardsOf = (id: number, c: ConnectorModel): Condition => ({
  connectorId: id,
  message: `energy register went backwards on connector ${id} (${c.backwards!.fromWh} Wh to ${c.backwards!.toWh} Wh)`,
  details: { fromWh: c.backwards!.fromWh, toWh: c.backwards!.toWh },
});

export const CONDITIONS: { [K in RuleKind]: Check<K> } = {
  offline: (d, now, p) =>
    !d.online && d.offlineSince !== null && now - d.offlineSince >= p.seconds * 1000
      ? [{ connectorId: null, message: `offline for more than ${p.seconds} s`, details: { reason: d.offlineReason, offlineSince: new Date(d.offlineSince).toISOString() }, since: d.offlineSince }]
      : NONE,

  // OCPP 1.6 §7.6/§7.7: a connector is in trouble when Faulted or reporting an error code other
  // than NoError (a charger may report an error while still Available). Unavailable is an
  // operator's choice (ChangeAvailability), raised only when the tenant asks for it.
  connectorFault: (d, now, p) => onConnectors(d, now, p, isFaulted, faultOf),

  bootLoop: (d, now, p) => {
    const recent = countAfter(d.boots, now - p.windowSeconds * 1000);
    return recent >= p.count ? [{ connectorId: null, message: `${recent} BootNotifications within ${p.windowSeconds} s`, details: { boots: recent, windowSeconds: p.windowSeconds } }] : NONE;
  },

  // No sample during a charging session: the connector has a transaction and the charger is
  // online (offline has its own rule), and nothing arrived for the connector since the session
  // started or since its last sample.
  meterValuesMissing: (d, now, p) => (d.online ? onConnectors(d, now, p, isMissingSamples, missingSamplesOf) : NONE),

  // Connected, but no OCPP CALL at all (OCPP 1.6 §4.6: a Heartbeat when nothing else was sent).
  heartbeatMissing: (d, now, p) =>
    d.online && d.lastCallAt !== null && now - d.lastCallAt >= p.seconds * 1000
      ? [{ connectorId: null, message: `no heartbeat or other message for ${p.seconds} s while connected`, details: { lastMessageAt: new Date(d.lastCallAt).toISOString() } }]
      : NONE,

  energyBackwards: (d, now, p) => onConnectors(d, now, p, wentBackwards, backwardsOf),

  // OCPP 1.6 §4.5 / §7.25 FirmwareStatus.
  firmwareFailed: (d) => (d.firmwareStatus !== null && FIRMWARE_FAILED.has(d.firmwareStatus) ? [{ connectorId: null, message: `firmware update failed: ${d.firmwareStatus}`, details: { status: d.firmwareStatus } }] : NONE),

  // OCPP 1.6 §4.4 / §7.24 DiagnosticsStatus.
  diagnosticsFailed: (d) => (d.diagnosticsStatus !== null && DIAGNOSTICS_FAILED.has(d.diagnosticsStatus) ? [{ connectorId: null, message: `diagnostics upload failed: ${d.diagnosticsStatus}`, details: { status: d.diagnosticsStatus } }] : NONE),

  handshakeRefused: (d, now, p) => {
    const recent = countAfter(d.refusals, now - p.windowSeconds * 1000);
    return recent >= p.count ? [{ connectorId: null, message: `${recent} refused connection attempts within ${p.windowSeconds} s`, details: { refusals: recent, windowSeconds: p.windowSeconds, ...d.lastRefusal } }] : NONE;
  },

  securityEvent: (d, now, p) =>
    d.security !== null && now - d.security.at < p.clearSeconds * 1000
      ? [{ connectorId: null, message: `security event: ${d.security.type}`, details: { type: d.security.type, techInfo: d.security.techInfo } }]
      : NONE,
};
