/**
 * The bare pass-through pipeline `npm run bench` compares the gateway with, in its own process:
 * a `ws` WebSocket server on the OCPP port speaking just enough OCPP-J 1.6, 2.0.1 and 2.1 to
 * keep the simulated chargers going, and an aedes broker with a TCP listener for the bench's MQTT
 * subscriber. Per frame: JSON.parse; a CALL gets a CALLRESULT; a MeterValues CALL, or a 2.0.1 /
 * 2.1 TransactionEvent with meter values, publishes one QoS 1 message per meterValue element on
 * `admin:{chargePointId}/attrs` and is answered once aedes has taken them all (what the gateway
 * does without a journal); a 2.1 SEND (NotifyPeriodicEventStream) is read and dropped. No
 * validation, no normalization, no events, no shadow, no registry, no storage: what is left is
 * the floor any gateway on this stack pays on this machine.
 *
 * The payload is the meterValue element as the charger sent it, timestamp first, so the
 * subscriber reads the sample time the same way as from the gateway's attrs
 * (`"timestamp":"<ISO 8601>"` first; bench/subscriber.ts).
 *
 *   OCPP_PORT=9000 MQTT_PORT=1883 node bench/bare.ts
 *
 * Two settings are not aedes' defaults, the same as the gateway's broker (broker/embedded.ts):
 * `concurrency: 0` (no cap on deliveries in flight; the default 100 held 10,000/s at a p99 of
 * 46–173 ms, docs/benchmarks.md) and TCP noDelay. Everything else is the libraries' defaults.
 */
import net from 'node:net';
import { Aedes, type PublishPacket } from 'aedes';
import { WebSocketServer, type WebSocket } from 'ws';
import { topicsFor } from '../contracts/topics.ts';

const OCPP_PORT = Number(process.env['OCPP_PORT'] ?? 9000);
const MQTT_PORT = Number(process.env['MQTT_PORT'] ?? 1883);
const HOST = process.env['HOST'] ?? '127.0.0.1';
const TENANT = 'admin';

const aedes = await Aedes.createBroker({ concurrency: 0 });
const mqttServer = net.createServer({ noDelay: true }, (socket) => aedes.handle(socket));
await new Promise<void>((r) => mqttServer.listen(MQTT_PORT, HOST, r));

const now = () => new Date().toISOString();
// Just enough of OCPP 1.6 §6 for the simulator (simulator/charger.ts reads BootNotification's
// status and interval, Authorize's and StartTransaction's idTagInfo, StartTransaction's id), and
// of 2.0.1 / 2.1 (simulator/v201/station.ts reads the same BootNotification fields, Authorize's
// and TransactionEvent's idTokenInfo, OpenPeriodicEventStream's status); anything else gets {}.
let nextTransactionId = 1;
const answers16: Record<string, () => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
  StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
};
const answers2x: Record<string, (p: Record<string, unknown>) => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
  TransactionEvent: (p) => (p['idToken'] ? { idTokenInfo: { status: 'Accepted' } } : {}),
  OpenPeriodicEventStream: () => ({ status: 'Accepted' }),
};

function onCall(ws: WebSocket, topic: string, messageId: string, action: string, payload: Record<string, unknown>) {
  const reply = (result: unknown) => ws.send(JSON.stringify([3, messageId, result]));
  const v16 = ws.protocol === 'ocpp1.6';
  const answer = () => (v16 ? answers16[action]?.() : answers2x[action]?.(payload)) ?? {};
  if (action !== 'MeterValues' && action !== 'TransactionEvent') return reply(answer());
  const elements = Array.isArray(payload['meterValue']) ? (payload['meterValue'] as Array<{ timestamp?: string; sampledValue?: unknown }>) : [];
  let left = elements.length;
  if (!left) return reply(answer());
  // 1.6 names the connector and transaction at the top; 2.0.1 the EVSE (MeterValues) or evse and transactionInfo (TransactionEvent).
  const where = v16 ? { connectorId: payload['connectorId'], transactionId: payload['transactionId'] } : { evseId: payload['evseId'] ?? (payload['evse'] as { id?: number } | undefined)?.id, transactionId: (payload['transactionInfo'] as { transactionId?: string } | undefined)?.transactionId };
  for (const m of elements) {
    const text = JSON.stringify({ timestamp: m.timestamp, ...where, sampledValue: m.sampledValue });
    const packet = { cmd: 'publish', topic, payload: Buffer.from(text), qos: 1, retain: false, dup: false } as PublishPacket;
    aedes.publish(packet, () => {
      if (--left === 0) reply(answer());
    });
  }
}

const wss = new WebSocketServer({
  port: OCPP_PORT,
  host: HOST,
  // The gateway's accept backlog (mass connects overflow Node's default 511).
  backlog: 8192,
  perMessageDeflate: false,
  handleProtocols: (offered) => ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'].find((p) => offered.has(p)) ?? false,
});
await new Promise<void>((r) => wss.once('listening', r));

wss.on('connection', (ws, req) => {
  const identity = decodeURIComponent((req.url ?? '/').split('/').pop() ?? '');
  const topic = topicsFor('dojot').device(TENANT, identity, 'attrs'); // what the subscriber (default layout) follows
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    // Only CALLs (type 2) are answered; the charger's CALLRESULTs need nothing, a SEND (6) never gets an answer.
    if (!Array.isArray(msg) || msg[0] !== 2) return;
    onCall(ws, topic, String(msg[1]), String(msg[2]), (msg[3] ?? {}) as Record<string, unknown>);
  });
});

process.send?.({ type: 'listening', ocpp: OCPP_PORT, mqtt: MQTT_PORT });

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  mqttServer.close();
  aedes.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
