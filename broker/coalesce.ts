/**
 * One socket write per event-loop turn for a broker client. mqtt-packet corks a stream only
 * until the next tick, so a platform subscriber that takes every charger's telemetry costs the
 * broker one writev syscall per message. Holding the cork until setImmediate (the check phase,
 * right after the poll phase that read the OCPP frames) sends everything those frames produced in
 * one writev: same bytes, same order, no timer, and at most one loop turn later.
 * (docs/benchmarks.md, "What was found by profiling".)
 */
import type { Socket } from 'node:net';

export function coalesceWrites<S extends Pick<Socket, 'write' | 'cork' | 'uncork'>>(socket: S): S {
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: S, ...args: unknown[]) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as S['write'];
  return socket;
}
