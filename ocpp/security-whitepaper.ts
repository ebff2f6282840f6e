/**
 * The messages the OCPP 1.6 security whitepaper (edition 2, §5) adds to 1.6: ocpp-rpc's 1.6
 * schemas (schemas.ts) have them, so they are validated like every 1.6 message. The generated
 * lists of v16-types.ts are the core profiles' (scripts/gen-ocpp-types.ts); these are the
 * whitepaper's, for the 1.6 version's commands (versions.ts) and the action lists (actions.ts).
 * The gateway's handlers of the charger's ones: gateway/protocols/ocpp16/security-whitepaper.ts.
 */
import type { OcppAction } from './v16-types.ts';

/** §5: what the Central System sends (use cases A02/A03, M03-M05, A02 trigger, L01, N01). */
export const WHITEPAPER_CENTRAL_SYSTEM_ACTIONS = [
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
] as const satisfies readonly OcppAction[];

/** §5: what the Charge Point sends. */
export const WHITEPAPER_CHARGE_POINT_ACTIONS = ['LogStatusNotification', 'SecurityEventNotification', 'SignCertificate', 'SignedFirmwareStatusNotification'] as const satisfies readonly OcppAction[];
