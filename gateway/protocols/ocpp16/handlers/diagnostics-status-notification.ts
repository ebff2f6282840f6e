import type { Handler } from './types.ts';

// OCPP 1.6 §4.4: the progress of a GetDiagnostics upload, kept in the shadow.
export const diagnosticsStatusNotification: Handler<'DiagnosticsStatusNotification'> = (ctx, req) => {
  ctx.session.update({ type: 'diagnosticsStatus', at: new Date().toISOString(), status: req.status });
  return {};
};
