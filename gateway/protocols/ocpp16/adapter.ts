/**
 * OCPP 1.6J behind the seam (adapter.ts): its schemas, its handler table (./handlers/, one file
 * per 1.6 action), and the security whitepaper's messages (./security-whitepaper.ts).
 */
import { handlers } from './handlers/index.ts';
import { whitepaperHandlers } from './security-whitepaper.ts';
import { OCPP_VERSIONS } from '../../../ocpp/versions.ts';
import { tableLookup, type ProtocolAdapter } from '../adapter.ts';

export const ocpp16: ProtocolAdapter = {
  ...OCPP_VERSIONS['ocpp1.6'],
  handler: tableLookup({ ...handlers, ...whitepaperHandlers }),
  // OCPP 1.6 §3.7 (transaction-related messages) and §4.7 (MeterValues).
  telemetryActions: new Set(['MeterValues', 'StartTransaction', 'StopTransaction']),
};
