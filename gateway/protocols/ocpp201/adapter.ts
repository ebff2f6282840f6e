/** OCPP 2.0.1 behind the seam (../adapter.ts): its schemas (dereferenced) and its handler table. */
import { tableLookup, type ProtocolAdapter } from '../adapter.ts';
import { handlers201 } from './handlers/index.ts';
import { OCPP201 } from './schemas.ts';
import { CSMS_ACTIONS } from './types.ts';

export const ocpp201: ProtocolAdapter = {
  protocol: 'ocpp2.0.1',
  family: '2.x',
  schemas: OCPP201,
  handler: tableLookup(handlers201),
  // Transaction-related messages (2.0.1 part 4 §4.2.1 / E): answered once their telemetry is kept.
  telemetryActions: new Set(['MeterValues', 'TransactionEvent']),
  commandActions: new Set(CSMS_ACTIONS),
};
