/**
 * Test support: the part of a `ws` WebSocket that OcppConnection uses, in memory. The test
 * plays the peer (`fromPeer`, `pong`, `pingFromPeer`, `peerCloses`) and reads what our end
 * sent (`sent`, `frames()`, `pings`); no sockets, no event-loop waits beyond microtasks, so it
 * runs under fake timers.
 */
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';

export class FakeSocket extends EventEmitter {
  readyState = 1;
  isPaused = false;
  /** The text frames our end sent, in order. */
  readonly sent: string[] = [];
  /** Pings our end sent. */
  pings = 0;
  closed: { code: number; reason: string } | undefined;
  terminated = false;
  readonly protocol: string;

  constructor(protocol = 'ocpp1.6') {
    super();
    this.protocol = protocol;
  }

  /** As the `ws` type the connection takes. */
  get ws(): WebSocket {
    return this as unknown as WebSocket;
  }

  send(text: string): void {
    this.sent.push(text);
  }
  /** What our end sent, parsed. */
  frames(): unknown[][] {
    return this.sent.map((t) => JSON.parse(t) as unknown[]);
  }
  ping(): void {
    this.pings++;
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
  /** Our end closes: the peer answers the closing handshake at once. */
  close(code = 1000, reason = ''): void {
    if (this.readyState !== 1) return;
    this.readyState = 2;
    queueMicrotask(() => this.peerCloses(code, reason));
  }
  terminate(): void {
    this.terminated = true;
    this.peerCloses(1006, '');
  }

  /** A frame from the peer: a JSON value (sent as its text) or raw text. */
  fromPeer(frame: unknown): void {
    this.emit('message', Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)));
  }
  pong(): void {
    this.emit('pong', Buffer.alloc(0));
  }
  pingFromPeer(): void {
    this.emit('ping', Buffer.alloc(0));
  }
  peerCloses(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closed = { code, reason };
    this.emit('close', code, Buffer.from(reason));
  }
}
