/**
 * OCPP-J 2.1 SEND (message type 6): `[6, messageId, action, payload]`, a message the peer never
 * answers (NotifyPeriodicEventStream). Written straight onto the WebSocket the OcppConnection
 * wraps (its `ws`): the connection queues and times CALLs, and a SEND is neither. Kept here, in
 * the simulator, so the shared channel (common/ocpp-j/connection.ts) can grow its own SEND
 * support without a conflict.
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';

export const SEND = 6;

/** The frame's text. */
export function sendFrame(messageId: string, action: string, payload: unknown): string {
  return JSON.stringify([SEND, messageId, action, payload]);
}

/** Writes a SEND frame; returns its message id, or null when the socket is not open. */
export function writeSend(ws: WebSocket, action: string, payload: unknown): string | null {
  if (ws.readyState !== ws.OPEN) return null;
  const id = randomUUID();
  ws.send(sendFrame(id, action, payload));
  return id;
}

/**
 * Whether a frame the connection could not match is the peer's CALLERROR MessageTypeNotSupported
 * (OCPP-J 2.0.1 part 4 §4.4: a peer that does not know a message type answers so; the sender
 * "SHALL then either terminate the connection, or fallback to the known: CALL, CALLRESULT and
 * CALLERROR"). Any message id: SEND is the only type we send that a peer may not know, and a
 * peer that does not know it may not have read its id either (ocpp-rpc 2.2.1 answers with "-1").
 */
export function isSendRefusal(frame: Buffer | string): boolean {
  try {
    const m = JSON.parse(String(frame)) as unknown;
    return Array.isArray(m) && m[0] === 4 && m[2] === 'MessageTypeNotSupported';
  } catch {
    return false;
  }
}
