/**
 * GET /live: the dashboard's live feed as server-sent events, from whatever bus this process has
 * (the embedded broker, or Mosquitto/EMQX when the registry runs on its own), so the dashboard is
 * live in every deployment. One bus subscription per process fans out to the connected pages,
 * each confined to its token's tenant. A new page first gets the latest `state` shadow of each of
 * its devices (the retained state) and their active alerts, then every state, attrs, events and
 * alerts message as it happens.
 *
 * Event format: `data: {"topic": "<tenant>:<deviceId>/<kind>", "payload": <the MQTT payload>}`
 * (`<tenant>/<deviceId>/<kind>` in the tenant-level topic layout: the topic as published).
 * A page that cannot keep up (1 MiB unsent) is disconnected and reconnects; the feed never
 * buffers without bound.
 */
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../broker/bus.ts';
import type { Topics } from '../contracts/topics.ts';

const KINDS = ['state', 'attrs', 'events', 'alerts'] as const;
const MAX_UNSENT = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

interface Page {
  prefix: string;
  write(chunk: string): void;
  end(): void;
}

export interface LiveFeed {
  /**
   * Subscribes now: the embedded broker hands retained messages only to MQTT clients, not to
   * in-process subscriptions, so the feed must listen before the first charger connects.
   */
  start(): Promise<void>;
  routes(app: FastifyInstance): Promise<void>;
  readonly pages: number;
}

export function createLiveFeed(bus: Bus, topics: Topics): LiveFeed {
  const pages = new Set<Page>();
  const states = new Map<string, string>(); // state topic -> latest shadow
  let subscribed: Promise<void> | null = null;

  const frame = (topic: string, payload: string) => `data: {"topic":${JSON.stringify(topic)},"payload":${payload.replace(/\r?\n/g, ' ')}}\n\n`;

  function onMessage(topic: string, payload: Buffer) {
    // This runs for every publish of the process: with no page open, only shadows are kept.
    // Shadows and alerts are retained: the latest of each is kept for pages that open later.
    const isState = topic.endsWith('/state') || topic.endsWith('/alerts');
    if (!isState && pages.size === 0) return;
    const text = payload.toString('utf8');
    // Only JSON objects are forwarded: the frame embeds the payload as is.
    if (text.charCodeAt(0) !== 123 /* { */) return;
    if (isState) states.set(topic, text);
    for (const p of pages) if (topic.startsWith(p.prefix)) p.write(frame(topic, text));
  }

  const subscribe = () => (subscribed ??= Promise.all(KINDS.map((k) => bus.subscribe(topics.every(k), onMessage, { qos: 0 }))).then(() => undefined));

  return {
    start: subscribe,
    get pages() {
      return pages.size;
    },
    async routes(app) {
      // Open streams would hold the HTTP server's close forever: end them first.
      app.addHook('preClose', async () => {
        for (const p of pages) p.end();
        pages.clear();
      });
      app.get('/live', { schema: { tags: ['dashboard'], summary: 'Live feed of the tenant\'s device state, telemetry and events (text/event-stream)' } }, async (req, reply) => {
        await subscribe();
        const prefix = topics.tenantPrefix(req.caller.tenant);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        const page: Page = {
          prefix,
          write(chunk) {
            if (res.writableLength > MAX_UNSENT) {
              pages.delete(page);
              res.destroy();
              return;
            }
            res.write(chunk);
          },
          end: () => res.end(),
        };
        let initial = ': live\n\n';
        for (const [topic, text] of states) if (topic.startsWith(prefix)) initial += frame(topic, text);
        res.write(initial);
        pages.add(page);
        const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
        res.on('close', () => {
          clearInterval(keepalive);
          pages.delete(page);
        });
      });
    },
  };
}
