/**
 * The OCPP 1.6 schema set (schema-set.ts) and its functions, as the 1.6 code paths use them.
 */
import { createSchemaSet, type SchemaSet } from './schema-set.ts';
import { OCPP16_REQUESTS, OCPP16_RESPONSES } from './schemas.ts';

export { failedPath, type RpcErrorLike, type Validation } from './schema-set.ts';

export const OCPP16: SchemaSet = createSchemaSet('ocpp1.6', OCPP16_REQUESTS, OCPP16_RESPONSES);

export const hasSchema = OCPP16.hasSchema;
export const validateRequest = OCPP16.validateRequest;
export const validateRepairedRequest = OCPP16.validateRepairedRequest;
export const validateResponse = OCPP16.validateResponse;
export const sampledValueProblem = OCPP16.sampledValueProblem;
