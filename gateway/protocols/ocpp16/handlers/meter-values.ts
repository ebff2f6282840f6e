import { normalizeMeterValues, type NormalizeWarning } from '../../../meter-values/normalize.ts';
import type { Handler } from './types.ts';

/**
 * OCPP 1.6 §4.7: the hot path. No storage round-trip: the device came with the session.
 * One `attrs` message per meterValue element, with the charger's own sample time.
 */
export const meterValues: Handler<'MeterValues'> = (ctx, req) => {
  const { session } = ctx;
  const attrsCtx = { connectorId: req.connectorId, transactionId: req.transactionId };
  let warnings: NormalizeWarning[] | undefined;
  // The session's last register reading, for closing it if the charger never does (reconcile.ts).
  const tracked = req.transactionId !== undefined && session.registers.has(req.transactionId);
  for (const sample of normalizeMeterValues(req.meterValue)) {
    session.attrs(sample, attrsCtx);
    const e = sample.values['energy'];
    if (tracked && typeof e === 'number' && e > session.registers.get(req.transactionId!)!) session.registers.set(req.transactionId!, e);
    // A loop, not push(...): a frame may carry 100,000s of samples (a spread of that many
    // arguments overflows the stack).
    if (sample.warnings.length) for (const w of sample.warnings) (warnings ??= []).push(w);
  }
  if (warnings) session.event({ type: 'telemetryWarning', action: 'MeterValues', messageId: ctx.messageId, warnings });
  return {};
};
