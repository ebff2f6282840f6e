/**
 * Each OCPP version as the central system knows it before any charger speaks it: its family, its
 * schema set (validation and leniency) and the actions a central system may send it (commands).
 * The gateway's protocol adapters (gateway/protocols/) add their handler tables to it; the
 * registry's HTTP API checks a command against it before anything is sent.
 */
import type { SchemaSet } from './schema-set.ts';
import { OCPP16 } from './validate.ts';
import { OCPP201 } from './ocpp201/schemas.ts';
import { OCPP21 } from './ocpp21/schemas.ts';
import { CENTRAL_SYSTEM_ACTIONS } from './v16-types.ts';
import { WHITEPAPER_CENTRAL_SYSTEM_ACTIONS } from './security-whitepaper.ts';
import { CSMS_ACTIONS as CSMS201 } from './ocpp201/types.ts';
import { CSMS_ACTIONS as CSMS21 } from './ocpp21/types.ts';
import type { OcppProtocol } from './protocols.ts';

export interface OcppVersion {
  readonly protocol: OcppProtocol;
  /** The 2.x family (EVSEs, TransactionEvent, string transaction ids). */
  readonly family: '1.6' | '2.x';
  readonly schemas: SchemaSet;
  /** The actions the central system may send (commands). */
  readonly commandActions: ReadonlySet<string>;
}

export const OCPP_VERSIONS: Readonly<Record<OcppProtocol, OcppVersion>> = {
  'ocpp1.6': { protocol: 'ocpp1.6', family: '1.6', schemas: OCPP16, commandActions: new Set([...CENTRAL_SYSTEM_ACTIONS, ...WHITEPAPER_CENTRAL_SYSTEM_ACTIONS]) },
  'ocpp2.0.1': { protocol: 'ocpp2.0.1', family: '2.x', schemas: OCPP201, commandActions: new Set(CSMS201) },
  'ocpp2.1': { protocol: 'ocpp2.1', family: '2.x', schemas: OCPP21, commandActions: new Set(CSMS21) },
};

/** The version of a subprotocol; one that names none is taken as 1.6 (as the gateway serves it). */
export function versionFor(protocol: string): OcppVersion {
  return Object.hasOwn(OCPP_VERSIONS, protocol) ? OCPP_VERSIONS[protocol as OcppProtocol] : OCPP_VERSIONS['ocpp1.6'];
}
