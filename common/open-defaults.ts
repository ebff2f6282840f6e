/**
 * What a running configuration leaves open (docs/security.md): the all-in-one trial stays open
 * on purpose, and says so in one startup line, so that nobody runs it in production unaware.
 */
import type { Config } from './config.ts';
import type { Role } from './roles.ts';

/** One short phrase per open door, in a stable order; empty when everything is closed. */
export function openDefaults(config: Config, roles: readonly Role[]): string[] {
  const open: string[] = [];
  const has = (r: Role) => roles.includes(r);
  if (has('gateway')) {
    if (config.AUTO_PROVISION) open.push('AUTO_PROVISION=true (unknown chargers are registered)');
    if (config.ACCEPT_UNKNOWN_ID_TAGS) open.push('ACCEPT_UNKNOWN_ID_TAGS=true (unknown ID tags may charge)');
    // TLS_DEV_CA fills the TLS files at start (bin/dev-ca.ts), which logs its own warning.
    if (!config.OCPP_TLS_CERT_FILE && !config.TRUSTED_PROXIES?.length && !config.TLS_DEV_CA) open.push('chargers on plain ws only (no OCPP_TLS_CERT_FILE; TLS_DEV_CA=true for a development CA)');
  }
  if (has('registry') && config.CHARGER_PASSWORDS === 'optional') open.push('CHARGER_PASSWORDS=optional (devices created without a password accept chargers without one)');
  if ((has('registry') || (has('broker') && !config.MQTT_URL)) && !config.TLS_CERT_FILE && !config.TLS_DEV_CA) open.push('HTTP and MQTT without TLS (no TLS_CERT_FILE)');
  return open;
}
