/**
 * The OCPP 2.0.1 and 2.1 schemas ocpp-rpc ships (the ones its strict mode validates with), with
 * every `$ref` into their `definitions` resolved once at load by json-schema-ref-parser, so the
 * validator and the leniency walker read one plain tree (ocpp/schema-set.ts).
 * The ids differ by version: 2.0.1 `urn:BootNotification.req` / `.conf`, 2.1
 * `urn:BootNotificationRequest` / `Response`, and 2.1's SEND `urn:NotifyPeriodicEventStream`.
 */
import { createRequire } from 'node:module';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import type { JsonSchema } from './schema-set.ts';

const require = createRequire(import.meta.url);

export interface LoadedSchemas {
  requests: Map<string, JsonSchema>;
  responses: Map<string, JsonSchema>;
}

export async function loadSchemas(file: 'ocpp2_0_1' | 'ocpp2_1'): Promise<LoadedSchemas> {
  const raw = require(`ocpp-rpc/lib/schemas/${file}.json`) as JsonSchema[];
  const requests = new Map<string, JsonSchema>();
  const responses = new Map<string, JsonSchema>();
  for (const s of raw) {
    const m = s.$id?.match(/^urn:(\w+?)(\.req|\.conf|Request|Response)?$/);
    if (!m) continue;
    // The require cache holds the original: dereference a copy (the parser works in place).
    const plain = (await $RefParser.dereference(structuredClone(s) as object, { dereference: { circular: false } })) as JsonSchema & { definitions?: unknown };
    delete plain.definitions;
    const kind = m[2];
    if (kind === '.conf' || kind === 'Response') responses.set(m[1]!, plain);
    else requests.set(m[1]!, plain);
  }
  return { requests, responses };
}
