/**
 * 2.0.1 E01-E15 (transactions): TransactionEvent Started / Updated / Ended drives the same
 * sessions ledger as 1.6 Start/StopTransaction. The station assigns the transaction id (a
 * string, E01.FR.01 ... kept as `chargerTransactionId`); the ledger hands out ours, the one MQTT
 * consumers know as `transactionId`, so a platform sees one model whatever the version.
 *
 * Transaction-related messages are retried by the station until answered (2.0.1 part 4 §4.2.1;
 * E12/E13 offline): every step is idempotent. A resent Started finds its session by the
 * station's id; an Updated or Ended whose Started never arrived (sent before this CSMS knew the
 * station, or lost) opens the session from what it carries, with a warning; an Ended for a
 * session already closed is kept as the ledger's first stop and warned about (E.g. TC_E_31,
 * TC_E_19: out of order and seqNo gaps are answered, never refused).
 *
 * Energy: the Energy.Active.Import.Register reading of the Started event is meterStart; a
 * Started without one takes the first reading of a later event; the last reading (or the one in
 * Ended) is meterStop.
 */
import { closeSuperseded } from '../../../superseded.ts';
import { iso } from '../../../time.ts';
import type { HandlerContext } from '../../context.ts';
import { normalizeMeterValues, type NormalizedSample, type NormalizeWarning } from '../../../meter-values/normalize.ts';
import type { ChargerSession } from '../../../session.ts';
import type { Transaction } from '../../../../contracts/registry.ts';
import { NO_AUTHORIZATION } from '../id-tokens.ts';
import { toMeterValuesIn } from '../meter-values.ts';
import { occupiedStatus } from '../status.ts';
import { lookupIdToken } from './authorize.ts';
import type { Handler201 } from './types.ts';

/**
 * The ledger's active sessions of this connection by the station's id, so that the Updated
 * events of a running session (the 2.x hot path: its meter values) cost no registry round trip;
 * only the first event of a session on a connection reads the registry. `startUnknown`: opened
 * here without a start reading, so the first reading seen becomes meterStart. An entry goes
 * when its session ends or another start closes it; a station runs a handful at a time.
 */
interface Running {
  tx: Transaction;
  startUnknown: boolean;
}
const known = new WeakMap<ChargerSession, Map<string, Running>>();
function sessionsOf(session: ChargerSession): Map<string, Running> {
  let m = known.get(session);
  if (!m) known.set(session, (m = new Map()));
  return m;
}

function registers(samples: readonly NormalizedSample[]): { first: number | undefined; last: number | undefined } {
  let first: number | undefined;
  let last: number | undefined;
  for (const s of samples) {
    const e = s.values['energy'];
    if (typeof e !== 'number') continue;
    first ??= e;
    last = e;
  }
  return { first, last };
}

