/**
 * Sends one command to a connected charger and turns what happens into a reply: the charger's
 * answer, its CALLERROR code, `timeout`, or `offline` when the socket went away meanwhile.
 * Every command is published as a `command` event (interface.md: events for every exchange).
 */
import ocppRpc from 'ocpp-rpc';
import type { OcppConnection } from '../../common/ocpp-j/connection.ts';
import type { ChargerSession } from '../session.ts';
import { checkCommand, errorReply, type Command, type CommandReply } from './command.ts';

type RpcClient = Pick<OcppConnection, 'call'>;

// ocpp-rpc spreads its error classes into module.exports, which Node's ESM named-export
// detection cannot see: take them from the default export.
const { TimeoutError } = ocppRpc;

export async function executeCommand(session: ChargerSession, client: RpcClient, cmd: Command, defaultTimeoutMs: number): Promise<CommandReply> {
  const problem = checkCommand(cmd, session.shadow);
  const sentAt = new Date().toISOString();
  let reply: CommandReply;
  if (problem) {
    reply = errorReply(cmd.id, cmd.action, problem.code, problem.message, problem.field);
  } else {
    try {
      const response = await client.call(cmd.action, cmd.payload, { callTimeoutMs: cmd.timeoutMs ?? defaultTimeoutMs });
      reply = { id: cmd.id, action: cmd.action, status: 'ok', response };
    } catch (err) {
      const e = err as Error & { rpcErrorCode?: string };
      if (err instanceof TimeoutError) reply = errorReply(cmd.id, cmd.action, 'timeout', `no answer within ${cmd.timeoutMs ?? defaultTimeoutMs} ms`);
      else if (e.rpcErrorCode) reply = errorReply(cmd.id, cmd.action, e.rpcErrorCode, e.message);
      else reply = errorReply(cmd.id, cmd.action, 'offline', `charger connection lost: ${e.message}`);
    }
  }
  session.event({
    type: 'command',
    id: cmd.id,
    action: cmd.action,
    request: cmd.payload,
    ...(reply.status === 'ok' ? { response: reply.response } : { error: reply.error }),
    sentAt,
    answeredAt: new Date().toISOString(),
  });
  if (reply.status === 'error') session.log.warn({ action: cmd.action, error: reply.error }, 'command failed');
  return reply;
}
