/**
 * The HTTP API as a fastify instance that does not listen: tests use `app.inject()` or listen on
 * port 0, `bin/` listens. The registry's own routes, and the routes of the roles served beside it
 * (the dashboard, alerts, history, the message log), which bin/start.ts composes and hands in:
 * the registry imports none of them. One authentication, admission and problem handling for
 * all; zod schemas validate every request and generate the OpenAPI document served at /docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { SecureContextOptions } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Health } from '../common/health.ts';
import { authenticate, metricsTokenCheck } from '../common/http/auth.ts';
import { frameworkError, registerProblemHandler } from './http/problems.ts';
import { registerAdmission } from './http/admission.ts';
import { deviceRoutes } from './routes/devices.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { deviceVariableRoutes } from './routes/device-variables.ts';
import { idTagRoutes } from './routes/id-tags.ts';
import { templateRoutes } from './routes/templates.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { AUTHENTICATE_PATH, AUTHORIZE_PATH, mqttAuthHookRoutes } from './routes/mqtt-auth.ts';
import { createLoginThrottle } from '../common/login-throttle.ts';
import { topicsFor } from '../contracts/topics.ts';
import type { Device } from '../contracts/registry.ts';
import type { RegistryStore } from './store/types.ts';
import type { TokenService } from './tokens.ts';
import type { CommandClient } from './command-client.ts';
import { commandRoutes } from './routes/commands.ts';
import { chargingLimitRoutes } from './routes/charging-limit.ts';
import { passwordRotationRoutes } from './routes/password-rotation.ts';
import { securityProfileRoutes } from './routes/security-profile.ts';
import { certificateRoutes } from './routes/certificates.ts';
import { metricsRoutes, type MetricsSource } from './routes/metrics.ts';

/** Routes of another role, served by this instance. */
export interface RoutePlugin {
  register(app: FastifyInstance): Promise<void>;
  /** Paths it serves to anyone, without a token (the dashboard's page and files). */
  isPublic?: ((path: string) => boolean) | undefined;
  /** Long-lived paths never held for a turn by the admission (the dashboard's live feed). */
  unqueued?: readonly string[] | undefined;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  /** Readiness of the process's components (GET /health, /health/ready). */
  health?: Health | undefined;
  store: RegistryStore;
  tokens: TokenService;
  /** Commands to chargers; absent in a registry process without a bus. */
  commands?: CommandClient | undefined;
  /** Live presence of a device when a gateway runs in this process. */
  online?: (device: Device) => boolean | null;
  /** A device changed: connected sessions must see it. */
  deviceChanged?: (device: Device) => void;
  /** Publishes an event on a device's `events` topic (a security profile upgrade's steps); absent: not published. */
  publishEvent?: ((device: Device, payload: object) => void) | undefined;
  /** A device was deleted (its retained shadow is cleared). */
  /** Awaited before the DELETE is answered. */
  deviceDeleted?: (device: Device) => void | Promise<void>;
  /** Gauges for GET /metrics from the roles in this process. */
  metrics?: MetricsSource | undefined;
  /** Certificate and key (TLS_CERT_FILE): the API, the dashboard and /mqtt are served over HTTPS only. */
  https?: SecureContextOptions | undefined;
  /**
   * The other roles' routes (bin/start.ts): `first` before the registry's own (the dashboard and
   * its live feed), `rest` after them and before the command routes (alerts, history, the
   * message log).
   */
  routes?: { first?: readonly RoutePlugin[] | undefined; rest?: readonly RoutePlugin[] | undefined } | undefined;
}

