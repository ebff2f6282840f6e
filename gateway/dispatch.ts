/**
 * Every CALL a charger sends goes through here: presence, validation (strict or lenient),
 * the handler from the table, and one `events` message per exchange (interface.md).
 * Handlers throw ocpp-rpc errors; ocpp-rpc turns them into the CALLERROR frame and the
 * connection stays up.
 */
import { createRPCError } from 'ocpp-rpc';
import { wireCode } from '../common/ocpp-j/error-codes.ts';
import type { Config } from '../common/config.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';
import { handlers } from './handlers/index.ts';
import type { Handler, HandlerContext } from './handlers/types.ts';
import { checkRequest } from './ocpp/leniency.ts';
import type { OcppError } from './payloads.ts';
import type { ChargerSession } from './session.ts';

const table = handlers as unknown as Record<string, Handler<never> | undefined>;

export interface Call {
  method: string;
  params: unknown;
  messageId: string;
  /** The request's JSON text as received, published in the event as is (payloads.ts). */
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

export function createDispatcher(deps: { store: RegistryStore; config: Config }) {
  const { store, config } = deps;

  return async function dispatch(session: ChargerSession, call: Call): Promise<unknown> {
    const receivedMs = Date.now();
    session.touch(receivedMs);
    let response: unknown;
    let error: OcppError | undefined;
    try {
      const handler = table[call.method];
      if (!handler) throw createRPCError('NotImplemented', `Unable to handle '${call.method}' calls`);
      const lenient = session.device.lenient ?? config.OCPP_LENIENT;
      const checked = checkRequest(call.method, call.params, lenient);
      if (!checked.ok || checked.deviations.length) {
        session.event({
          type: 'protocolWarning',
          action: call.method,
          messageId: call.messageId,
          deviations: checked.deviations,
          ...(checked.ok ? {} : { error: { code: (checked.error as RpcErrorLike).rpcErrorCode, message: (checked.error as Error).message } }),
        });
      }
      if (!checked.ok) throw checked.error;
      const ctx: HandlerContext = { session, store, config, messageId: call.messageId };
      response = await (handler as unknown as Handler<'Heartbeat'>)(ctx, checked.params as never);
      return response;
    } catch (err) {
      if (isRpcError(err)) {
        // The event names the code the charger actually received.
        error = { code: wireCode(session.protocol, err.rpcErrorCode), message: err.message.slice(0, 255) };
        throw err;
      }
      // A storage failure during a transaction message: InternalError makes the charger retry
      // it later (OCPP 1.6 §3.7 "Transaction-related messages"), so nothing is lost.
      session.log.error({ err, action: call.method }, 'handler failed');
      error = { code: 'InternalError', message: 'internal error' };
      throw createRPCError('InternalError', 'internal error');
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
    }
  };
}
