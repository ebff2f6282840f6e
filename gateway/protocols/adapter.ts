/**
 * The protocol seam: one adapter per OCPP-J subprotocol, chosen at the handshake and held by the
 * session. Dispatch, commands and the handshake ask the session's adapter; nothing else in the
 * gateway branches on the version. Each adapter is its version's description (ocpp/versions.ts:
 * family, schema set, command actions) with the gateway's handler table and which of its
 * actions carry telemetry.
 * The wire spelling of error codes per version is common/ocpp-j/error-codes.ts's, and the
 * framing per version common/ocpp-j/connection.ts's (2.1's message types 5 and 6).
 */
import type { OcppVersion } from '../../ocpp/versions.ts';
import type { HandlerContext } from './context.ts';

/** A handler of any version: the request arrives validated against that version's schema. */
export type AnyHandler = (ctx: HandlerContext, req: never) => unknown;

export interface ProtocolAdapter extends OcppVersion {
  /** The handler of an action the charger initiates; undefined when this version has none. */
  handler(action: string): AnyHandler | undefined;
  /** Actions whose answer says their telemetry was kept (acknowledged means durable). */
  readonly telemetryActions: ReadonlySet<string>;
}

/** Own keys only: an action named "constructor" or "__proto__" is just unknown. */
export function tableLookup(table: Readonly<Record<string, unknown>>): (action: string) => AnyHandler | undefined {
  return (action) => (Object.hasOwn(table, action) ? (table[action] as AnyHandler) : undefined);
}
