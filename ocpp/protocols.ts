/**
 * The OCPP-J subprotocols spoken (OCPP-J 2.0.1 part 4 §3.1.2 Table 1; `ocpp2.1` from OCPP-J
 * 2.1): their names alone, cheap to load (the registry's store pins a device to one). What each
 * version is, with its schemas: versions.ts.
 */
export const OCPP_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const;
export type OcppProtocol = (typeof OCPP_PROTOCOLS)[number];

export function isOcppProtocol(p: unknown): p is OcppProtocol {
  return typeof p === 'string' && (OCPP_PROTOCOLS as readonly string[]).includes(p);
}
