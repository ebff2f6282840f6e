/** The OCPP 1.6 JSON schemas ocpp-rpc ships (the same ones its strict mode validates with). */
import { createRequire } from 'node:module';

export interface JsonSchema {
  $id?: string;
  type?: string;
  enum?: string[];
  format?: string;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
}

const require = createRequire(import.meta.url);
export const OCPP16_SCHEMAS = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as JsonSchema[];

const byId = new Map<string, JsonSchema>(OCPP16_SCHEMAS.filter((s) => s.$id).map((s) => [s.$id!, s]));

export function requestSchema(action: string): JsonSchema | undefined {
  return byId.get(`urn:${action}.req`);
}

export function responseSchema(action: string): JsonSchema | undefined {
  return byId.get(`urn:${action}.conf`);
}
