import type { ChargePointAction, RequestOf, ResponseOf } from '../../../../ocpp/v16-types.ts';
import type { HandlerContext } from '../../context.ts';

export type { HandlerContext } from '../../context.ts';

export type Handler<A extends ChargePointAction> = (ctx: HandlerContext, req: RequestOf[A]) => Promise<ResponseOf[A]> | ResponseOf[A];

export type HandlerTable = { [A in ChargePointAction]: Handler<A> };
