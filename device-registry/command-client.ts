/**
 * The HTTP side of commands: publishes on the device's `config` topic and waits for the
 * matching `config/reply`, so an HTTP command takes the same path as a platform's MQTT one and
 * reaches the charger on whichever gateway holds it.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../broker/bus.ts';
import type { CommandReply } from '../gateway/commands/command.ts';
import { deviceTopic, parseDeviceTopic } from '../gateway/topics.ts';

export interface CommandClient {
  start(): Promise<void>;
  send(tenant: string, deviceId: string, cmd: { action: string; payload: unknown; timeoutMs?: number | undefined }): Promise<CommandReply>;
}

// The gateway's own call timeout answers first; this margin only covers a lost reply.
const REPLY_MARGIN_MS = 5_000;

export function createCommandClient(deps: { bus: Bus; defaultTimeoutMs: number }): CommandClient {
  const pending = new Map<string, (r: CommandReply) => void>();
  return {
    async start() {
      await deps.bus.subscribe(
        '+/config/reply',
        (topic, payload) => {
          if (!parseDeviceTopic(topic)) return;
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
    send(tenant, deviceId, cmd) {
      const id = `http-${randomUUID()}`;
      return new Promise<CommandReply>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ id, action: cmd.action, status: 'error', error: { code: 'timeout', message: 'no reply from any gateway' } });
        }, (cmd.timeoutMs ?? deps.defaultTimeoutMs) + REPLY_MARGIN_MS);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(r);
        });
        deps.bus.publish(deviceTopic(tenant, deviceId, 'config'), JSON.stringify({ id, action: cmd.action, payload: cmd.payload, timeoutMs: cmd.timeoutMs }), { qos: 1 });
      });
    },
  };
}
