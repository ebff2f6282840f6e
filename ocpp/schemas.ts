/** The OCPP 1.6 JSON schemas ocpp-rpc ships (the same ones its strict mode validates with). */
import { createRequire } from 'node:module';
import type { JsonSchema } from './schema-set.ts';

export type { JsonSchema } from './schema-set.ts';

const require = createRequire(import.meta.url);
export const OCPP16_SCHEMAS = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as JsonSchema[];

/** By action: `urn:Authorize.req` and `urn:Authorize.conf` (the 1.6 schemas have no `$ref`). */
export const OCPP16_REQUESTS = new Map<string, JsonSchema>();
export const OCPP16_RESPONSES = new Map<string, JsonSchema>();
for (const s of OCPP16_SCHEMAS) {
  const m = s.$id?.match(/^urn:(\w+)\.(req|conf)$/);
  if (m) (m[2] === 'req' ? OCPP16_REQUESTS : OCPP16_RESPONSES).set(m[1]!, s);
}

export function requestSchema(action: string): JsonSchema | undefined {
  return OCPP16_REQUESTS.get(action);
}

export function responseSchema(action: string): JsonSchema | undefined {
  return OCPP16_RESPONSES.get(action);
}
