/**
 * Every CALL a charger sends goes through here (presence was counted by the connection as the
 * frame arrived: charger-connection.ts): validation (strict or lenient),
 * the handler from the table of the session's protocol adapter (protocols/adapter.ts), and one
 * `events` message per exchange (interface.md).
 * Handlers throw ocpp-rpc errors; ocpp-rpc turns them into the CALLERROR frame and the
 * connection stays up.
 */
import { createRPCError } from 'ocpp-rpc';
import { wireCode } from '../common/ocpp-j/error-codes.ts';
import type { Config } from '../common/config.ts';
import type { GatewayStore } from './store-port.ts';
import type { Handler } from './protocols/ocpp16/handlers/types.ts';
import type { HandlerContext } from './protocols/context.ts';
import { checkRequest } from '../ocpp/leniency.ts';
import type { OcppError } from '../contracts/payloads.ts';
import type { ChargerSession } from './session.ts';
import type { TelemetrySink } from './telemetry-sink.ts';
import type { CertificateService } from './certificates/service.ts';
import { storageProblem } from '../common/health.ts';
import { JournalUnavailableError } from '../common/journal/journal.ts';
import { observeCall } from './metrics.ts';

export interface Call {
  method: string;
  params: unknown;
  messageId: string;
  /** The request's JSON text as received, published in the event as is (contracts/payloads.ts). */
  payloadText?: string | undefined;
}

interface RpcErrorLike {
  rpcErrorCode: string;
  message: string;
}

function isRpcError(err: unknown): err is RpcErrorLike & Error {
  return err instanceof Error && typeof (err as Partial<RpcErrorLike>).rpcErrorCode === 'string';
}

/** A refused request's text larger than this is not repeated in its event (the frame may be MiBs). */
const MAX_REFUSED_REQUEST_TEXT = 16 * 1024;

/**
 * OCPP 2.0.1 B02.FR.09 / B03.FR.07 (TC_B_30_CSMS): while its boot is Pending or Rejected a
 * station may send nothing but BootNotification, or (Pending) what GetBaseReport, GetReport and
 * TriggerMessage asked for; anything else is answered SecurityError. 1.6 chargers are not held
 * to it (1.6 §4.2 says the same, but field chargers send StatusNotification regardless and
 * refusing it would lose the state).
 */
function refusedBeforeAcceptance(session: ChargerSession, action: string): boolean {
  if (session.adapter.family !== '2.x' || action === 'BootNotification') return false;
  const r = session.shadow.registration;
  if (r === 'Rejected') return true;
  return r === 'Pending' && action !== 'NotifyReport' && !session.triggered.has(action);
}

export function createDispatcher(deps: { store: GatewayStore; config: Config; telemetry: TelemetrySink; certificates?: CertificateService | undefined }) {
  const { store, config, telemetry, certificates } = deps;

  return async function dispatch(session: ChargerSession, call: Call): Promise<unknown> {
    const receivedMs = Date.now();
    const startPerf = performance.now();
    let publishedPerf: number | null = null;
    let response: unknown;
    let error: OcppError | undefined;
    try {
      const adapter = session.adapter;
      const handler = adapter.handler(call.method);
      if (!handler) throw createRPCError('NotImplemented', `Unable to handle '${call.method}' calls`);
      if (refusedBeforeAcceptance(session, call.method)) throw createRPCError('SecurityError', `${call.method} before the BootNotification was accepted (registration ${session.shadow.registration})`);
      const lenient = session.device.lenient ?? config.OCPP_LENIENT;
      const checked = checkRequest(call.method, call.params, lenient, adapter.schemas);
      if (!checked.ok || checked.deviations.length) {
        session.event({
          type: 'protocolWarning',
          action: call.method,
          messageId: call.messageId,
          deviations: checked.deviations,
          // The code the charger received (its protocol's spelling), as in the `ocpp` event.
          ...(checked.ok ? {} : { error: { code: wireCode(session.protocol, (checked.error as RpcErrorLike).rpcErrorCode), message: (checked.error as Error).message } }),
        });
      }
      if (!checked.ok) throw checked.error;
      // Refused before any work when the telemetry cannot be kept (a full disk): the charger
      // retries a transaction-related message later (OCPP 1.6 §3.7) and keeps what it sampled.
      const refusal = adapter.telemetryActions.has(call.method) ? telemetry.refusal : null;
      if (refusal) throw createRPCError('InternalError', `telemetry cannot be stored now (${refusal.code}); retry later`);
      const ctx: HandlerContext = { session, store, config, messageId: call.messageId, certificates };
      session.takeTicket();
      response = await (handler as unknown as Handler<'Heartbeat'>)(ctx, checked.params as never);
      // Acknowledged means durable: the answer waits for the attrs this exchange produced.
      const ticket = session.takeTicket();
      if (ticket) publishedPerf = performance.now();
      const kept = ticket && telemetry.settled(ticket);
      if (kept) await kept;
      return response;
    } catch (err) {
      if (isRpcError(err)) {
        // The event names the code the charger actually received.
        error = { code: wireCode(session.protocol, err.rpcErrorCode), message: err.message.slice(0, 255) };
        throw err;
      }
      // A storage failure during a transaction message: InternalError makes the charger retry
      // it later (OCPP 1.6 §3.7 "Transaction-related messages"), so nothing is lost. A full or
      // read-only disk is logged once by the component that hit it (common/health.ts), not
      // once per frame.
      const storage = storageProblem(err, call.method) ?? (err instanceof JournalUnavailableError ? err.problem : null);
      if (storage) session.log.debug({ code: storage.code, action: call.method }, 'storage unavailable: answered InternalError');
      else session.log.error({ err, action: call.method }, 'handler failed');
      const message = storage ? `storage unavailable (${storage.code}); retry later` : 'internal error';
      error = { code: 'InternalError', message };
      throw createRPCError('InternalError', message);
    } finally {
      let requestText = call.payloadText;
      if (error && requestText !== undefined && requestText.length > MAX_REFUSED_REQUEST_TEXT) requestText = JSON.stringify(`${requestText.slice(0, 1024)}… (${requestText.length} characters)`);
      session.ocppEvent(
        {
          type: 'ocpp',
          direction: 'in',
          action: call.method,
          messageId: call.messageId,
          request: call.params,
          ...(error ? { error } : { response }),
          receivedAt: new Date(receivedMs).toISOString(),
          respondedAt: new Date().toISOString(),
        },
        requestText,
      );
      observeCall(call.method, error?.code ?? 'ok', startPerf, publishedPerf);
    }
  };
}
