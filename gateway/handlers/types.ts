import type { Config } from '../../common/config.ts';
import type { RegistryStore } from '../../device-registry/store/types.ts';
import type { ChargePointAction, RequestOf, ResponseOf } from '../ocpp/v16-types.ts';
import type { ChargerSession } from '../session.ts';

/** What a handler may use: its charger's session, the registry and the configuration. */
export interface HandlerContext {
  session: ChargerSession;
  store: RegistryStore;
  config: Config;
  /** The OCPP message id, for events that refer to the exchange. */
  messageId: string;
}

export type Handler<A extends ChargePointAction> = (ctx: HandlerContext, req: RequestOf[A]) => Promise<ResponseOf[A]> | ResponseOf[A];

export type HandlerTable = { [A in ChargePointAction]: Handler<A> };
