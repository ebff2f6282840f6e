/**
 * OCPP 2.1 periodic event streams of a simulated station: during a session it opens a stream
 * of the EVSE's power on a hardwired monitor (OpenPeriodicEventStream; ConstantStreamDataType:
 * "Id of monitor used to report his event. It can be a preconfigured or hardwired monitor"),
 * sends its data as NotifyPeriodicEventStream SENDs (OCPP-J 2.1 message type 6, never
 * answered) and closes it with the session (ClosePeriodicEventStream). A CSMS that answers a
 * SEND with CALLERROR MessageTypeNotSupported gets no more on that connection (part 4 §4.4).
 */
import type WebSocket from 'ws';
import type { Evse, Stream } from './evse.ts';
import { isSendRefusal, writeSend } from './send.ts';

/** The hardwired monitors a 2.1 station streams EVSE power from: id = base + evseId. */
export const STREAM_MONITOR_BASE = 1000;

export interface StreamsPort {
  call<T>(action: string, params: unknown): Promise<T>;
  fail(err: unknown): void;
  /** The open connection's socket, if any. */
  socket(): WebSocket | undefined;
  /** A SEND was written. */
  sent(): void;
}

export class PeriodicStreams {
  private readonly port: StreamsPort;
  private nextId = 1;
  /** Whether a SEND went out on this connection, and whether the CSMS refused the message type. */
  private sentHere = false;
  private refused = false;

  constructor(port: StreamsPort) {
    this.port = port;
  }

  static monitorOf(e: Evse): number {
    return STREAM_MONITOR_BASE + e.id;
  }

  /** A new connection: the CSMS may know SEND this time. */
  reset(): void {
    this.sentHere = this.refused = false;
  }

  /** A frame the connection could not match: a CSMS refusing SEND says so with one. */
  onUnmatchedFrame(frame: Buffer): void {
    if (this.sentHere && isSendRefusal(frame)) this.refused = true;
  }

  async open(e: Evse, intervalS: number): Promise<void> {
    const id = this.nextId++;
    const params = { interval: Math.max(0, Math.round(intervalS)), values: 1 };
    const r = await this.port.call<{ status: string }>('OpenPeriodicEventStream', { constantStreamData: { id, variableMonitoringId: PeriodicStreams.monitorOf(e), params } }).catch((err: unknown) => this.port.fail(err));
    if (r?.status === 'Accepted' && e.tx) e.stream = { id, params, buffer: [], lastSentAt: Date.now() };
  }

  /**
   * The EVSE's power now, into its stream; one NotifyPeriodicEventStream once `values` items
   * are buffered or `interval` seconds passed since the last (t: seconds after basetime, the
   * first item's time; pending: none left, all buffered items go).
   */
  sample(e: Evse, at: number): void {
    const s = e.stream;
    if (!s) return;
    s.buffer.push({ at, v: e.powerW.toFixed(0) });
    if (s.buffer.length < Math.max(1, s.params.values) && at - s.lastSentAt < s.params.interval * 1000) return;
    const data = s.buffer.splice(0);
    s.lastSentAt = at;
    const ws = this.port.socket();
    if (!ws || this.refused) return;
    const base = data[0]!.at;
    if (!writeSend(ws, 'NotifyPeriodicEventStream', { id: s.id, pending: 0, basetime: new Date(base).toISOString(), data: data.map((d) => ({ t: (d.at - base) / 1000, v: d.v })) })) return;
    this.sentHere = true;
    this.port.sent();
  }

  async close(stream: Stream): Promise<void> {
    await this.port.call('ClosePeriodicEventStream', { id: stream.id }).catch((err: unknown) => this.port.fail(err));
  }

  /** AdjustPeriodicEventStream: false when no such stream is open. */
  adjust(evses: readonly Evse[], id: number, params: { interval?: number; values?: number } | undefined): boolean {
    const s = evses.find((e) => e.stream?.id === id)?.stream;
    if (!s) return false;
    s.params = { interval: params?.interval ?? s.params.interval, values: params?.values ?? s.params.values };
    return true;
  }

  /** GetPeriodicEventStream: the open streams. */
  list(evses: readonly Evse[]): Array<{ id: number; variableMonitoringId: number; params: Stream['params'] }> {
    return evses.flatMap((e) => (e.stream ? [{ id: e.stream.id, variableMonitoringId: PeriodicStreams.monitorOf(e), params: e.stream.params }] : []));
  }
}
