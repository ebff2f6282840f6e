/**
 * HTTP upgrade helpers shared by the OCPP endpoint and the HTTP port's `/mqtt` WebSocket.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, problemJson, type ErrorCode } from './errors.ts';

/**
 * The path of a request target without parsing it as a URL (`new URL` throws on targets such as
 * `//[`): the origin form `/a/b?q`, or the absolute form `ws://host/a/b` (RFC 9112 §3.2).
 */
export function requestPath(target: string | undefined): string {
  const t = target ?? '/';
  const q = t.search(/[?#]/);
  const noQuery = q === -1 ? t : t.slice(0, q);
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(noQuery);
  return abs ? noQuery.slice(abs[0].length) || '/' : noQuery;
}

/**
 * Answers an upgrade request with an HTTP error and closes the socket: plain text on the OCPP
 * port (what chargers log), problem+json on the HTTP API's port (as every error of the API).
 */
export function refuseUpgrade(socket: Duplex, status: number, message: string, problem?: { code: ErrorCode; instance?: string | undefined }): void {
  const body = problem ? JSON.stringify(problemJson(new AppError(problem.code, message), problem.instance)) : message;
  const type = problem ? 'application/problem+json' : 'text/plain';
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy();
}
