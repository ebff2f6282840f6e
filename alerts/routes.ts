/**
 * Alerts over HTTP (docs/alerts.md): the tenant's alerts (active and past) and their
 * acknowledgement, its rules (defaults and its own), its delivery targets and the deliveries
 * with their failures. Acknowledgements and rule changes are stored here and told to the alerts
 * role on its control topic, wherever it runs (alerts/payloads.ts CONTROL_TOPIC).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../common/errors.ts';
import type { ControlMessage } from './payloads.ts';
import { DEFAULT_RULES, RULE_KINDS, RULE_PARAMS, effectiveRules, type Rule } from '../contracts/alert-rules.ts';
import { requireWrite } from '../common/http/auth.ts';
import type { Alert, AlertDelivery, AlertTarget } from '../contracts/alerts.ts';
import type { RegistryStore } from '../device-registry/store/types.ts';

const kind = z.enum(RULE_KINDS);
const severity = z.enum(['critical', 'warning']);
const alertView = z.object({
  id: z.string(), tenant: z.string(), deviceId: z.string(), chargePointId: z.string(), connectorId: z.number().nullable(), rule: z.string(), severity: z.string(),
  message: z.string(), details: z.record(z.string(), z.unknown()), since: z.string(), until: z.string().nullable(), acknowledgedAt: z.string().nullable(), acknowledgedBy: z.string().nullable(),
});
const ruleView = z.object({ kind: z.string(), enabled: z.boolean(), severity: z.string(), params: z.record(z.string(), z.unknown()), source: z.enum(['default', 'tenant']) });
const targetView = z.object({ id: z.string(), type: z.string(), label: z.string(), enabled: z.boolean(), url: z.string().optional(), hasSecret: z.boolean().optional(), to: z.array(z.string()).optional(), createdAt: z.string() });
const deliveryView = z.object({ id: z.string(), alertId: z.string(), targetId: z.string(), event: z.string(), status: z.string(), attempts: z.number(), lastError: z.string().nullable(), lastAttemptAt: z.string().nullable(), deliveredAt: z.string().nullable(), createdAt: z.string() });
const paging = { limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0) };
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
// Webhooks to http(s) only; a secret long enough to be one (it keys the HMAC).
const webhookUrl = z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' });
const targetBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook'), url: webhookUrl, secret: z.string().min(16, 'at least 16 characters').max(256), label: z.string().max(200).optional(), enabled: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('email'), to: z.array(z.email()).min(1).max(50), label: z.string().max(200).optional(), enabled: z.boolean().optional() }).strict(),
]);
const ruleBody = z.object({ enabled: z.boolean().optional(), severity: severity.optional(), params: z.record(z.string(), z.unknown()).optional() }).strict();

const targetOut = (t: AlertTarget) =>
  t.type === 'webhook'
    ? { id: t.id, type: t.type, label: t.label, enabled: t.enabled, url: t.url, hasSecret: t.secret.length > 0, createdAt: t.createdAt }
    : { id: t.id, type: t.type, label: t.label, enabled: t.enabled, to: t.to, createdAt: t.createdAt };
const deliveryOut = (d: AlertDelivery) => ({ id: d.id, alertId: d.alertId, targetId: d.targetId, event: d.event, status: d.status, attempts: d.attempts, lastError: d.lastError, lastAttemptAt: d.lastAttemptAt, deliveredAt: d.deliveredAt, createdAt: d.createdAt });

export function alertRoutes(deps: { store: RegistryStore; control: (m: ControlMessage) => Promise<void> }) {
  const { store, control } = deps;
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/alerts',
      { schema: { tags: ['alerts'], summary: 'Alerts of the tenant, newest first', querystring: z.object({ deviceId: z.string().optional(), active: flag.optional(), rule: kind.optional(), ...paging }).strict(), response: { 200: z.object({ items: z.array(alertView), total: z.number() }) } } },
      async (req) => store.listAlerts({ tenant: req.caller.tenant, ...req.query }),
    );
    r.get('/alerts/:id', { schema: { tags: ['alerts'], params: z.object({ id: z.string() }), response: { 200: alertView } } }, async (req) => {
      const a = await store.getAlert(req.caller.tenant, req.params.id);
      if (!a) throw new AppError('NOT_FOUND', `alert ${req.params.id} not found`);
      return a;
    });
    r.post('/alerts/:id/ack', { schema: { tags: ['alerts'], summary: 'Acknowledge an alert (once; a second acknowledgement keeps the first)', params: z.object({ id: z.string() }), response: { 200: alertView } } }, async (req) => {
      requireWrite(req.caller);
      const by = req.caller.tokenId ?? 'admin';
      const a: Alert | null = await store.acknowledgeAlert(req.caller.tenant, req.params.id, by, new Date().toISOString());
      if (!a) throw new AppError('NOT_FOUND', `alert ${req.params.id} not found`);
      if (a.until === null) await control({ type: 'ack', tenant: a.tenant, deviceId: a.deviceId, id: a.id, acknowledgedAt: a.acknowledgedAt!, acknowledgedBy: a.acknowledgedBy! });
      return a;
    });

    r.get('/alert-rules', { schema: { tags: ['alerts'], summary: 'The rules in force for the tenant: its own, else the defaults', response: { 200: z.object({ items: z.array(ruleView), total: z.number() }) } } }, async (req) => {
      const own = new Map((await store.listAlertRules(req.caller.tenant)).map((x) => [x.rule.kind, x.rule]));
      const items = effectiveRules(Object.fromEntries(own)).map((rule) => ({ ...rule, params: rule.params as Record<string, unknown>, source: own.has(rule.kind) ? ('tenant' as const) : ('default' as const) }));
      return { items, total: items.length };
    });
    r.put('/alert-rules/:kind', { schema: { tags: ['alerts'], summary: "Set the tenant's rule of a kind (params merged over the default's)", params: z.object({ kind }), body: ruleBody, response: { 200: ruleView } } }, async (req) => {
      requireWrite(req.caller);
      const k = req.params.kind;
      const base = DEFAULT_RULES[k] as Rule;
      const parsed = RULE_PARAMS[k].safeParse({ ...(base.params as object), ...(req.body.params ?? {}) });
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => ({ field: ['body', 'params', ...i.path.map(String), ...('keys' in i && Array.isArray(i.keys) ? [String(i.keys[0])] : [])].join('.'), message: i.message }));
        throw new AppError('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
      }
      const rule = await store.putAlertRule(req.caller.tenant, { kind: k, enabled: req.body.enabled ?? true, severity: req.body.severity ?? base.severity, params: parsed.data } as Rule);
      await control({ type: 'rules', tenant: req.caller.tenant });
      return { ...rule, params: rule.params as Record<string, unknown>, source: 'tenant' as const };
    });
    r.delete('/alert-rules/:kind', { schema: { tags: ['alerts'], summary: 'Back to the default rule of this kind', params: z.object({ kind }) } }, async (req, reply) => {
      requireWrite(req.caller);
      if (!(await store.deleteAlertRule(req.caller.tenant, req.params.kind))) throw new AppError('NOT_FOUND', `no rule of the tenant for ${req.params.kind}`);
      await control({ type: 'rules', tenant: req.caller.tenant });
      reply.status(204).send();
    });

    r.get('/alert-targets', { schema: { tags: ['alerts'], response: { 200: z.object({ items: z.array(targetView), total: z.number() }) } } }, async (req) => {
      const items = (await store.listAlertTargets(req.caller.tenant)).map(targetOut);
      return { items, total: items.length };
    });
    r.post('/alert-targets', { schema: { tags: ['alerts'], summary: 'A webhook (signed with its secret) or e-mail recipients', body: targetBody, response: { 201: targetView } } }, async (req, reply) => {
      requireWrite(req.caller);
      const b = req.body;
      const t = await store.createAlertTarget(b.type === 'webhook' ? { tenant: req.caller.tenant, type: 'webhook', url: b.url, secret: b.secret, label: b.label, enabled: b.enabled } : { tenant: req.caller.tenant, type: 'email', to: b.to, label: b.label, enabled: b.enabled });
      reply.status(201);
      return targetOut(t);
    });
    r.delete('/alert-targets/:id', { schema: { tags: ['alerts'], params: z.object({ id: z.string() }) } }, async (req, reply) => {
      requireWrite(req.caller);
      if (!(await store.deleteAlertTarget(req.caller.tenant, req.params.id))) throw new AppError('NOT_FOUND', `alert target ${req.params.id} not found`);
      reply.status(204).send();
    });

    r.get(
      '/alert-deliveries',
      { schema: { tags: ['alerts'], summary: 'Deliveries of alerts to the targets, newest first, with their attempts and last error', querystring: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), alertId: z.string().optional(), ...paging }).strict(), response: { 200: z.object({ items: z.array(deliveryView), total: z.number() }) } } },
      async (req) => {
        const p = await store.listDeliveries({ tenant: req.caller.tenant, ...req.query });
        return { items: p.items.map(deliveryOut), total: p.total };
      },
    );
  };
}
