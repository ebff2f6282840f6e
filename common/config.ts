import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { RESERVED_TENANTS, TOPIC_LAYOUTS } from './topic-layout.ts';

/**
 * The one configuration schema. `loadConfig(env)` is pure: it reads only the object it is
 * given (nothing else in the code base reads process.env), reports every problem at once and
 * returns a frozen value. See docs/configuration.md for every variable.
 */

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const seconds = z.coerce.number().positive();
const file = z.string().min(1);
/** Addresses or CIDR blocks, comma-separated: `10.0.0.5, 192.168.0.0/16, ::1`. */
const addressList = z
  .string()
  .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a !== ''))
  .superRefine((list, ctx) => {
    for (const a of list) {
      const [ip, bits, extra] = a.split('/');
      const family = isIP(ip ?? '');
      const max = family === 6 ? 128 : 32;
      if (!family || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(a)} is not an IP address or CIDR block` });
      }
    }
  });
// A tenant is the first half of the `{tenant}:{deviceId}` topic level (or its own level in the
// tenant-level layout), and the MQTT username: it must not contain topic separators (`/`),
// wildcards (`+`, `#`), the colon or a leading `$`, which this grammar excludes in both layouts.
export const tenantName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1-64)');

const schema = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    OCPP_PORT: port.default(9000),
    HTTP_PORT: port.default(8080),
    MQTT_PORT: port.default(1883),
    /** HTTP requests that may start their work in one event-loop turn (device-registry/http/admission.ts). */
    HTTP_REQUESTS_PER_TURN: z.coerce.number().int().min(1).max(1000).default(1),
    /** HTTP requests that may wait for a turn; past it 503 OVERLOADED. */
    HTTP_MAX_QUEUED_REQUESTS: z.coerce.number().int().min(0).default(2048),
    MQTT_URL: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|tls):\/\/.+/, 'expected mqtt://, mqtts://, ws:// or wss:// URL')
      .optional(),
    /**
     * Device topics: `dojot` `{tenant}:{deviceId}/attrs`, or `tenant-level` `{tenant}/{deviceId}/attrs`,
     * which standard broker ACLs can confine per tenant (contracts/topics.ts, docs/mqtt.md).
     */
    MQTT_TOPIC_LAYOUT: z.enum(TOPIC_LAYOUTS, { message: 'expected dojot or tenant-level' }).default('dojot'),
    /**
     * The shared secret the broker sends in `X-Chargebridge-Hook-Secret` to the registry's MQTT
     * authentication and authorization hooks (POST /hooks/mqtt/authenticate and /hooks/mqtt/authorize: EMQX); unset, those
     * routes are not registered (404).
     */
    MQTT_AUTH_HOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
    /** Credentials for MQTT_URL (an external broker). */
    MQTT_USERNAME: z.string().min(1).optional(),
    MQTT_PASSWORD: z.string().min(1).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    API_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    /** A bearer token that may read GET /metrics and nothing else (a Prometheus scraper's). */
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    AUTO_PROVISION: bool.default(true),
    DEFAULT_TENANT: tenantName.default('admin'),
    // POST /devices without ocppPassword: `generate` gives the device a random password, shown once
    // in the 201 answer (docs/api.md); `optional` leaves it without one (profile 1 then accepts
    // the charger without a password). The trial stays open; the compose file says `generate`.
    CHARGER_PASSWORDS: z.enum(['generate', 'optional']).default('optional'),
    ACCEPT_UNKNOWN_ID_TAGS: bool.default(true),
    /** BootNotification.conf interval (OCPP 1.6 §4.2), seconds. */
    HEARTBEAT_INTERVAL: z.coerce.number().int().positive().default(60),
    /** BootNotification.conf status for enabled devices (OCPP 1.6 §7.38 RegistrationStatus). */
    BOOT_REGISTRATION_STATUS: z.enum(['Accepted', 'Pending', 'Rejected']).default('Accepted'),
    /** Silence (no frame at all) after which a charger is flagged offline; default 2.5 × interval. */
    HEARTBEAT_TOLERANCE: seconds.optional(),
    /** WebSocket ping interval, seconds; 0 disables. Reaps sockets that died without a close frame. */
    WS_PING_INTERVAL: z.coerce.number().min(0).default(30),
    OCPP_LENIENT: bool.default(true),
    /**
     * The OCPP-J subprotocols accepted, comma-separated (gateway/protocols/adapter.ts); a charger
     * offering several gets its device's `ocppProtocol`, else its own first choice among these.
     */
    OCPP_PROTOCOLS: z
      .string()
      .default('ocpp1.6,ocpp2.0.1,ocpp2.1')
      .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a !== ''))
      .pipe(z.array(z.enum(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'], { message: 'expected ocpp1.6, ocpp2.0.1 or ocpp2.1' })).min(1, 'at least one subprotocol')),
    OCPP_CALL_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    /** Commands that may wait per charger behind the one on the wire; past it a command is answered `busy`. */
    OCPP_MAX_QUEUED_COMMANDS: z.coerce.number().int().min(0).default(100),
    /** CALLs of one charger in handling at once (OCPP-J 1.6 §4.1.1: 1); past it its socket is not read until an answer is sent. */
    OCPP_MAX_INFLIGHT_CALLS: z.coerce.number().int().min(1).max(100).default(1),
    /** Largest OCPP-J frame accepted, bytes; a bigger one closes the socket with 1009. */
    OCPP_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
    /** Unacknowledged publishes past which answers to chargers wait for the broker (gateway/backpressure.ts). */
    GATEWAY_MAX_PENDING_PUBLISHES: z.coerce.number().int().positive().default(10_000),
    /** Bytes waiting for one MQTT client past which it is disconnected (broker/outbox.ts). */
    MQTT_MAX_CLIENT_QUEUE_BYTES: z.coerce.number().int().min(64 * 1024).default(8 * 1024 * 1024),
    /** Bytes waiting for one MQTT client past which its QoS 0 deliveries are dropped. */
    MQTT_QOS0_DROP_BYTES: z.coerce.number().int().min(16 * 1024).default(1024 * 1024),
    /** QoS 1 messages one persistent MQTT session holds, queued or unacknowledged (broker/session-queues.ts). */
    MQTT_MAX_OFFLINE_MESSAGES: z.coerce.number().int().positive().default(10_000),
    /** The same, summed over all persistent sessions of one tenant. */
    MQTT_MAX_TENANT_OFFLINE_MESSAGES: z.coerce.number().int().positive().default(100_000),
    /** Topics with a retained message the embedded broker keeps, in memory and in DATA_DIR/retained.db (broker/retained-store.ts). */
    MQTT_MAX_RETAINED_MESSAGES: z.coerce.number().int().positive().default(100_000),
    /** Bytes of their topics and payloads. */
    MQTT_MAX_RETAINED_BYTES: z.coerce.number().int().min(64 * 1024).default(128 * 1024 * 1024),
    /** Failed charger authentications per identity within OCPP_AUTH_WINDOW_MS that lock it out (gateway/handshake.ts). */
    OCPP_AUTH_MAX_FAILURES: z.coerce.number().int().positive().default(10),
    /** The same per remote address (refused passwords and unknown identities); 0: no limit per address. */
    OCPP_AUTH_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(0).default(50),
    OCPP_AUTH_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
    OCPP_AUTH_LOCKOUT_MS: z.coerce.number().int().positive().default(300_000),
    /** Failed MQTT logins per username within MQTT_AUTH_WINDOW_MS that lock it out (common/login-throttle.ts). */
    MQTT_AUTH_MAX_FAILURES: z.coerce.number().int().positive().default(10),
    /** The same per remote address; 0 disables the limit per address. */
    MQTT_AUTH_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(0).default(50),
    MQTT_AUTH_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
    MQTT_AUTH_LOCKOUT_MS: z.coerce.number().int().positive().default(300_000),
    INFLUX_URL: z.url().optional(),
    INFLUX_DATABASE: z.string().min(1).optional(),
    INFLUX_USERNAME: z.string().min(1).optional(),
    INFLUX_PASSWORD: z.string().min(1).optional(),
    INFLUX_TOKEN: z.string().min(1).optional(),
    INFLUX_ORG: z.string().min(1).optional(),
    INFLUX_BUCKET: z.string().min(1).optional(),
    /** Days the embedded time-series store keeps (no InfluxDB configured). */
    // The history role's MQTT client id against an external broker: a persistent session under a
    // stable id, so telemetry published while the history process is down waits in the broker.
    HISTORY_CLIENT_ID: z.string().min(1).max(64).regex(/^[\w.-]+$/, 'letters, digits, _ . - only').default('chargebridge-history'),
    HISTORY_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
    /** Days the OCPP message log keeps (docs/message-log.md); whole days are dropped. */
    MESSAGE_LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
    /**
     * The nice value of the history and message-log writer threads of the all-in-one process
     * (Linux; 0 leaves them at the process's priority): under CPU contention the OCPP gateway's
     * and the broker's threads run first (common/threads/priority.ts, docs/runtime.md).
     */
    WRITER_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** Events received and not yet stored by the message log's writer; past it new events are dropped and counted. */
    MESSAGE_LOG_MAX_BACKLOG: z.coerce.number().int().min(100).default(50_000),
    /** Most events one POST /message-log/replay republishes (the answer says where to go on). */
    MESSAGE_LOG_REPLAY_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres:// URL').optional(),
    /** Seconds a SIGTERM/SIGINT shutdown may take (docs/reliability.md); a second signal exits at once. */
    SHUTDOWN_TIMEOUT: z.coerce.number().positive().max(3600).default(10),
    /** Most bytes of telemetry the journal keeps for the history role before MeterValues are refused. */
    JOURNAL_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).default(1024 * 1024 * 1024),
    /** Central System certificate and key for chargers (wss, OCPP security profiles 2 and 3), PEM files. */
    OCPP_TLS_CERT_FILE: file.optional(),
    OCPP_TLS_KEY_FILE: file.optional(),
    /** CA(s) that issue charger certificates (profile 3); PEM, several may be concatenated. */
    OCPP_TLS_CA_FILE: file.optional(),
    /** The wss listener, beside the plain ws one on OCPP_PORT. */
    OCPP_TLS_PORT: port.default(9443),
    /** When set, a profile-3 certificate's O (organizationName) must equal it (whitepaper A00.FR.404). */
    OCPP_TLS_ORGANIZATION: z.string().min(1).optional(),
    /**
     * The CA that signs chargers' CSRs (SignCertificate, whitepaper A02/A03; gateway/certificates/):
     * its certificate (then the CAs above it, if any, sent along in CertificateSigned) and its key, PEM.
     */
    OCPP_CSR_CA_CERT_FILE: file.optional(),
    OCPP_CSR_CA_KEY_FILE: file.optional(),
    /** Days a certificate signed for a charger is valid (never past the signing CA's own end). */
    OCPP_CSR_VALIDITY_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    /** What a SignCertificate gets: `sign` (the default with a CA), `forward` (to the platform, `events`), `reject` (the default without). */
    OCPP_CSR_MODE: z.enum(['sign', 'forward', 'reject']).optional(),
    /** Certificate and key for the HTTP and embedded MQTT listeners (HTTPS, wss /mqtt, MQTT over TLS). */
    TLS_CERT_FILE: file.optional(),
    TLS_KEY_FILE: file.optional(),
    /**
     * TLS without certificate files (bin/dev-ca.ts): a development CA and a server certificate
     * generated once into DATA_DIR/dev-ca/, for every TLS variable left unset. docker-compose.yml sets it.
     */
    TLS_DEV_CA: bool.default(false),
    /** Names (DNS names or IP addresses, comma-separated) the development server certificate is for, beside localhost; the first is its CN. */
    TLS_DEV_CA_NAMES: z
      .string()
      .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a !== ''))
      .pipe(z.array(z.string().regex(/^[A-Za-z0-9.:*-]{1,253}$/, 'a DNS name or IP address')))
      .optional(),
    /** Seconds between checks of every TLS file for a change (reloaded without a restart). */
    TLS_RELOAD_INTERVAL: seconds.default(30),
    /** Reverse proxies whose X-Forwarded-For, X-Forwarded-Proto and client-certificate header are believed. */
    TRUSTED_PROXIES: addressList.optional(),
    /** The header a trusted proxy puts the charger's client certificate in (URL-encoded PEM, nginx `$ssl_client_escaped_cert`). */
    OCPP_PROXY_CERT_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name').transform((h) => h.toLowerCase()).default('x-ssl-client-cert'),
    /** How often the alerts role re-evaluates its time-based rules (offline for N s, ...), ms. */
    ALERTS_EVALUATE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** Alert deliveries (webhook, e-mail) waiting at once; past it the oldest is dropped and kept as failed (QUEUE_FULL). */
    ALERTS_MAX_PENDING_DELIVERIES: z.coerce.number().int().min(1).default(1000),
    /** Attempts per delivery before it is kept as failed. */
    ALERTS_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    /** First retry delay, ms; doubled per attempt up to ALERTS_DELIVERY_BACKOFF_MAX_MS. */
    ALERTS_DELIVERY_BACKOFF_MS: z.coerce.number().int().min(1).default(1000),
    ALERTS_DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(300_000),
    /** A webhook that has not answered within this is a failed attempt, ms. */
    ALERTS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Days cleared alerts and finished deliveries are kept in the registry. */
    ALERTS_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
    /** SMTP server for e-mail alert targets: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465. */
    SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, 'expected smtp:// or smtps:// URL').optional(),
    SMTP_FROM: z.string().min(3).default('chargebridge <chargebridge@localhost>'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.MQTT_QOS0_DROP_BYTES > c.MQTT_MAX_CLIENT_QUEUE_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['MQTT_QOS0_DROP_BYTES'], message: 'must not exceed MQTT_MAX_CLIENT_QUEUE_BYTES (QoS 0 is dropped before a client is disconnected)' });
    }
    if (c.INFLUX_URL && !c.INFLUX_DATABASE && !c.INFLUX_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_DATABASE'], message: 'INFLUX_URL needs INFLUX_DATABASE (1.x) or INFLUX_BUCKET (2.x)' });
    }
    if (c.OCPP_TLS_CERT_FILE && c.OCPP_TLS_PORT !== 0 && c.OCPP_TLS_PORT === c.OCPP_PORT) {
      ctx.addIssue({ code: 'custom', path: ['OCPP_TLS_PORT'], message: 'must differ from OCPP_PORT (ws and wss are two listeners)' });
    }
    for (const [cert, key] of [['OCPP_TLS_CERT_FILE', 'OCPP_TLS_KEY_FILE'], ['TLS_CERT_FILE', 'TLS_KEY_FILE']] as const) {
      if ((c[cert] === undefined) !== (c[key] === undefined)) ctx.addIssue({ code: 'custom', path: [c[cert] ? key : cert], message: `${cert} and ${key} go together` });
      // Several pairs (an RSA and an ECDSA certificate), comma-separated, in the same order.
      const n = (v: string | undefined) => (v ?? '').split(',').filter((f) => f.trim() !== '').length;
      if (c[cert] !== undefined && c[key] !== undefined && n(c[cert]) !== n(c[key])) {
        ctx.addIssue({ code: 'custom', path: [key], message: `names ${n(c[key])} files, ${cert} ${n(c[cert])}: one key per certificate, in the same order` });
      }
    }
    if ((c.OCPP_CSR_CA_CERT_FILE === undefined) !== (c.OCPP_CSR_CA_KEY_FILE === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.OCPP_CSR_CA_CERT_FILE ? 'OCPP_CSR_CA_KEY_FILE' : 'OCPP_CSR_CA_CERT_FILE'], message: 'OCPP_CSR_CA_CERT_FILE and OCPP_CSR_CA_KEY_FILE go together' });
    }
    if (c.OCPP_CSR_MODE === 'sign' && !c.OCPP_CSR_CA_CERT_FILE) ctx.addIssue({ code: 'custom', path: ['OCPP_CSR_MODE'], message: 'sign needs OCPP_CSR_CA_CERT_FILE and OCPP_CSR_CA_KEY_FILE' });
    if (c.OCPP_CSR_MODE === 'forward' && c.OCPP_CSR_CA_CERT_FILE) ctx.addIssue({ code: 'custom', path: ['OCPP_CSR_MODE'], message: 'forward hands CSRs to the platform: OCPP_CSR_CA_CERT_FILE would not be used (unset it, or use sign)' });
    if (c.MQTT_TOPIC_LAYOUT === 'tenant-level' && RESERVED_TENANTS.includes(c.DEFAULT_TENANT)) {
      ctx.addIssue({ code: 'custom', path: ['DEFAULT_TENANT'], message: `${JSON.stringify(c.DEFAULT_TENANT)} is reserved with MQTT_TOPIC_LAYOUT=tenant-level (the first topic level of chargebridge's own topics)` });
    }
    if (c.INFLUX_BUCKET && (!c.INFLUX_TOKEN || !c.INFLUX_ORG)) {
      ctx.addIssue({ code: 'custom', path: ['INFLUX_TOKEN'], message: 'InfluxDB 2.x needs INFLUX_TOKEN and INFLUX_ORG' });
    }
  });

