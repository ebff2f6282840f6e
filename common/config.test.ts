import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      OCPP_PORT: 9000,
      HTTP_PORT: 8080,
      MQTT_PORT: 1883,
      DATA_DIR: './data',
      AUTO_PROVISION: true,
      DEFAULT_TENANT: 'admin',
      HEARTBEAT_INTERVAL: 60,
      HEARTBEAT_TOLERANCE: 150,
      OCPP_LENIENT: true,
      OCPP_MAX_QUEUED_COMMANDS: 100,
      MQTT_MAX_CLIENT_QUEUE_BYTES: 8 * 1024 * 1024,
      MQTT_QOS0_DROP_BYTES: 1024 * 1024,
      MQTT_MAX_OFFLINE_MESSAGES: 10_000,
      MQTT_MAX_TENANT_OFFLINE_MESSAGES: 100_000,
      MQTT_AUTH_MAX_FAILURES: 10,
      MQTT_AUTH_MAX_FAILURES_PER_ADDRESS: 50,
      MQTT_AUTH_WINDOW_MS: 60_000,
      MQTT_AUTH_LOCKOUT_MS: 300_000,
    });
  });

  it('ignores empty values and unrelated variables, and is frozen', () => {
    const c = loadConfig({ OCPP_PORT: '', PATH: '/bin' });
    expect(c.OCPP_PORT).toBe(9000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable at once, by name', () => {
    try {
      loadConfig({ OCPP_PORT: 'x', AUTO_PROVISION: 'maybe', DEFAULT_TENANT: 'a/b', MQTT_URL: 'http://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names.sort()).toEqual(['AUTO_PROVISION', 'DEFAULT_TENANT', 'MQTT_URL', 'OCPP_PORT']);
    }
  });

  it('names a bad secret without showing it, and masks the password of a bad URL', () => {
    let problems: string[] = [];
    try {
      loadConfig({ API_TOKEN: 'my-secret-tok', DATABASE_URL: 'mysql://admin:hunter2-pw@db/x', MQTT_URL: 'http://u:pw-in-url@broker' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'MQTT_URL']);
    const text = problems.join('\n');
    for (const secret of ['my-secret-tok', 'hunter2-pw', 'pw-in-url']) expect(text).not.toContain(secret);
    expect(text).toContain('mysql://admin:***@db/x');
  });

  it.each([
    [{ INFLUX_URL: 'http://influx:8086' }, 'INFLUX_DATABASE'],
    [{ INFLUX_URL: 'http://influx:8086', INFLUX_BUCKET: 'b' }, 'INFLUX_TOKEN'],
    [{ API_TOKEN: 'short' }, 'API_TOKEN'],
    [{ OCPP_PORT: '70000' }, 'OCPP_PORT'],
    [{ OCPP_MAX_QUEUED_COMMANDS: '-1' }, 'OCPP_MAX_QUEUED_COMMANDS'],
    [{ MQTT_QOS0_DROP_BYTES: String(2 << 20), MQTT_MAX_CLIENT_QUEUE_BYTES: String(1 << 20) }, 'MQTT_QOS0_DROP_BYTES'],
    [{ MQTT_MAX_CLIENT_QUEUE_BYTES: '1000' }, 'MQTT_MAX_CLIENT_QUEUE_BYTES'],
    [{ MQTT_AUTH_MAX_FAILURES: '0' }, 'MQTT_AUTH_MAX_FAILURES'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}:`));
  });

  describe('MQTT_TOPIC_LAYOUT', () => {
    it('is dojot unless tenant-level is chosen', () => {
      expect(loadConfig({}).MQTT_TOPIC_LAYOUT).toBe('dojot');
      expect(loadConfig({ MQTT_TOPIC_LAYOUT: 'tenant-level' }).MQTT_TOPIC_LAYOUT).toBe('tenant-level');
    });

    it.each([
      [{ MQTT_TOPIC_LAYOUT: 'slash' }, /^MQTT_TOPIC_LAYOUT: expected dojot or tenant-level/],
      // the first level of chargebridge's own topics (chargebridge/alerts/control, ...)
      [{ MQTT_TOPIC_LAYOUT: 'tenant-level', DEFAULT_TENANT: 'chargebridge' }, /^DEFAULT_TENANT: "chargebridge" is reserved with MQTT_TOPIC_LAYOUT=tenant-level/],
      [{ DEFAULT_TENANT: 'a/b' }, /^DEFAULT_TENANT: letters, digits/],
      [{ DEFAULT_TENANT: 'a+' }, /^DEFAULT_TENANT: letters, digits/],
      [{ DEFAULT_TENANT: '#' }, /^DEFAULT_TENANT: letters, digits/],
      [{ MQTT_AUTH_HOOK_SECRET: 'short' }, /^MQTT_AUTH_HOOK_SECRET: at least 16 characters$/],
    ])('refuses %o', (env, line) => {
      try {
        loadConfig(env);
        expect.unreachable();
      } catch (err) {
        expect((err as ConfigError).problems).toEqual([expect.stringMatching(line)]);
      }
    });

    it('takes MQTT_AUTH_HOOK_SECRET from a file', () => {
      expect(loadConfig({ MQTT_AUTH_HOOK_SECRET_FILE: '/run/secrets/hook' }, () => 'a-hook-secret-0123456789\n').MQTT_AUTH_HOOK_SECRET).toBe('a-hook-secret-0123456789');
    });
  });

  describe('secrets', () => {
    it('reads <NAME>_FILE for every secret, dropping one trailing newline', () => {
      const files: Record<string, string> = { '/run/secrets/token': 'file-token-0123456789abcdef\n', '/run/secrets/db': 'postgres://u:p@db/x' };
      const c = loadConfig({ API_TOKEN_FILE: '/run/secrets/token', DATABASE_URL_FILE: '/run/secrets/db' }, (f) => {
        const v = files[f];
        if (v === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return v;
      });
      expect(c.API_TOKEN).toBe('file-token-0123456789abcdef');
      expect(c.DATABASE_URL).toBe('postgres://u:p@db/x');
    });

    it.each([
      [{ API_TOKEN_FILE: '/missing' }, /^API_TOKEN_FILE: cannot read "\/missing" \(ENOENT\)$/],
      [{ API_TOKEN: 'a-token-of-enough-length', API_TOKEN_FILE: '/x' }, /^API_TOKEN_FILE: set either API_TOKEN or API_TOKEN_FILE/],
    ])('refuses %o with one line naming the variable', (env, line) => {
      try {
        loadConfig(env, () => {
          throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        });
        expect.unreachable();
      } catch (err) {
        expect((err as ConfigError).problems).toEqual([expect.stringMatching(line)]);
      }
    });

    it('never echoes a secret in an error', () => {
      try {
        loadConfig({ API_TOKEN: 'short-secret', DATABASE_URL: 'mysql://user:hunter2@db/x', INFLUX_PASSWORD: '' });
        expect.unreachable();
      } catch (err) {
        const msg = (err as ConfigError).message;
        expect(msg).toMatch(/API_TOKEN:/);
        expect(msg).toMatch(/DATABASE_URL:/);
        expect(msg).not.toMatch(/short-secret|hunter2/);
      }
    });
  });

  it('signs CSRs for 365 days when a CA is given; without one, no mode', () => {
    expect(loadConfig({}).OCPP_CSR_VALIDITY_DAYS).toBe(365);
    expect(loadConfig({}).OCPP_CSR_MODE).toBeUndefined();
    expect(loadConfig({ OCPP_CSR_MODE: 'forward' }).OCPP_CSR_MODE).toBe('forward');
  });

  describe('TLS and trusted proxies', () => {
    it('takes addresses and CIDR blocks', () => {
      expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.5, 192.168.0.0/16,::1' }).TRUSTED_PROXIES).toEqual(['10.0.0.5', '192.168.0.0/16', '::1']);
    });

    it.each([
      [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
      [{ TRUSTED_PROXIES: 'proxy.local' }, 'TRUSTED_PROXIES'],
      [{ OCPP_TLS_CERT_FILE: '/c.pem' }, 'OCPP_TLS_KEY_FILE'],
      [{ TLS_KEY_FILE: '/k.pem' }, 'TLS_CERT_FILE'],
      [{ OCPP_TLS_CERT_FILE: '/ec.pem,/rsa.pem', OCPP_TLS_KEY_FILE: '/ec.key' }, 'OCPP_TLS_KEY_FILE'],
      [{ OCPP_TLS_CERT_FILE: '/c', OCPP_TLS_KEY_FILE: '/k', OCPP_TLS_PORT: '9000' }, 'OCPP_TLS_PORT'],
      [{ OCPP_PROXY_CERT_HEADER: 'x ssl' }, 'OCPP_PROXY_CERT_HEADER'],
      [{ OCPP_CSR_CA_CERT_FILE: '/ca.pem' }, 'OCPP_CSR_CA_KEY_FILE'],
      [{ OCPP_CSR_CA_KEY_FILE: '/ca.key' }, 'OCPP_CSR_CA_CERT_FILE'],
      [{ OCPP_CSR_MODE: 'sign' }, 'OCPP_CSR_MODE'],
      [{ OCPP_CSR_MODE: 'forward', OCPP_CSR_CA_CERT_FILE: '/ca.pem', OCPP_CSR_CA_KEY_FILE: '/ca.key' }, 'OCPP_CSR_MODE'],
      [{ OCPP_CSR_MODE: 'relay' }, 'OCPP_CSR_MODE'],
      [{ OCPP_CSR_VALIDITY_DAYS: '0' }, 'OCPP_CSR_VALIDITY_DAYS'],
    ])('refuses %o naming %s', (env, name) => {
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}:`));
    });
  });
});
