/**
 * What a simulated 2.0.1 / 2.1 station answers to each CSMS-initiated message it acts on, and
 * the follow-up messages a real station sends after its answer (the answer always goes first:
 * follow-ups are scheduled, never sent from inside the handler). Everything else gets the
 * "not here" answer of fallback.ts. The letters and numbers are OCPP 2.0.1 part 2 use cases;
 * TC_* are part 6 test cases.
 */
import type { ReportBase } from './device-model.ts';
import { notifyReports } from './device-model.ts';
import type { Evse } from './evse.ts';
import type { SimStation } from './station.ts';
import type { ChargingProfile, IdToken, ReportData } from './types.ts';

type Handler = (p: Record<string, any>) => unknown;

/** NotifyReport entries per message (the report of a station is a few messages long). */
const REPORT_CHUNK = 20;
/** Follow-up messages go this long after the answer. */
const SOON = 50;

export function commandTable(s: SimStation): Record<string, Handler> {
  const evse = (id: unknown): Evse | undefined => (typeof id === 'number' && id >= 1 ? s.evses[id - 1] : undefined);
  const items = (instance: string) => s.model.readNumber('DeviceDataCtrlr', 'ItemsPerMessage', instance);
  const enabled = (component: string) => s.model.read(component, 'Enabled') === 'true';
  const sendReport = (requestId: number, data: ReportData[]) =>
    s.later(SOON, async () => {
      for (const m of notifyReports(requestId, data, REPORT_CHUNK, new Date().toISOString())) await s.call('NotifyReport', m);
    });
  const inSequence = (steps: Array<[number, () => Promise<unknown>]>) => {
    let t = 0;
    for (const [dt, fn] of steps) s.later((t += dt), fn);
  };

  const table: Record<string, Handler> = {
    // F01 / F02: Accepted, then (Authorize if AuthorizeRemoteStart) Occupied and TransactionEvent
    // Started with triggerReason RemoteStart and the remoteStartId.
    RequestStartTransaction: (p) => {
      const idToken = p['idToken'] as IdToken;
      const e = p['evseId'] !== undefined ? evse(p['evseId']) : s.evses.find((x) => s.canStart(x, idToken));
      if (!e || !s.canStart(e, idToken)) return { status: 'Rejected' };
      const profile = p['chargingProfile'] as ChargingProfile | undefined;
      if (profile && profile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
      // Claimed now, so a second start for this EVSE is Rejected before the first has begun.
      e.starting = true;
      s.later(SOON, () => s.startSession(e, idToken, { remoteStartId: p['remoteStartId'], ...(profile ? { chargingProfile: profile } : {}), claimed: true }));
      return { status: 'Accepted' };
    },
    // F03: Accepted when the transaction runs here, then TransactionEvent Ended (Remote, RemoteStop).
    RequestStopTransaction: (p) => {
      const e = s.evses.find((x) => x.tx?.id === p['transactionId']);
      if (!e) return { status: 'Rejected' };
      s.later(SOON, () => s.stopSession(e, 'Remote', 'RemoteStop'));
      return { status: 'Accepted' };
    },
    // B11 / B12 (and 2.1's ImmediateAndResume): see SimStation.requestReset.
    Reset: (p) => ({ status: s.requestReset(p['type'], p['evseId']) }),
    // G03 / G04: the station (no evse, or evse 0), an EVSE, or its connector.
    ChangeAvailability: (p) => {
      const ref = p['evse'] as { id: number; connectorId?: number } | undefined;
      let targets = s.evses;
      if (ref && ref.id !== 0) {
        const e = evse(ref.id);
        if (!e || (ref.connectorId !== undefined && ref.connectorId !== 1)) return { status: 'Rejected' };
        targets = [e];
      }
      return { status: s.setAvailability(targets, p['operationalStatus'] === 'Operative') };
    },
    // F05: never unlocked under a running transaction.
    UnlockConnector: (p) => {
      const e = evse(p['evseId']);
      if (!e || p['connectorId'] !== 1) return { status: 'UnknownConnector' };
      return { status: e.tx ? 'OngoingAuthorizedTransaction' : 'Unlocked' };
    },
    // F06: the requested message follows the answer.
    TriggerMessage: (p) => {
      const ref = p['evse'] as { id: number; connectorId?: number } | undefined;
      const one = ref && ref.id !== 0 ? evse(ref.id) : undefined;
      if (ref && ref.id !== 0 && (!one || (ref.connectorId !== undefined && ref.connectorId !== 1))) return { status: 'Rejected' };
      const targets = one ? [one] : s.evses;
      const accept = (fn: () => Promise<unknown>) => {
        s.later(SOON, fn);
        return { status: 'Accepted' };
      };
      switch (p['requestedMessage']) {
        // F06.FR.17 (TC_F_26_CS): no BootNotification once accepted.
        case 'BootNotification':
          return s.bootAccepted ? { status: 'Rejected' } : accept(() => s.boot('Triggered'));
        case 'Heartbeat':
          return accept(() => s.heartbeat());
        case 'StatusNotification':
          return accept(async () => {
            for (const e of targets) await s.sendStatus(e, true);
          });
        case 'MeterValues':
          return accept(async () => {
            for (const e of targets) await s.triggeredMeterValues(e);
          });
        case 'TransactionEvent': {
          // TC_F_13_CS / TC_F_14_CS: Updated, triggerReason Trigger, context Trigger, per transaction.
          const running = targets.filter((e) => e.tx);
          if (!running.length) return { status: 'Rejected' };
          return accept(async () => {
            for (const e of running) await s.sample(e, 0, 'Trigger', 'Trigger');
          });
        }
        case 'FirmwareStatusNotification':
          return accept(() => s.call('FirmwareStatusNotification', { status: s.firmware.status, ...(s.firmware.status !== 'Idle' ? { requestId: s.firmware.requestId } : {}) }));
        case 'LogStatusNotification':
          return accept(() => s.call('LogStatusNotification', { status: s.log.status, ...(s.log.status !== 'Idle' ? { requestId: s.log.requestId } : {}) }));
        default:
          return { status: 'NotImplemented' };
      }
    },

    // B06 / B05: per variable; HeartbeatInterval applies at once.
    GetVariables: (p) => ({ getVariableResult: s.model.getVariables(p['getVariableData'], items('GetVariables')) }),
    SetVariables: (p) => {
      const setVariableResult = s.model.setVariables(p['setVariableData'], items('SetVariables'));
      if (setVariableResult.some((r) => r.attributeStatus === 'Accepted' && r.component.name.toLowerCase() === 'ocppcommctrlr' && r.variable.name.toLowerCase() === 'heartbeatinterval') && s.bootAccepted) s.later(0, () => s.scheduleHeartbeat());
      return { setVariableResult };
    },
    // B07 / B08: Accepted, then NotifyReport messages (seqNo from 0, tbc until the last).
    GetBaseReport: (p) => {
      const data = s.model.baseReport(p['reportBase'] as ReportBase);
      if (!data.length) return { status: 'EmptyResultSet' };
      sendReport(p['requestId'], data);
      return { status: 'Accepted' };
    },
    GetReport: (p) => {
      const data = s.model.report(p['componentVariable'], p['componentCriteria']);
      if (!data.length) return { status: 'EmptyResultSet' };
      sendReport(p['requestId'], data);
      return { status: 'Accepted' };
    },

    // K01 / K10 / K09 / K08: the profiles cap the EVSE's power (charging-profiles.ts).
    SetChargingProfile: (p) => {
      if (!enabled('SmartChargingCtrlr')) return { status: 'Rejected' };
      return { status: s.chargingProfiles.set(p['evseId'], p['chargingProfile'], s.profileContext(), Date.now()) };
    },
    ClearChargingProfile: (p) => ({ status: s.chargingProfiles.clear(p) ? 'Accepted' : 'Unknown' }),
    GetChargingProfiles: (p) => {
      const found = [...s.chargingProfiles.find(p['evseId'], p['chargingProfile'] ?? {})];
      if (!found.length) return { status: 'NoProfiles' };
      inSequence(found.map(([evseId, chargingProfile], i) => [SOON, () => s.call('ReportChargingProfiles', { requestId: p['requestId'], chargingLimitSource: 'CSO', evseId, chargingProfile, tbc: i < found.length - 1 })]));
      return { status: 'Accepted' };
    },
    GetCompositeSchedule: (p) => {
      const id = p['evseId'] as number;
      if (id !== 0 && !evse(id)) return { status: 'Rejected' };
      const now = Date.now();
      // What the hardware can do (all EVSEs for the station), capped by the profiles in effect.
      const max = id === 0 ? s.profile.maxPowerW * s.evses.length : s.profile.maxPowerW;
      const limitW = Math.min(max, s.chargingProfiles.limitW(id, id === 0 ? undefined : (evse(id)!.tx ?? undefined), now) ?? max);
      const unit = (p['chargingRateUnit'] as 'W' | 'A' | undefined) ?? 'W';
      return { status: 'Accepted', schedule: { evseId: id, duration: p['duration'], scheduleStart: new Date(now).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit: s.chargingProfiles.fromW(limitW, unit) }] } };
    },

    // E14.
    GetTransactionStatus: (p) => {
      const id = p['transactionId'] as string | undefined;
      if (id === undefined) return { messagesInQueue: s.queued() };
      return { ongoingIndicator: s.evses.some((e) => e.tx?.id === id), messagesInQueue: s.queued(id) };
    },

    // C11 / D01 / D02: the authorization cache and the local list (versioned).
    ClearCache: () => ({ status: enabled('AuthCacheCtrlr') ? 'Accepted' : 'Rejected' }),
    GetLocalListVersion: () => ({ versionNumber: s.localListVersion }),
    SendLocalList: (p) => {
      if (!enabled('LocalAuthListCtrlr')) return { status: 'Failed' };
      const version = p['versionNumber'] as number;
      const full = p['updateType'] === 'Full';
      if (!full && version <= s.localListVersion) return { status: 'VersionMismatch' };
      if (full) s.localList.clear();
      for (const entry of (p['localAuthorizationList'] ?? []) as Array<{ idToken: IdToken; idTokenInfo?: { status: string } }>) {
        const key = `${entry.idToken.type}:${entry.idToken.idToken.toLowerCase()}`;
        if (entry.idTokenInfo) s.localList.set(key, { idToken: entry.idToken, idTokenInfo: entry.idTokenInfo });
        else s.localList.delete(key);
      }
      s.localListVersion = version;
      return { status: 'Accepted' };
    },

    // H01 / H02: an EVSE Reserved for one idToken until expiryDateTime (ReservationStatusUpdate Expired).
    ReserveNow: (p) => {
      if (!enabled('ReservationCtrlr')) return { status: 'Rejected' };
      const connectorType = s.profile.name === 'ac' ? 'sType2' : 'cCCS2';
      if (p['connectorType'] && p['connectorType'] !== connectorType) return { status: 'Rejected' };
      const id = p['id'] as number;
      // A reservation with the same id is replaced.
      for (const x of s.evses) if (x.reservation?.id === id) x.reservation = null;
      const e = p['evseId'] !== undefined ? evse(p['evseId']) : (s.evses.find((x) => x.operative && !x.tx && !x.starting && !x.reservation) ?? s.evses.find((x) => x.operative) ?? s.evses[0]);
      if (!e) return { status: 'Rejected' };
      if (!e.operative) return { status: 'Unavailable' };
      if (e.tx || e.starting || e.reservation) return { status: 'Occupied' };
      e.reservation = { id, idToken: p['idToken'], expiresAt: Date.parse(p['expiryDateTime']) };
      s.armReservation(e);
      s.later(SOON, () => s.sendStatus(e));
      return { status: 'Accepted' };
    },
    CancelReservation: (p) => {
      const e = s.evses.find((x) => x.reservation?.id === p['reservationId']);
      if (!e) return { status: 'Rejected' };
      e.reservation = null;
      s.later(SOON, () => s.sendStatus(e));
      return { status: 'Accepted' };
    },

    // L01: Downloading → Downloaded → Installing → Installed (a new request cancels the one in progress: AcceptedCanceled).
    UpdateFirmware: (p) => {
      const busy = s.firmware.status !== 'Idle';
      const flow = ++s.firmware.flow;
      const requestId = p['requestId'] as number;
      const to = (status: string) => async () => {
        if (s.firmware.flow !== flow) return;
        s.firmware = { status, requestId, flow };
        await s.call('FirmwareStatusNotification', { status, requestId });
        if (status === 'Installed') s.firmware = { status: 'Idle', flow };
      };
      const wait = Date.parse(p['firmware']?.['retrieveDateTime']) - Date.now();
      const steps: Array<[number, () => Promise<unknown>]> = [];
      if (wait > 1000) steps.push([SOON, to('DownloadScheduled')]);
      steps.push([Math.max(SOON, wait), to('Downloading')], [300, to('Downloaded')], [300, to('Installing')], [300, to('Installed')]);
      inSequence(steps);
      return { status: busy ? 'AcceptedCanceled' : 'Accepted' };
    },
    // N01: Uploading → Uploaded.
    GetLog: (p) => {
      const busy = s.log.status !== 'Idle';
      const flow = ++s.log.flow;
      const requestId = p['requestId'] as number;
      const to = (status: string) => async () => {
        if (s.log.flow !== flow) return;
        s.log = { status, requestId, flow };
        await s.call('LogStatusNotification', { status, requestId });
        if (status === 'Uploaded') s.log = { status: 'Idle', flow };
      };
      inSequence([
        [SOON, to('Uploading')],
        [300, to('Uploaded')],
      ]);
      return { status: busy ? 'AcceptedCanceled' : 'Accepted', filename: `${s.identity}-${p['logType']}.log`.slice(0, 255) };
    },
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
  };

  if (s.protocol === 'ocpp2.1') {
    // 2.1 periodic event streams (the station opens one per session, station.ts).
    table['AdjustPeriodicEventStream'] = (p) => ({ status: s.streams.adjust(s.evses, p['id'], p['params']) ? 'Accepted' : 'Rejected' });
    table['GetPeriodicEventStream'] = () => {
      const open = s.streams.list(s.evses);
      return open.length ? { constantStreamData: open } : {};
    };
  }
  return table;
}
