/**
 * Which devices are online, as the retained shadows say: the registry API may run in a process
 * without a gateway (scale-out), and the database alone cannot tell who is connected now.
 */
import type { Bus } from '../broker/bus.ts';
import type { Topics } from '../contracts/topics.ts';

export interface PresenceView {
  start(): Promise<void>;
  online(deviceId: string): boolean;
}

export function createPresenceView(bus: Bus, topics: Topics): PresenceView {
  const online = new Map<string, boolean>();
  return {
    async start() {
      await bus.subscribe(
        topics.every('state'),
        (topic, payload) => {
          const t = topics.parse(topic);
          if (!t || t.kind !== 'state') return;
          try {
            online.set(t.deviceId, (JSON.parse(payload.toString()) as { online?: unknown }).online === true);
          } catch {
            // not a shadow
          }
        },
        { qos: 1 },
      );
    },
    online: (deviceId) => online.get(deviceId) ?? false,
  };
}
