/**
 * The heavy HTTP clients of `npm run bench -- --http-load N`, in their own process (their
 * response parsing must not delay the bench's MQTT subscriber): N requests kept in flight, each
 * followed by the next as soon as it is answered, against one URL with the admin token.
 * Driven over IPC by bench/run.ts: ← 'start'; ← 'stop' → {type:'done', ...} once the requests
 * in flight have ended (at most 30 s).
 */
import http from 'node:http';

const o = JSON.parse(process.argv[2]!) as { url: string; token: string; concurrency: number };
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const RESERVOIR = 100_000;

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let requests = 0;
let bytes = 0;
let running = false;
let inFlight = 0;
let startedAt = 0;
let lastError: string | null = null;

function once(): Promise<void> {
  const t = performance.now();
  inFlight++;
  return new Promise<void>((resolve) => {
    const req = http.get(o.url, { agent, headers: { authorization: `Bearer ${o.token}` } }, (res) => {
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => {
        requests++;
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
        if (latencies.length < RESERVOIR) latencies.push(performance.now() - t);
        else latencies[Math.floor(Math.random() * RESERVOIR)] = performance.now() - t;
        resolve();
      });
      res.on('error', (err) => {
        lastError = err.message;
        resolve();
      });
    });
    req.on('error', (err) => {
      lastError = err.message;
      statuses['error'] = (statuses['error'] ?? 0) + 1;
      // A refused connection would otherwise spin: try again a little later.
      setTimeout(resolve, 50);
    });
  }).finally(() => inFlight--);
}

async function loop(): Promise<void> {
  while (running) await once();
}

process.on('message', async (m: string) => {
  if (m === 'start') {
    running = true;
    startedAt = performance.now();
    for (let i = 0; i < o.concurrency; i++) void loop();
  } else if (m === 'stop') {
    running = false;
    const seconds = (performance.now() - startedAt) / 1000;
    const completedInWindow = requests;
    const bytesInWindow = bytes;
    for (const deadline = Date.now() + 30_000; inFlight > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    process.send!({ type: 'done', seconds, requests: completedInWindow, bytes: bytesInWindow, statuses, latencies, lastError, leftInFlight: inFlight }, () => process.exit(0));
  }
});
process.send!({ type: 'ready' });
