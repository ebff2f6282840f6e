/**
 * The names of the topic layouts and the tenants a layout cannot have, for the configuration
 * schema (config.ts), which imports nothing of the project; what the layouts mean (builders,
 * parsers, filters) is contracts/topics.ts.
 */
export const TOPIC_LAYOUTS = ['dojot', 'tenant-level'] as const;
export type TopicLayout = (typeof TOPIC_LAYOUTS)[number];

/**
 * Tenants that the `tenant-level` layout cannot have: their first topic level is chargebridge's
 * own (`chargebridge/alerts/control`, forwarded and private commands), which a tenant of that name
 * would otherwise be allowed to read. The tenant grammar (config.ts `tenantName`) already
 * excludes `/`, `+`, `#`, `:` and a leading `$`.
 */
export const RESERVED_TENANTS: readonly string[] = ['chargebridge'];