const PUBLIC = new Set(['/health', '/health/ready']);
// Cheap: never held for a turn (a scrape or a probe must answer under load); and the
// long-lived paths of the other roles' routes.
const UNQUEUED = ['/health', '/health/ready', '/metrics'];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const first = deps.routes?.first ?? [];
  const rest = deps.routes?.rest ?? [];
  const publicPaths = [...first, ...rest].flatMap((p) => (p.isPublic ? [p.isPublic] : []));
  const topics = topicsFor(deps.config.MQTT_TOPIC_LAYOUT);
  // The broker's hooks authenticate with MQTT_AUTH_HOOK_SECRET, not a bearer token; unset, not served.
  const hookSecret = deps.config.MQTT_AUTH_HOOK_SECRET;
  if (hookSecret) publicPaths.push((path) => path === AUTHENTICATE_PATH || path === AUTHORIZE_PATH);
  const unqueued = new Set([...UNQUEUED, ...[...first, ...rest].flatMap((p) => p.unqueued ?? [])]);
  const app = Fastify({
    // Per-request lines only when debugging: at info they would drown the charger logs.
    loggerInstance: deps.log.child({ component: 'http' }, { level: ['debug', 'trace'].includes(deps.log.level) ? deps.log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    frameworkErrors: frameworkError,
    // fastify types an HTTPS instance apart; every route here is the same over both.
    ...((deps.https ? { https: { ...deps.https, minVersion: 'TLSv1.2' } } : {}) as object),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'chargebridge API', version: '0.1.0', description: 'Device registry, sessions, history and commands of the chargebridge OCPP gateway.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // First of all hooks: authentication already reads the store.
  const admission = registerAdmission(app, { perTurn: deps.config.HTTP_REQUESTS_PER_TURN, maxQueued: deps.config.HTTP_MAX_QUEUED_REQUESTS, exempt: (path) => unqueued.has(path) });

  app.decorateRequest('caller', null as never);
  const metricsToken = deps.config.METRICS_TOKEN ? metricsTokenCheck(deps.config.METRICS_TOKEN) : null;
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (PUBLIC.has(path) || path === '/docs' || path.startsWith('/docs/') || path === '/mqtt' || publicPaths.some((p) => p(path))) return;
    // METRICS_TOKEN opens /metrics and nothing else: anywhere else it is an unknown token (401).
    if (path === '/metrics' && metricsToken?.(req.headers.authorization)) {
      req.caller = { tenant: '', role: 'read-only', installationAdmin: false, tokenId: null, metricsOnly: true };
      return;
    }
    req.caller = await authenticate(req, deps.tokens);
  });

  // Liveness stays 200 while the process serves; readiness (here and on /health/ready, 503 when
  // not ready) turns false while a component cannot keep what it would acknowledge, e.g. a full
  // DATA_DIR (docs/reliability.md).
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', ready: deps.health?.ready ?? true, checks: deps.health?.report() ?? {} }));
  app.get('/health/ready', { schema: { hide: true } }, async (_req, reply) => {
    const ready = deps.health?.ready ?? true;
    reply.status(ready ? 200 : 503);
    return { ready, checks: deps.health?.report() ?? {} };
  });
  for (const p of first) await app.register(p.register);
  await app.register(metricsRoutes({ ...deps.metrics, httpAdmission: () => admission.stats() }));
  await app.register(
    deviceRoutes({ store: deps.store, online: deps.online ?? (() => null), changed: deps.deviceChanged ?? (() => undefined), deleted: deps.deviceDeleted, chargerPasswords: deps.config.CHARGER_PASSWORDS }),
  );
  await app.register(deviceVariableRoutes({ store: deps.store }));
  await app.register(transactionRoutes({ store: deps.store }));
  await app.register(idTagRoutes({ store: deps.store }));
  await app.register(templateRoutes({ store: deps.store }));
  await app.register(certificateRoutes({ store: deps.store, event: deps.publishEvent ?? (() => undefined) }));
  await app.register(tokenRoutes({ tokens: deps.tokens, topics }));
  if (hookSecret) {
    const c = deps.config;
    const logins = createLoginThrottle({ maxFailures: c.MQTT_AUTH_MAX_FAILURES, maxFailuresPerAddress: c.MQTT_AUTH_MAX_FAILURES_PER_ADDRESS, windowMs: c.MQTT_AUTH_WINDOW_MS, lockoutMs: c.MQTT_AUTH_LOCKOUT_MS }, deps.log.child({ component: 'mqtt-auth-hook' }));
    const service = c.MQTT_USERNAME && c.MQTT_PASSWORD ? { username: c.MQTT_USERNAME, password: c.MQTT_PASSWORD } : undefined;
    await app.register(mqttAuthHookRoutes({ secret: hookSecret, topics, tokens: deps.tokens, service, logins }));
  }
  for (const p of rest) await app.register(p.register);
  if (deps.commands) {
    await app.register(commandRoutes({ store: deps.store, commands: deps.commands }));
    await app.register(chargingLimitRoutes({ store: deps.store, commands: deps.commands }));
    await app.register(passwordRotationRoutes({ store: deps.store, commands: deps.commands, changed: deps.deviceChanged ?? (() => undefined) }));
    await app.register(securityProfileRoutes({ store: deps.store, commands: deps.commands, config: deps.config, event: deps.publishEvent ?? (() => undefined) }));
  }
  return app;
}
