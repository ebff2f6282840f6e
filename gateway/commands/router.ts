/**
 * Routes commands from `{tenant}:{deviceId}/config` to the charger, wherever it is connected.
 *
 * Gateways are stateless: each one subscribes to the command topic (a shared subscription on an
 * external broker, so each command reaches exactly one gateway) and to the retained shadows,
 * which name the gateway holding each charger. A command for a charger held elsewhere is
 * forwarded to that gateway's own topic; one for a charger held nowhere is answered `offline`
 * at once. The reply goes to `{tenant}:{deviceId}/config/reply`.
 *
 * A command's deadline counts from when a gateway first took it off `config`: forwarded, it
 * carries the time already spent (`elapsedMs`, not an absolute time, so two hosts' clocks need
 * not agree), and the holding gateway's deadline is what was left.
 */
import type { Logger } from '../../common/logger.ts';
import type { Bus } from '../../broker/bus.ts';
import { eventPayload } from '../../contracts/payloads.ts';
import type { Topics } from '../../contracts/topics.ts';
import type { Gateway } from '../index.ts';
import { errorReply, parseCommand, PRIVATE_PREFIX, shownPayload, type Command, type CommandReply } from '../../contracts/commands.ts';

const QOS1 = { qos: 1 } as const;
export const forwardTopic = (gatewayId: string) => `chargebridge/gateways/${gatewayId}/commands`;

/** A command on its way to the gateway that holds the charger. */
interface Forwarded {
  tenant: string;
  deviceId: string;
  command: Command;
  /** Time since the forwarding gateway accepted the command: it counts against its timeout. */
  elapsedMs?: number;
}

interface Holder {
  online: boolean;
  gateway: string | null;
  tenant: string;
}

export interface CommandRouter {
  start(): Promise<void>;
}

export function createCommandRouter(deps: { bus: Bus; gateway: Gateway; log: Logger; sharedSubscription: boolean; topics: Topics }): CommandRouter {
  const { bus, gateway, topics } = deps;
  const log = deps.log.child({ component: 'commands' });
  const holders = new Map<string, Holder>();

  function reply(tenant: string, deviceId: string, r: CommandReply): void {
    let text: string;
    try {
      text = JSON.stringify(r);
    } catch {
      // The charger's answer itself (nested thousands of levels deep): the caller still gets
      // one reply, saying the answer was unusable, instead of waiting for its timeout.
      text = JSON.stringify(errorReply(r.id, r.action, 'FormatViolation', "the charger's answer could not be serialized (nested too deep)"));
    }
    bus.publish(topics.device(tenant, deviceId, 'config/reply'), text, QOS1);
  }

  async function run(tenant: string, deviceId: string, cmd: Command, acceptedAt: number): Promise<void> {
    const local = gateway.execute(deviceId, cmd, acceptedAt);
    if (local) return reply(tenant, deviceId, await local);
    const h = holders.get(deviceId);
    if (h && h.online && h.gateway && h.gateway !== gateway.id && h.tenant === tenant) {
      const forwarded: Forwarded = { tenant, deviceId, command: cmd, elapsedMs: Date.now() - acceptedAt };
      bus.publish(forwardTopic(h.gateway), JSON.stringify(forwarded), QOS1);
      return;
    }
    const r = errorReply(cmd.id, cmd.action, 'offline', 'the charger is not connected', { sent: false });
    reply(tenant, deviceId, r);
    const ts = new Date().toISOString();
    bus.publish(topics.device(tenant, deviceId, 'events'), eventPayload({ type: 'command', id: cmd.id, action: cmd.action, request: shownPayload(cmd), error: r.error, sentAt: ts, answeredAt: ts }, ts), QOS1);
  }

  function onCommand(topic: string, payload: Buffer): void {
    const acceptedAt = Date.now();
    const t = topics.parse(topic.startsWith(PRIVATE_PREFIX) ? topic.slice(PRIVATE_PREFIX.length) : topic);
    if (!t || t.kind !== 'config') return;
    const parsed = parseCommand(payload);
    if (!parsed.ok) return reply(t.tenant, t.deviceId, parsed.reply);
    // A tenant can only publish on its own topics (broker ACL); a device of another tenant
    // under this tenant's name is "not connected" here, and nothing is sent.
    const h = holders.get(t.deviceId);
    if (h && h.tenant !== t.tenant) return reply(t.tenant, t.deviceId, errorReply(parsed.command.id, parsed.command.action, 'offline', 'the charger is not connected', { sent: false }));
    run(t.tenant, t.deviceId, parsed.command, acceptedAt).catch((err: unknown) => log.error({ err, topic }, 'command failed'));
  }

  function onForward(_topic: string, payload: Buffer): void {
    try {
      const { tenant, deviceId, command, elapsedMs } = JSON.parse(payload.toString()) as Forwarded;
      // From a gateway that predates elapsedMs: its time in the broker is all that is lost.
      const acceptedAt = Date.now() - (typeof elapsedMs === 'number' && elapsedMs > 0 ? elapsedMs : 0);
      const local = gateway.execute(deviceId, command, acceptedAt);
      // The charger left between the lookup and now: it is offline.
      (local ?? Promise.resolve(errorReply(command.id, command.action, 'offline', 'the charger is not connected', { sent: false }))).then(
        (r) => reply(tenant, deviceId, r),
        (err: unknown) => log.error({ err }, 'forwarded command failed'),
      );
    } catch (err) {
      log.warn({ err }, 'bad forwarded command');
    }
  }

  function onState(topic: string, payload: Buffer): void {
    const t = topics.parse(topic);
    if (!t || t.kind !== 'state') return;
    try {
      const s = JSON.parse(payload.toString()) as { online?: boolean; gateway?: string | null; connectedAt?: string | null };
      holders.set(t.deviceId, { online: s.online === true, gateway: s.gateway ?? null, tenant: t.tenant });
      if (s.online && s.gateway && s.gateway !== gateway.id && s.connectedAt) gateway.takenOver(t.deviceId, s.gateway, s.connectedAt);
    } catch {
      // not a shadow: ignore
    }
  }

  return {
    async start() {
      await bus.subscribe(topics.every('state'), onState, { qos: 1 });
      await bus.subscribe(forwardTopic(gateway.id), onForward, { qos: 1 });
      const share = deps.sharedSubscription ? '$share/chargebridge-gateways/' : '';
      await bus.subscribe(share + topics.every('config'), onCommand, { qos: 1 });
      await bus.subscribe(share + PRIVATE_PREFIX + topics.every('config'), onCommand, { qos: 1 });
    },
  };
}
