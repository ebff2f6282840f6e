/**
 * OCPP 2.1 periodic event streams: a station opens a stream for a variable monitor
 * (OpenPeriodicEventStream), then sends its values as NotifyPeriodicEventStream, a SEND
 * (OCPP-J 2.1 message type 6, never answered: common/ocpp-j/connection.ts). Each value becomes
 * telemetry: one `attrs` message per data element, at basetime + t, under `stream_{id}`
 * (docs/mqtt.md), a number when the value is one, the text otherwise.
 */
import { streamKey } from '../../../../contracts/attrs.ts';
import { parseNumber } from '../../../../ocpp/decimal.ts';
import type { HandlerContext } from '../../context.ts';
import type { ChargerSession } from '../../../session.ts';

interface OpenStream {
  constantStreamData: { id: number; variableMonitoringId: number; params: { interval?: number; values?: number } };
}

/** The streams a station opened on this connection: id -> variableMonitoringId (bounded by the station's own limit). */
const streams = new WeakMap<ChargerSession, Map<number, number>>();
const MAX_STREAMS = 1000;

export function openPeriodicEventStream(ctx: HandlerContext, req: OpenStream) {
  let m = streams.get(ctx.session);
  if (!m) streams.set(ctx.session, (m = new Map()));
  if (m.size >= MAX_STREAMS && !m.has(req.constantStreamData.id)) return { status: 'Rejected', statusInfo: { reasonCode: 'TooManyStreams' } };
  m.set(req.constantStreamData.id, req.constantStreamData.variableMonitoringId);
  return { status: 'Accepted' };
}

export function closePeriodicEventStream(ctx: HandlerContext, req: { id: number }) {
  streams.get(ctx.session)?.delete(req.id);
  return {};
}

export function notifyPeriodicEventStream(ctx: HandlerContext, req: { id: number; pending: number; basetime: string; data: Array<{ t: number; v: string }> }) {
  const { session } = ctx;
  const base = Date.parse(req.basetime);
  const monitor = streams.get(session)?.get(req.id);
  for (const d of req.data) {
    const at = new Date(base + d.t * 1000);
    if (Number.isNaN(at.getTime())) continue;
    const n = parseNumber(d.v);
    session.attrs(
      { timestamp: at.toISOString(), context: 'PeriodicEventStream', values: { [streamKey(req.id)]: n ?? d.v }, warnings: [] },
      { connectorId: 0, ...(monitor !== undefined ? { variableMonitoringId: monitor } : {}) },
    );
  }
  return undefined;
}
