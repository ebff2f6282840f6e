/**
 * The flooders of `npm run bench -- --flood N`: N raw WebSocket chargers (not the simulator)
 * that boot, then send MeterValues CALLs back to back without waiting for the answers —
 * pipelining, which OCPP-J 1.6 §4.1.1 forbids ("a Charge Point or Central System SHOULD NOT
 * send a CALL message to the other party unless all the CALL messages it sent before have been
 * responded to or have timed out"). A charger uploading its offline backlog at once looks like
 * this. Driven over IPC by bench/run.ts:
 *   → {type:'ready', connected, failed}; ← 'flood' starts; ← 'report' → {type:'report', ...};
 *   ← 'stop' → {type:'report', ...} and exit.
 *
 * "As fast as they can" is as fast as each socket takes frames: a flooder writes until ws holds
 * HIGH_WATER bytes it could not hand to the kernel, then waits for the socket to drain (otherwise
 * this process would only measure its own memory). Samples carry current, voltage and energy but
 * no power, so the bench's subscriber tells them from the compliant chargers' (which all carry
 * power; bench/subscriber.ts).
 */
import WebSocket from 'ws';

const o = JSON.parse(process.argv[2]!) as { url: string; count: number; prefix: string; sources: number };
const HIGH_WATER = 256 * 1024;
/** Frames one flooder writes per turn of the event loop before letting the others run. */
const PER_TURN = 64;

const stats = { connected: 0, failed: 0, closed: 0, sent: 0, answered: 0, callErrors: 0, lastError: null as string | null };
let flooding = false;

interface Flooder {
  ws: WebSocket;
  seq: number;
  waiting: boolean;
}

function frame(f: Flooder): string {
  const timestamp = new Date().toISOString();
  return JSON.stringify([2, `f${f.seq++}`, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp, sampledValue: [{ value: '16.0', measurand: 'Current.Import', unit: 'A' }, { value: '230.0', measurand: 'Voltage', unit: 'V' }, { value: String(1_000_000 + f.seq), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }]);
}

function pump(f: Flooder): void {
  f.waiting = false;
  if (!flooding || f.ws.readyState !== WebSocket.OPEN) return;
  for (let i = 0; i < PER_TURN; i++) {
    if (f.ws.bufferedAmount >= HIGH_WATER) {
      // ws has no drain event of its own: its socket's says when the kernel took the bytes.
      f.waiting = true;
      (f.ws as unknown as { _socket: NodeJS.EventEmitter })._socket.once('drain', () => pump(f));
      return;
    }
    f.ws.send(frame(f));
    stats.sent++;
  }
  setImmediate(() => pump(f));
}

function connect(i: number): Promise<Flooder | null> {
  const identity = `${o.prefix}${String(i).padStart(6, '0')}`;
  const ws = new WebSocket(`${o.url}/${encodeURIComponent(identity)}`, ['ocpp1.6'], { perMessageDeflate: false, ...(o.sources > 1 ? { localAddress: `127.0.0.${1 + (i % o.sources)}` } : {}) });
  const f: Flooder = { ws, seq: 0, waiting: false };
  return new Promise((resolve) => {
    ws.on('error', (err) => {
      stats.lastError = err.message;
      resolve(null);
    });
    ws.on('close', () => {
      stats.closed++;
      resolve(null);
    });
    ws.on('open', () => {
      ws.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Flooder' }]));
    });
    ws.on('message', (data) => {
      // Only the message type is read: [3, id, …] answered, [4, id, …] refused.
      const t = String(data).charCodeAt(1);
      if (t === 51) {
        if (f.seq === 0 && String(data).startsWith('[3,"boot"')) {
          stats.connected++;
          return resolve(f);
        }
        stats.answered++;
      } else if (t === 52) {
        stats.callErrors++;
        if (f.seq === 0) {
          stats.lastError = String(data).slice(0, 200);
          resolve(null);
        }
      }
    });
  });
}

const flooders = (await Promise.all(Array.from({ length: o.count }, (_, i) => connect(i)))).filter((f): f is Flooder => f !== null);
stats.failed = o.count - flooders.length;
process.send!({ type: 'ready', connected: stats.connected, failed: stats.failed, lastError: stats.lastError });

process.on('message', (m: string) => {
  if (m === 'flood') {
    flooding = true;
    for (const f of flooders) pump(f);
  } else if (m === 'report') {
    process.send!({ type: 'report', ...stats });
  } else if (m === 'stop') {
    flooding = false;
    for (const f of flooders) f.ws.terminate();
    process.send!({ type: 'report', ...stats }, () => process.exit(0));
  }
});
