/**
 * Alert rules: one per kind and tenant. The defaults below apply to every tenant; a tenant rule
 * (PUT /alert-rules/{kind}) replaces the default of its kind for that tenant, with its own
 * parameters or `enabled: false`. Parameters are in seconds so that tests and operators use one
 * unit. The zod schemas validate the API's bodies and the stored rules alike.
 */
import { z } from 'zod';
import type { Severity } from './alerts.ts';

export const RULE_KINDS = [
  'offline',
  'connectorFault',
  'bootLoop',
  'meterValuesMissing',
  'heartbeatMissing',
  'energyBackwards',
  'firmwareFailed',
  'diagnosticsFailed',
  'securityEvent',
  'handshakeRefused',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

const secs = z.number().int().min(1).max(30 * 86_400);

/** Parameters per kind; unknown keys are refused (a typo must not silently keep the default). */
export const RULE_PARAMS = {
  offline: z.object({ seconds: secs }).strict(),
  connectorFault: z.object({ includeUnavailable: z.boolean() }).strict(),
  bootLoop: z.object({ count: z.number().int().min(2).max(1000), windowSeconds: secs }).strict(),
  meterValuesMissing: z.object({ seconds: secs }).strict(),
  heartbeatMissing: z.object({ seconds: secs }).strict(),
  energyBackwards: z.object({ clearSeconds: secs }).strict(),
  firmwareFailed: z.object({}).strict(),
  diagnosticsFailed: z.object({}).strict(),
  securityEvent: z.object({ clearSeconds: secs }).strict(),
  handshakeRefused: z.object({ count: z.number().int().min(1).max(1000), windowSeconds: secs }).strict(),
} satisfies Record<RuleKind, z.ZodType>;

export type RuleParams = { [K in RuleKind]: z.infer<(typeof RULE_PARAMS)[K]> };

export interface Rule<K extends RuleKind = RuleKind> {
  kind: K;
  enabled: boolean;
  severity: Severity;
  params: RuleParams[K];
}

/** The rules of every tenant that has none of its own for a kind. */
export const DEFAULT_RULES: { readonly [K in RuleKind]: Rule<K> } = {
  offline: { kind: 'offline', enabled: true, severity: 'critical', params: { seconds: 300 } },
  connectorFault: { kind: 'connectorFault', enabled: true, severity: 'critical', params: { includeUnavailable: false } },
  bootLoop: { kind: 'bootLoop', enabled: true, severity: 'warning', params: { count: 3, windowSeconds: 600 } },
  meterValuesMissing: { kind: 'meterValuesMissing', enabled: true, severity: 'warning', params: { seconds: 900 } },
  heartbeatMissing: { kind: 'heartbeatMissing', enabled: true, severity: 'warning', params: { seconds: 1800 } },
  energyBackwards: { kind: 'energyBackwards', enabled: true, severity: 'warning', params: { clearSeconds: 3600 } },
  firmwareFailed: { kind: 'firmwareFailed', enabled: true, severity: 'warning', params: {} },
  diagnosticsFailed: { kind: 'diagnosticsFailed', enabled: true, severity: 'warning', params: {} },
  securityEvent: { kind: 'securityEvent', enabled: true, severity: 'warning', params: { clearSeconds: 3600 } },
  handshakeRefused: { kind: 'handshakeRefused', enabled: true, severity: 'warning', params: { count: 3, windowSeconds: 600 } },
};

/** A tenant's own rules, by kind; what is missing follows DEFAULT_RULES. */
export type TenantRules = Partial<{ [K in RuleKind]: Rule<K> }>;

export function effectiveRules(own: TenantRules | undefined): Rule[] {
  return RULE_KINDS.map((k) => (own?.[k] as Rule | undefined) ?? (DEFAULT_RULES[k] as Rule));
}

export function isRuleKind(s: string): s is RuleKind {
  return (RULE_KINDS as readonly string[]).includes(s);
}
