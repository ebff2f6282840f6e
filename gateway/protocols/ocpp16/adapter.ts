/**
 * OCPP 1.6J behind the seam (adapter.ts): its schemas, its handler table (./handlers/, one file
 * per 1.6 action), and the security whitepaper's messages (./security-whitepaper.ts).
 */
import { handlers } from './handlers/index.ts';
import { WHITEPAPER_CENTRAL_SYSTEM_ACTIONS, whitepaperHandlers } from './security-whitepaper.ts';
import { CENTRAL_SYSTEM_ACTIONS } from '../../ocpp/v16-types.ts';
import { OCPP16 } from '../../ocpp/validate.ts';
import { tableLookup, type ProtocolAdapter } from '../adapter.ts';

export const ocpp16: ProtocolAdapter = {
  protocol: 'ocpp1.6',
  family: '1.6',
  schemas: OCPP16,
  handler: tableLookup({ ...handlers, ...whitepaperHandlers }),
  // OCPP 1.6 §3.7 (transaction-related messages) and §4.7 (MeterValues).
  telemetryActions: new Set(['MeterValues', 'StartTransaction', 'StopTransaction']),
  commandActions: new Set([...CENTRAL_SYSTEM_ACTIONS, ...WHITEPAPER_CENTRAL_SYSTEM_ACTIONS]),
};
