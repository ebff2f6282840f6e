/**
 * The protocol adapters by subprotocol (adapter.ts): adding a version is a sibling folder and
 * one line here.
 */
import type { OcppProtocol } from '../../ocpp/protocols.ts';
import type { ProtocolAdapter } from './adapter.ts';
import { ocpp16 } from './ocpp16/adapter.ts';
import { ocpp201 } from './ocpp201/adapter.ts';
import { ocpp21 } from './ocpp21/adapter.ts';

const ADAPTERS: Readonly<Record<OcppProtocol, ProtocolAdapter>> = { 'ocpp1.6': ocpp16, 'ocpp2.0.1': ocpp201, 'ocpp2.1': ocpp21 };

/** The adapter of a negotiated subprotocol; a connection without one is served as 1.6 (handshake.ts). */
export function adapterFor(protocol: string): ProtocolAdapter {
  return Object.hasOwn(ADAPTERS, protocol) ? ADAPTERS[protocol as OcppProtocol] : ocpp16;
}
