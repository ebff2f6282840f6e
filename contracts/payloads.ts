/**
 * Payload builders for the device topics (interface.md). Pure: data in, JSON string out.
 * The attrs payload is flat (Dojot device attributes); events carry a `type` discriminator.
 */
import type { AttrsSample } from './attrs.ts';

export interface AttrsContext {
  connectorId: number;
  transactionId?: number | undefined;
  /** OCPP 2.x: the EVSE (also `connectorId`, docs/mqtt.md) and the charger's own transaction id. */
  evseId?: number | undefined;
  chargerTransactionId?: string | undefined;
  /** OCPP 2.1 periodic event streams: the monitor a stream reports (protocols/ocpp21/). */
  variableMonitoringId?: number | undefined;
}

/** One `attrs` message per OCPP meterValue element, keeping the charger's sample time. */
export function attrsPayload(sample: AttrsSample, ctx: AttrsContext): string {
  const out: Record<string, unknown> = { timestamp: sample.timestamp, connectorId: ctx.connectorId };
  if (ctx.transactionId !== undefined) out['transactionId'] = ctx.transactionId;
  if (ctx.evseId !== undefined) out['evseId'] = ctx.evseId;
  if (ctx.chargerTransactionId !== undefined) out['chargerTransactionId'] = ctx.chargerTransactionId;
  if (ctx.variableMonitoringId !== undefined) out['variableMonitoringId'] = ctx.variableMonitoringId;
  if (sample.context !== undefined) out['context'] = sample.context;
  // Telemetry keys never collide with the envelope keys above (attrs.ts ENVELOPE_KEYS): they come from a fixed table.
  Object.assign(out, sample.values);
  return JSON.stringify(out);
}

export interface OcppError {
  code: string;
  message: string;
}

/** Every event has `type` and `ts` (ISO 8601, gateway time). */
export type GatewayEvent =
  | {
      type: 'ocpp';
      direction: 'in' | 'out';
      action: string;
      messageId: string;
      request: unknown;
      response?: unknown;
      error?: OcppError;
      receivedAt: string;
      respondedAt: string;
    }
  | { type: 'connected'; remoteAddress: string | undefined; protocol: string; gateway: string }
  | { type: 'disconnected'; code: number | undefined; reason: string; gateway: string }
  | { type: 'replaced'; gateway: string }
  | { type: 'offline'; reason: 'heartbeatTimeout'; lastSeen: string | null; toleranceSeconds: number }
  | { type: 'protocolWarning'; action: string; messageId: string; deviations: unknown[]; error?: OcppError }
  | { type: 'badMessage'; error: OcppError; frame: string }
  /** OCPP-J 2.1 CALLRESULTERROR (message type 5) about one of our CALLRESULTs. */
  | { type: 'resultRefused'; messageId: string; error: OcppError }
  | { type: 'telemetryWarning'; action: string; messageId: string; warnings: unknown[] }
  /** A charger's CSR answered Rejected, and why (gateway/certificates/; docs/security.md). */
  | { type: 'csrRefused'; messageId: string; reason: string; detail: string; certificateType?: string | undefined }
  /** A security profile upgrade's step (contracts/security-profile-upgrade.ts; docs/security.md): accepted, completed, refused, failed, timed out. */
  | { type: 'securityProfileUpgrade'; upgradeId: string; status: string; fromProfile: number; toProfile: number; securityProfile: number; chargerStatus: string | null; reason: string | null; remoteAddress?: string | undefined }
  /** A certificate of the register revoked through the API (device-registry/routes/certificates.ts): refused at the handshake from now on. */
  | { type: 'certificateRevoked'; serialNumber: string; fingerprint256: string; reason: string | null }
  /** OCPP_CSR_MODE=forward: a charger's CSR for the platform's CA, which answers with a CertificateSigned command. */
  | { type: 'certificateSigningRequest'; messageId: string; chargePointId: string; protocol: string; csr: string; certificateType?: string | undefined; requestId?: number | undefined }
  | { type: 'command'; id: string; action: string; request: unknown; response?: unknown; error?: OcppError & { field?: string | undefined; sent?: boolean | undefined }; sentAt: string; answeredAt: string; /** The version-neutral command it was sent as (ocpp/commands/neutral.ts). */ neutral?: string | undefined }
  | {
      type: 'transactionWarning';
      action: string;
      messageId: string;
      code: string;
      message: string;
      transactionId?: number | undefined;
      connectorId?: number | undefined;
      meterStop?: number | undefined;
      energyWh?: number | null | undefined;
      stopReason?: string | null | undefined;
      /** The id the charger used, when it is not the ledger's (an offline-started session; a 2.x charger's own). */
      chargerTransactionId?: number | string | undefined;
    };

export function eventPayload(e: GatewayEvent, ts: string): string {
  try {
    return JSON.stringify({ ...e, ts });
  } catch {
    // Only a charger's own data can fail to serialize (a request nested thousands of levels
    // deep: RangeError): the event goes out without it rather than not at all.
    try {
      return JSON.stringify({ ...e, request: '(not serializable)', ts });
    } catch {
      return JSON.stringify({ type: e.type, ts, error: { code: 'NOT_SERIALIZABLE', message: 'event could not be serialized' } });
    }
  }
}

/**
 * The `ocpp` event of an inbound exchange. With `requestText` (the CALL payload's own JSON text,
 * common/ocpp-j/payload-text.ts) the request is spliced in rather than serialized again: for
 * MeterValues that is most of the event, on the hot path. The parsed message is the same.
 */
export function ocppEventPayload(e: Extract<GatewayEvent, { type: 'ocpp' }>, ts: string, requestText?: string): string {
  if (requestText === undefined) return eventPayload(e, ts);
  // Named fields, not an object rest: this runs per frame, and a literal takes JSON.stringify's
  // fast path. Undefined ones (response or error) are left out, as in eventPayload.
  const head = JSON.stringify({ type: e.type, direction: e.direction, action: e.action, messageId: e.messageId, response: e.response, error: e.error, receivedAt: e.receivedAt, respondedAt: e.respondedAt, ts });
  return `${head.slice(0, -1)},"request":${requestText}}`;
}
