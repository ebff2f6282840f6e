import { normalizeMeterValues, type NormalizeWarning } from '../../../meter-values/normalize.ts';
import { toMeterValuesIn } from '../meter-values.ts';
import type { Handler201 } from './types.ts';

/**
 * 2.0.1 J01 (meter values not related to a transaction): the hot path, as 1.6 MeterValues. No
 * storage round-trip; one `attrs` message per meterValue element, the EVSE as `connectorId`
 * (evseId 0 is the main meter: the charging station as a whole, like 1.6 connector 0).
 */
export const meterValues: Handler201<'MeterValues'> = (ctx, req) => {
  const { session } = ctx;
  const attrsCtx = { connectorId: req.evseId, evseId: req.evseId };
  let warnings: NormalizeWarning[] | undefined;
  for (const sample of normalizeMeterValues(toMeterValuesIn(req.meterValue))) {
    session.attrs(sample, attrsCtx);
    if (sample.warnings.length) for (const w of sample.warnings) (warnings ??= []).push(w);
  }
  if (warnings) session.event({ type: 'telemetryWarning', action: 'MeterValues', messageId: ctx.messageId, warnings });
  return {};
};
