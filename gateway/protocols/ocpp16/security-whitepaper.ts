/**
 * The handlers of the messages the OCPP 1.6 security whitepaper (edition 2, §5) adds to 1.6,
 * behind the 1.6 adapter (their action lists: ocpp/security-whitepaper.ts).
 *
 * Charger-initiated (answered here): SignCertificate (§5.17, A02/A03: gateway/certificates/),
 * SecurityEventNotification (§5.15, A04; §8 lists the events), SignedFirmwareStatusNotification
 * (§5.19, L01-L03 signed firmware update), LogStatusNotification (§5.13, N01 log upload).
 * Central-system-initiated (raw commands, `config` / POST /devices/{id}/commands): the rest.
 */
import type { WHITEPAPER_CHARGE_POINT_ACTIONS } from '../../../ocpp/security-whitepaper.ts';
import type { RequestOf, ResponseOf } from '../../../ocpp/v16-types.ts';
import type { HandlerContext } from '../context.ts';

type WhitepaperChargePointAction = (typeof WHITEPAPER_CHARGE_POINT_ACTIONS)[number];
type Handler<A extends WhitepaperChargePointAction> = (ctx: HandlerContext, req: RequestOf[A]) => Promise<ResponseOf[A]> | ResponseOf[A];

export const whitepaperHandlers: { [A in WhitepaperChargePointAction]: Handler<A> } = {
  // A02/A03: signed by the configured CA, forwarded, or Rejected (A02.FR.11/12; gateway/certificates/service.ts).
  SignCertificate: (ctx, req) => (ctx.certificates ? ctx.certificates.signCertificate(ctx.session, ctx.messageId, req) : { status: 'Rejected' }),
  // A04: logged for the operator; the alerts role raises `securityEvent` from the exchange event.
  SecurityEventNotification: (ctx, req) => {
    ctx.session.log.warn({ securityEvent: req.type, techInfo: req.techInfo }, 'security event');
    return {};
  },
  // The progress of a SignedUpdateFirmware, where 1.6 keeps FirmwareStatusNotification's.
  SignedFirmwareStatusNotification: (ctx, req) => {
    ctx.session.update({ type: 'firmwareStatus', at: new Date().toISOString(), status: req.status });
    return {};
  },
  // The progress of a GetLog upload, where 1.6 keeps DiagnosticsStatusNotification's.
  LogStatusNotification: (ctx, req) => {
    ctx.session.update({ type: 'diagnosticsStatus', at: new Date().toISOString(), status: req.status });
    return {};
  },
};
