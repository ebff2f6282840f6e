/**
 * The protocol seam: one adapter per OCPP-J subprotocol, chosen at the handshake and held by the
 * session. Dispatch, commands and the handshake ask the session's adapter; nothing else in the
 * gateway branches on the version. Each adapter owns its schema set (validation and leniency),
 * its handler table, and which of its actions carry telemetry, are commands, or are SENDs.
 * The wire spelling of error codes per version is common/ocpp-j/error-codes.ts's, and the
 * framing per version common/ocpp-j/connection.ts's (2.1's message types 5 and 6).
 */
import type { SchemaSet } from '../ocpp/schema-set.ts';
import type { HandlerContext } from './context.ts';

/** The subprotocols spoken (OCPP-J 2.0.1 part 4 §3.1.2 Table 1; `ocpp2.1` from OCPP-J 2.1). */
export const OCPP_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const;
export type OcppProtocol = (typeof OCPP_PROTOCOLS)[number];

export function isOcppProtocol(p: unknown): p is OcppProtocol {
  return typeof p === 'string' && (OCPP_PROTOCOLS as readonly string[]).includes(p);
}

/** A handler of any version: the request arrives validated against that version's schema. */
export type AnyHandler = (ctx: HandlerContext, req: never) => unknown;

export interface ProtocolAdapter {
  readonly protocol: OcppProtocol;
  /** The 2.x family (EVSEs, TransactionEvent, string transaction ids). */
  readonly family: '1.6' | '2.x';
  readonly schemas: SchemaSet;
  /** The handler of an action the charger initiates; undefined when this version has none. */
  handler(action: string): AnyHandler | undefined;
  /** Actions whose answer says their telemetry was kept (acknowledged means durable). */
  readonly telemetryActions: ReadonlySet<string>;
  /** The actions the central system may send (commands). */
  readonly commandActions: ReadonlySet<string>;
}

/** Own keys only: an action named "constructor" or "__proto__" is just unknown. */
export function tableLookup(table: Readonly<Record<string, unknown>>): (action: string) => AnyHandler | undefined {
  return (action) => (Object.hasOwn(table, action) ? (table[action] as AnyHandler) : undefined);
}
