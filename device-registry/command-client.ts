/**
 * The HTTP side of commands: publishes on the device's `config` topic and waits for the
 * matching `config/reply`, so an HTTP command takes the same path as a platform's MQTT one and
 * reaches the charger on whichever gateway holds it.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../broker/bus.ts';
import { MAX_TIMEOUT_MS, PRIVATE_PREFIX, type CommandReply } from '../contracts/commands.ts';
import type { Topics } from '../contracts/topics.ts';

export interface CommandClient {
  start(): Promise<void>;
  /** `private`: a command carrying a secret, on a topic no tenant can read (PRIVATE_PREFIX). */
  send(tenant: string, deviceId: string, cmd: { action: string; payload: unknown; timeoutMs?: number | undefined }, opts?: { private?: boolean }): Promise<CommandReply>;
}

/**
 * How long past the command's own timeout this side waits for the gateway. The gateway answers
 * by the deadline it counts from taking the command (queue and forwarding included,
 * gateway/commands/router.ts), so a reply later than this means no gateway is answering
 * (gone, or the broker lost the reply): the margin covers the broker hops and a busy event loop.
 */
export const REPLY_MARGIN_MS = 5_000;

export function createCommandClient(deps: { bus: Bus; topics: Topics; defaultTimeoutMs: number }): CommandClient {
  const pending = new Map<string, (r: CommandReply) => void>();
  return {
    async start() {
      await deps.bus.subscribe(
        deps.topics.every('config/reply'),
        (topic, payload) => {
          if (!deps.topics.parse(topic)) return;
          try {
            const r = JSON.parse(payload.toString()) as CommandReply;
            pending.get(r.id)?.(r);
          } catch {
            // not ours
          }
        },
        { qos: 1 },
      );
    },
    send(tenant, deviceId, cmd, opts = {}) {
      const id = `http-${randomUUID()}`;
      // Explicit, so the gateway's deadline is the one waited for here even if its default
      // differs; within what a command may ask for.
      const timeoutMs = cmd.timeoutMs ?? Math.min(deps.defaultTimeoutMs, MAX_TIMEOUT_MS);
      return new Promise<CommandReply>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          // No `sent`: nobody here knows whether a gateway sent it to the charger.
          const message = `no reply from any gateway within ${timeoutMs + REPLY_MARGIN_MS} ms: the outcome is unknown, the charger may or may not have received the command`;
          resolve({ id, action: cmd.action, status: 'error', error: { code: 'timeout', message } });
        }, timeoutMs + REPLY_MARGIN_MS);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(r);
        });
        const topic = deps.topics.device(tenant, deviceId, 'config');
        deps.bus.publish(opts.private ? PRIVATE_PREFIX + topic : topic, JSON.stringify({ id, action: cmd.action, payload: cmd.payload, timeoutMs }), { qos: 1 });
      });
    },
  };
}