export type Config = Readonly<z.infer<typeof schema> & { HEARTBEAT_TOLERANCE: number }>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** Variables whose value is a secret: a config error names them and never shows what was given. */
const SECRET = /(PASSWORD|TOKEN|SECRET|KEY)$/;

/** What a config error may show of a value: nothing of a secret, a URL without its password. */
function shown(name: string, value: string | undefined): string | undefined {
  if (value === undefined || SECRET.test(name)) return undefined;
  // postgres://user:secret@host/db, mqtt://user:secret@host: the password never reaches a log.
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, '$1:***@');
}

/**
 * Secrets that may instead be read from a file named by `<NAME>_FILE` (Docker and Kubernetes
 * secrets), one trailing newline dropped.
 */
export const SECRETS = ['API_TOKEN', 'MQTT_PASSWORD', 'MQTT_AUTH_HOOK_SECRET', 'DATABASE_URL', 'INFLUX_PASSWORD', 'INFLUX_TOKEN'] as const;

/**
 * Empty strings count as unset, as in most twelve-factor tools. `readSecret` reads the
 * `*_FILE` variants; the environment itself is the only other input.
 */
export function loadConfig(env: Record<string, string | undefined>, readSecret: (file: string) => string = (f) => readFileSync(f, 'utf8')): Config {
  const input: Record<string, string> = {};
  const problems: string[] = [];
  for (const key of Object.keys(schema.shape ?? {})) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  for (const key of SECRETS) {
    const f = env[`${key}_FILE`];
    if (f === undefined || f === '') continue;
    if (input[key] !== undefined) {
      problems.push(`${key}_FILE: set either ${key} or ${key}_FILE, not both`);
      continue;
    }
    try {
      const v = readSecret(f).replace(/\r?\n$/, '');
      if (v !== '') input[key] = v;
      else problems.push(`${key}_FILE: ${JSON.stringify(f)} is empty`);
    } catch (err) {
      problems.push(`${key}_FILE: cannot read ${JSON.stringify(f)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError([
      ...problems,
      ...(parsed.error?.issues ?? []).map((i) => {
        const name = String(i.path[0] ?? 'config');
        const given = shown(name, input[name]);
        return `${name}: ${i.message}${given !== undefined ? ` (got ${JSON.stringify(given)})` : ''}`;
      }),
    ]);
  }
  const c = parsed.data;
  return Object.freeze({ ...c, HEARTBEAT_TOLERANCE: c.HEARTBEAT_TOLERANCE ?? c.HEARTBEAT_INTERVAL * 2.5 });
}
