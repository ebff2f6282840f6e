/**
 * What the handshake knows of a charger's connection: its address, whether it came over TLS,
 * and its client certificate. Straight from the socket, or, for a request from one of
 * TRUSTED_PROXIES (a TLS-terminating reverse proxy), from the proxy's headers:
 *
 * - `X-Forwarded-For`: the client address is the right-most entry that is not itself a trusted
 *   proxy (entries further left were written by the client and prove nothing);
 * - `X-Forwarded-Proto: https` (or `wss`): the charger's leg was TLS;
 * - OCPP_PROXY_CERT_HEADER (`X-SSL-Client-Cert`): its certificate, URL-encoded PEM as nginx's
 *   `$ssl_client_escaped_cert` writes it (a raw PEM with its line breaks folded into spaces, as
 *   some proxies send it, is read too).
 *
 * From any other address these headers are ignored: anyone can write them.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { describeCertificate, verifyChain, type ClientCertificate } from './client-certificate.ts';

export interface Transport {
  remoteAddress: string;
  /** The charger's own leg of the connection was TLS (wss). */
  secure: boolean;
  clientCertificate: ClientCertificate | null;
  /** The request came through a trusted proxy (its headers were used). */
  viaProxy: boolean;
}

export interface TransportOptions {
  trustedProxies: readonly string[];
  /** Lower-case header name of a forwarded client certificate. */
  certHeader: string;
  /** The CAs a forwarded certificate must chain to (OCPP_TLS_CA_FILE), current at each call. */
  anchors(): readonly X509Certificate[];
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export function trustList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [ip, bits] = e.split('/') as [string, string | undefined];
    const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const a = plain(address);
  if (isIPv4(a)) return list.check(a, 'ipv4');
  if (isIPv6(a)) return list.check(a, 'ipv6');
  return false;
}

/** Right to left through X-Forwarded-For, past the trusted hops. */
function forwardedFor(header: string | string[] | undefined, list: BlockList): string | null {
  const all = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (let i = all.length - 1; i >= 0; i--) {
    const a = plain(all[i]!);
    if (!isIPv4(a) && !isIPv6(a)) return null;
    if (!trusted(list, a) || i === 0) return a;
  }
  return null;
}

function forwardedCertificate(value: string, anchors: readonly X509Certificate[]): ClientCertificate | null {
  let pem = value.trim();
  if (pem === '' || pem === '(null)') return null;
  if (pem.includes('%')) {
    try {
      pem = decodeURIComponent(pem);
    } catch {
      return { verified: false, error: 'CERT_HEADER_MALFORMED', commonName: null, organization: null, serialNumber: '', fingerprint256: '', validTo: '', via: 'proxy' };
    }
  }
  // "-----BEGIN CERTIFICATE----- MIIB... -----END CERTIFICATE-----" (line breaks folded).
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  let x: X509Certificate;
  try {
    if (!m) throw new Error('no PEM');
    x = new X509Certificate(`-----BEGIN CERTIFICATE-----\n${m[1]!.trim().replace(/\s+/g, '\n')}\n-----END CERTIFICATE-----\n`);
  } catch {
    return { verified: false, error: 'CERT_HEADER_MALFORMED', commonName: null, organization: null, serialNumber: '', fingerprint256: '', validTo: '', via: 'proxy' };
  }
  const error = verifyChain(x, anchors);
  return describeCertificate(x, { verified: error === null, error }, 'proxy');
}

function socketCertificate(socket: TLSSocket): ClientCertificate | null {
  const x = socket.getPeerX509Certificate();
  if (!x) return null;
  const error = socket.authorized ? null : String(socket.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  return describeCertificate(x, { verified: socket.authorized, error }, 'tls');
}

export function createTransportReader(opts: TransportOptions): (req: IncomingMessage) => Transport {
  const list = trustList(opts.trustedProxies);
  const any = opts.trustedProxies.length > 0;
  return (req) => {
    const socket = req.socket as TLSSocket;
    const direct = socket.encrypted === true;
    const peer = plain(socket.remoteAddress ?? '');
    if (!any || !trusted(list, peer)) {
      return { remoteAddress: peer, secure: direct, clientCertificate: direct ? socketCertificate(socket) : null, viaProxy: false };
    }
    const proto = req.headers['x-forwarded-proto'];
    const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
    const header = req.headers[opts.certHeader];
    const value = Array.isArray(header) ? header[0] : header;
    return {
      remoteAddress: forwardedFor(req.headers['x-forwarded-for'], list) ?? peer,
      // Through a proxy, the charger's leg counts: plain from the charger is plain, whatever
      // the proxy-to-gateway leg was.
      secure: first === 'https' || first === 'wss',
      clientCertificate: value !== undefined ? forwardedCertificate(value, opts.anchors()) : direct ? socketCertificate(socket) : null,
      viaProxy: true,
    };
  };
}
