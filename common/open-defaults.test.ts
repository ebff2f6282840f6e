import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ALL_ROLES } from './roles.ts';
import { openDefaults } from './open-defaults.ts';

describe('openDefaults (issue 18: the trial stays open and says so)', () => {
  it('names every open door of the all-in-one defaults', () => {
    expect(openDefaults(loadConfig({}), ALL_ROLES)).toEqual([
      'AUTO_PROVISION=true (unknown chargers are registered)',
      'ACCEPT_UNKNOWN_ID_TAGS=true (unknown ID tags may charge)',
      'chargers on plain ws only (no OCPP_TLS_CERT_FILE; TLS_DEV_CA=true for a development CA)',
      'CHARGER_PASSWORDS=optional (devices created without a password accept chargers without one)',
      'HTTP and MQTT without TLS (no TLS_CERT_FILE)',
    ]);
  });

  it.each([
    ['closed', { AUTO_PROVISION: 'false', ACCEPT_UNKNOWN_ID_TAGS: 'false', CHARGER_PASSWORDS: 'generate', OCPP_TLS_CERT_FILE: '/c', OCPP_TLS_KEY_FILE: '/k', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k' }, ALL_ROLES, 0],
    ['TLS at a trusted proxy counts for chargers', { AUTO_PROVISION: 'false', ACCEPT_UNKNOWN_ID_TAGS: 'false', CHARGER_PASSWORDS: 'generate', TRUSTED_PROXIES: '10.0.0.1', TLS_CERT_FILE: '/c', TLS_KEY_FILE: '/k' }, ALL_ROLES, 0],
    ['TLS_DEV_CA counts as TLS everywhere (it warns by itself)', { AUTO_PROVISION: 'false', ACCEPT_UNKNOWN_ID_TAGS: 'false', CHARGER_PASSWORDS: 'generate', TLS_DEV_CA: 'true' }, ALL_ROLES, 0],
    ['a history-only process has no door', {}, ['history'] as const, 0],
    ['a gateway behind an external broker: its own doors only', { MQTT_URL: 'mqtt://b' }, ['gateway'] as const, 3],
  ])('%s', (_name, env, roles, n) => {
    expect(openDefaults(loadConfig(env as Record<string, string>), roles)).toHaveLength(n);
  });
});
