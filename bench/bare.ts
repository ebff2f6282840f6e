/**
 * The bare pass-through pipeline `npm run bench` compares the gateway with, in its own process:
 * a `ws` WebSocket server on the OCPP port speaking just enough OCPP-J 1.6 to keep the simulated
 * chargers going, and an aedes broker with a TCP listener for the bench's MQTT subscriber.
 * Per frame: JSON.parse; a CALL gets a CALLRESULT; a MeterValues CALL publishes one QoS 1
 * message per meterValue element on `admin:{chargePointId}/attrs` and is answered once aedes has
 * taken them all (what the gateway does without a journal). No validation, no normalization, no
 * events, no shadow, no registry, no storage: what is left is the floor any gateway on this
 * stack pays on this machine.
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

const OCPP_PORT = Number(process.env['OCPP_PORT'] ?? 9000);
const MQTT_PORT = Number(process.env['MQTT_PORT'] ?? 1883);
const HOST = process.env['HOST'] ?? '127.0.0.1';
const TENANT = 'admin';

const aedes = await Aedes.createBroker({ concurrency: 0 });
const mqttServer = net.createServer({ noDelay: true }, (socket) => aedes.handle(socket));
await new Promise<void>((r) => mqttServer.listen(MQTT_PORT, HOST, r));

const now = () => new Date().toISOString();
// Just enough of OCPP 1.6 §6 for the simulator (simulator/charger.ts reads BootNotification's
// status and interval, Authorize's and StartTransaction's idTagInfo, StartTransaction's id).
let nextTransactionId = 1;
const answers: Record<string, () => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
  StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
};

function onCall(ws: WebSocket, topic: string, messageId: string, action: string, payload: Record<string, unknown>) {
  const reply = (result: unknown) => ws.send(JSON.stringify([3, messageId, result]));
  if (action !== 'MeterValues') return reply(answers[action]?.() ?? {});
  const elements = Array.isArray(payload['meterValue']) ? (payload['meterValue'] as Array<{ timestamp?: string; sampledValue?: unknown }>) : [];
  let left = elements.length;
  if (!left) return reply({});
  for (const m of elements) {
    const text = JSON.stringify({ timestamp: m.timestamp, connectorId: payload['connectorId'], transactionId: payload['transactionId'], sampledValue: m.sampledValue });
    const packet = { cmd: 'publish', topic, payload: Buffer.from(text), qos: 1, retain: false, dup: false } as PublishPacket;
    aedes.publish(packet, () => {
      if (--left === 0) reply({});
    });
  }
}

const wss = new WebSocketServer({
  port: OCPP_PORT,
  host: HOST,
  // The gateway's accept backlog (mass connects overflow Node's default 511).
  backlog: 8192,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has('ocpp1.6') ? 'ocpp1.6' : false),
});
await new Promise<void>((r) => wss.once('listening', r));

wss.on('connection', (ws, req) => {
  const identity = decodeURIComponent((req.url ?? '/').split('/').pop() ?? '');
  const topic = `${TENANT}:${identity}/attrs`;
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    // Only CALLs (type 2) are answered; the charger's CALLRESULTs need nothing.
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
