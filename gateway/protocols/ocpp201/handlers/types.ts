import type { HandlerContext } from '../../context.ts';
import type { ChargingStationAction, RequestOf, ResponseOf } from '../../../../ocpp/ocpp201/types.ts';

/** A handler of a charging-station-initiated OCPP 2.0.1 action (2.1 reuses them: its schemas are a superset). */
export type Handler201<A extends ChargingStationAction> = (ctx: HandlerContext, req: RequestOf[A]) => Promise<ResponseOf[A]> | ResponseOf[A];

export type HandlerTable201 = { [A in ChargingStationAction]: Handler201<A> };
