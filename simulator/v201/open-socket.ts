/**
 * A station's WebSocket to the CSMS: the identity as the last path segment, one subprotocol
 * offered, HTTP Basic (security profile 1) when there is a password. Resolves once open with
 * that subprotocol; rejects with what went wrong (refused, closed, another subprotocol).
 */
import WebSocket from 'ws';

export interface SocketOptions {
  url: string;
  identity: string;
  protocol: string;
  password?: string | undefined;
  localAddress?: string | undefined;
}

export async function openSocket(o: SocketOptions): Promise<WebSocket> {
  const ws = new WebSocket(`${o.url}/${encodeURIComponent(o.identity)}`, [o.protocol], {
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    ...(o.password ? { headers: { authorization: `Basic ${Buffer.from(`${o.identity}:${o.password}`).toString('base64')}` } } : {}),
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  ws.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed during the handshake')));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`CSMS refused the connection: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`));
        ws.terminate();
      });
    });
    if (ws.protocol !== o.protocol) throw new Error(`CSMS did not accept subprotocol ${o.protocol} (got "${ws.protocol}")`);
    return ws;
  } catch (err) {
    ws.terminate();
    throw err;
  }
}
