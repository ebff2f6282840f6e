/** The OCPP 2.0.1 schema set (ocpp/schema-set.ts), built once per thread at load. */
import { createSchemaSet } from '../schema-set.ts';
import { loadSchemas } from '../schema-loader.ts';

const { requests, responses } = await loadSchemas('ocpp2_0_1');
export const OCPP201 = createSchemaSet('OCPP 2.0.1', requests, responses);
