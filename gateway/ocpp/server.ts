/**
 * The OCPP-J WebSocket endpoint: the HTTP upgrade (identity from the last path segment, the
 * offered subprotocols, HTTP Basic password; OCPP-J 1.6 §3.1), admission decided by the caller
 * before the upgrade so a refused charger is never half-connected. The open socket goes to
 * `accept`, which makes the connection (the gateway: gateway/charger-connection.ts, from
 * admission to close; keepalive and presence: gateway/liveness.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { refuseUpgrade, requestPath } from '../../common/http-upgrade.ts';
import type { ClientCertificate } from '../client-certificate.ts';

export interface Handshake {
  identity: string;
  protocols: Set<string>;
  password: Buffer | undefined;
  remoteAddress: string;
  /** The charger's leg was TLS (wss), directly or through a trusted proxy. */
  secure: boolean;
  clientCertificate: ClientCertificate | null;
}

/** How a request's address, TLS and client certificate are read (gateway/transport.ts). */
export type TransportReader = (req: IncomingMessage) => { remoteAddress: string; secure: boolean; clientCertificate: ClientCertificate | null };

export type Admission<T> = { ok: true; value: T; protocol: string | false } | { ok: false; status: number; message: string };

/** What the upgrade settled, beside the admission's value. */
export interface Upgraded {
  /** The subprotocol agreed (`ocpp1.6` when the charger offered none). */
  protocol: string;
  remoteAddress: string;
}

export interface OcppServerOptions<T> {
  /** Largest frame accepted; a bigger one closes the socket with 1009 (RFC 6455 §7.4.1). */
  maxPayload: number;
  /** Default: the socket's own address and TLS state. */
  transport?: TransportReader | undefined;
  admit(h: Handshake): Promise<Admission<T>>;
  /**
   * Called synchronously once the socket is open, before any frame is read: the owner makes
   * its connection (common/ocpp-j/connection.ts) on it, with every listener at once.
   */
  accept(ws: WebSocket, upgraded: Upgraded, value: T): void;
  onAdmitError(err: unknown, identity: string): void;
}

export interface OcppServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Refuses new upgrades; connections are closed by their owner. */
  close(): void;
}

export function createOcppServer<T>(opts: OcppServerOptions<T>): OcppServer {
  const chosen = new WeakMap<IncomingMessage, string | false>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: opts.maxPayload,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  let open = true;
  const readTransport: TransportReader =
    opts.transport ?? ((req) => ({ remoteAddress: req.socket.remoteAddress ?? '', secure: (req.socket as { encrypted?: boolean }).encrypted === true, clientCertificate: null }));

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Until the upgrade completes, a socket error must not become an uncaught exception.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    let identity = '';
    try {
      if (!open) return abortHandshake(socket, 503, 'Gateway shutting down');
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') return abortHandshake(socket, 400, 'Can only upgrade websocket upgrade requests');
      const pathname = requestPath(req.url);
      try {
        identity = decodeURIComponent(pathname.slice(pathname.lastIndexOf('/') + 1));
      } catch {
        return abortHandshake(socket, 400, 'Charge point identity is not valid percent-encoding');
      }
      const t = readTransport(req);
      const handshake: Handshake = {
        identity,
        protocols: parseProtocols(req.headers['sec-websocket-protocol']),
        password: basicPassword(req.headers.authorization, identity),
        remoteAddress: t.remoteAddress,
        secure: t.secure,
        clientCertificate: t.clientCertificate,
      };
      const res = await opts.admit(handshake);
      if (!res.ok) return abortHandshake(socket, res.status, res.message);
      if (socket.destroyed || !open) return abortHandshake(socket, 503, 'Gateway shutting down');
      chosen.set(req, res.protocol);
      socket.off('error', onError);
      const { remoteAddress } = handshake;
      const { value } = res;
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, remoteAddress, value));
    } catch (err) {
      opts.onAdmitError(err, identity);
      abortHandshake(socket, 503, 'Service unavailable');
    }
  }

  // Outside upgrade(): a listener created there would keep its whole scope (the handshake with
  // the offered protocols and password, the admission with the device as admitted) alive for
  // the connection's life. bench:memory, heap snapshot by retainer.
  function accept(ws: WebSocket, remoteAddress: string, value: T) {
    opts.accept(ws, { protocol: ws.protocol || 'ocpp1.6', remoteAddress }, value);
  }

  return {
    handleUpgrade(req, socket, head) {
      void upgrade(req, socket, head);
    },
    close() {
      open = false;
    },
  };
}

/** Sec-WebSocket-Protocol: comma-separated tokens (RFC 6455 §11.3.4). */
function parseProtocols(header: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!header) return out;
  for (const p of header.split(',')) {
    const t = p.trim();
    if (t) out.add(t);
  }
  return out;
}

/**
 * HTTP Basic with the identity as user name (OCPP 1.6 security whitepaper, profile 1). The
 * password is kept as bytes: the whitepaper recommends random binary keys, and the user part
 * is matched as `identity:` so an identity may itself contain a colon.
 */
function basicPassword(header: string | undefined, identity: string): Buffer | undefined {
  const m = header?.match(/^ *[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9._~+/-]+=*) *$/);
  if (!m) return undefined;
  const userPass = Buffer.from(m[1]!, 'base64');
  const user = Buffer.from(`${identity}:`);
  if (userPass.length < user.length || user.compare(userPass, 0, user.length) !== 0) return undefined;
  return userPass.subarray(user.length);
}

function abortHandshake(socket: Duplex, status: number, message: string): void {
  refuseUpgrade(socket, status, message);
}