export const transactionEvent: Handler201<'TransactionEvent'> = async (ctx, req) => {
  const { session, store } = ctx;
  const device = session.device;
  const info = req.transactionInfo;
  const cid = info.transactionId;
  const at = iso(req.timestamp, new Date());
  const samples = normalizeMeterValues(toMeterValuesIn(req.meterValue ?? []));
  const reading = registers(samples);
  const token = req.idToken && req.idToken.type !== NO_AUTHORIZATION ? req.idToken.idToken : undefined;

  const cache = sessionsOf(session);
  const running = cache.get(cid);
  let tx = running?.tx ?? (await store.findTransactionByChargerId(device.id, cid));
  let startUnknown = running?.startUnknown ?? false;
  const evseId = req.evse?.id ?? tx?.evseId ?? 0;
  if (!tx) {
    if (req.eventType !== 'Started') {
      session.event({
        type: 'transactionWarning',
        action: 'TransactionEvent',
        messageId: ctx.messageId,
        code: 'STARTED_UNSEEN',
        message: `transaction ${cid}: its Started event never arrived here; the session is opened from this ${req.eventType} event`,
        chargerTransactionId: cid,
        connectorId: evseId,
      });
      session.log.warn({ chargerTransactionId: cid, eventType: req.eventType }, 'TransactionEvent for a transaction never started here');
    }
    // Only a session on a known EVSE supersedes one there: authorization first (E02: Started
    // without `evse`, the cable comes later) says nothing about the outlet yet.
    if (evseId > 0) {
      await closeSuperseded(ctx, evseId, { startedAt: at, meterStart: reading.first ?? 0 });
      for (const [id, r] of cache) if (r.tx.evseId === evseId) cache.delete(id);
    }
    tx = await store.startTransaction({
      deviceId: device.id,
      tenant: device.tenant,
      connectorId: evseId,
      evseId,
      chargerTransactionId: cid,
      idTag: token ?? '',
      meterStart: reading.first ?? 0,
      startedAt: at,
      reservationId: req.reservationId ?? null,
    });
    startUnknown = reading.first === undefined;
    session.update({ type: 'transactionStarted', at: new Date().toISOString(), connectorId: evseId, transactionId: tx.id, idTag: token ?? '', chargerTransactionId: cid });
    session.log.info({ transactionId: tx.id, chargerTransactionId: cid, evseId }, 'transaction started');
  } else if (tx.status === 'active') {
    // What a later event adds to the start: the reading a Started lacked, the token given
    // after the cable (triggerReason Authorized, E03), the EVSE given after the token (E02).
    const patch: { meterStart?: number; idTag?: string; evseId?: number } = {};
    if (req.evse && !tx.evseId) patch.evseId = req.evse.id;
    if (reading.first !== undefined && startUnknown) {
      patch.meterStart = reading.first;
      startUnknown = false;
    }
    if (!tx.idTag && token) patch.idTag = token;
    if (patch.meterStart !== undefined || patch.idTag !== undefined || patch.evseId !== undefined) tx = (await store.updateTransactionStart(tx.id, patch)) ?? tx;
    if (patch.evseId !== undefined) {
      // The session moves from "EVSE unknown" (connector 0 of the shadow) to its EVSE.
      const now = new Date().toISOString();
      session.update({ type: 'transactionStopped', at: now, transactionId: tx.id });
      session.update({ type: 'transactionStarted', at: now, connectorId: patch.evseId, transactionId: tx.id, idTag: tx.idTag, chargerTransactionId: cid });
    }
  }

  if (tx.status === 'active') cache.set(cid, { tx, startUnknown });
  const attrsCtx = { connectorId: evseId, transactionId: tx.id, evseId, chargerTransactionId: cid };
  let warnings: NormalizeWarning[] | undefined;
  for (const sample of samples) {
    session.attrs(sample, attrsCtx);
    if (sample.warnings.length) for (const w of sample.warnings) (warnings ??= []).push(w);
  }
  if (warnings) session.event({ type: 'telemetryWarning', action: 'TransactionEvent', messageId: ctx.messageId, warnings });
  const prevReading = session.registers.get(tx.id);
  if (reading.last !== undefined && (prevReading === undefined || reading.last > prevReading)) session.registers.set(tx.id, reading.last);

  const ended = req.eventType === 'Ended';
  if (info.chargingState) {
    // Only a change: stations repeat chargingState in every Updated, and each shadow change is
    // a retained publish and a registry write (the hot path stays free of them).
    const status = occupiedStatus(info.chargingState, !ended);
    const c = session.shadow.connectors[String(evseId)];
    if (c?.chargingState !== info.chargingState || c.status !== status) session.update({ type: 'chargingState', at: new Date().toISOString(), connectorId: evseId, chargingState: info.chargingState, status });
  }
  if (ended) {
    cache.delete(cid);
    await endTransaction(ctx, tx, { at, cid, evseId, reading: reading.last, stoppedReason: info.stoppedReason, token });
  }

  // E05 / C01: an event carrying an idToken is answered with its IdTokenInfo.
  return req.idToken ? { idTokenInfo: (await lookupIdToken(ctx, req.idToken)) as never } : {};
};

async function endTransaction(
  ctx: HandlerContext,
  tx: { id: number; status: string; meterStart: number; stopReason: string | null },
  e: { at: string; cid: string; evseId: number; reading: number | undefined; stoppedReason: string | undefined; token: string | undefined },
): Promise<void> {
  const { session, store } = ctx;
  if (tx.status !== 'active') {
    session.event({
      type: 'transactionWarning',
      action: 'TransactionEvent',
      messageId: ctx.messageId,
      code: 'ALREADY_STOPPED',
      message: `transaction ${tx.id} (${e.cid}) was already stopped (${tx.stopReason ?? 'no reason'}): its first stop is kept`,
      transactionId: tx.id,
      chargerTransactionId: e.cid,
      connectorId: e.evseId,
    });
  }
  const meterStop = e.reading ?? session.registers.get(tx.id) ?? tx.meterStart;
  // The schema of TransactionType.stoppedReason: "MAY only be omitted when Reason is \"Local\"".
  const stopped = await store.stopTransaction(tx.id, { meterStop, stoppedAt: e.at, stopReason: e.stoppedReason ?? 'Local', stopIdTag: e.token ?? null });
  session.registers.delete(tx.id);
  session.update({ type: 'transactionStopped', at: new Date().toISOString(), transactionId: tx.id });
  session.log.info({ transactionId: tx.id, chargerTransactionId: e.cid, energyWh: stopped?.energyWh ?? null }, 'transaction stopped');
}
