/** OCPP 2.0.1 behind the seam (../adapter.ts): the version (ocpp/versions.ts: its dereferenced schemas, its commands) and its handler table. */
import { tableLookup, type ProtocolAdapter } from '../adapter.ts';
import { handlers201 } from './handlers/index.ts';
import { OCPP_VERSIONS } from '../../../ocpp/versions.ts';

export const ocpp201: ProtocolAdapter = {
  ...OCPP_VERSIONS['ocpp2.0.1'],
  handler: tableLookup(handlers201),
  // Transaction-related messages (2.0.1 part 4 §4.2.1 / E): answered once their telemetry is kept.
  telemetryActions: new Set(['MeterValues', 'TransactionEvent']),
};
