/**
 * Sends one command to a connected charger and turns what happens into a reply: the charger's
 * answer, its CALLERROR code, `timeout`, `busy` when too many commands already wait for it, or
 * `offline` when the socket went away meanwhile. `timeout` and `offline` say whether the CALL
 * went out (`sent`): a command the caller was told timed out while still queued is never sent.
 * Every command is published as a `command` event (interface.md: events for every exchange).
 */
import { observeCommand } from '../metrics.ts';
import ocppRpc from 'ocpp-rpc';
import { CallQueueFullError, type CallFailure, type OcppConnection } from '../../common/ocpp-j/connection.ts';
import type { ChargerSession } from '../session.ts';
import { checkCommand, errorReply, shownPayload, type Command, type CommandReply } from './command.ts';

type RpcClient = Pick<OcppConnection, 'call'>;

// ocpp-rpc spreads its error classes into module.exports, which Node's ESM named-export
// detection cannot see: take them from the default export.
const { TimeoutError } = ocppRpc;

export interface ExecuteOptions {
  /** For a command without `timeoutMs` (OCPP_CALL_TIMEOUT_MS). */
  defaultTimeoutMs: number;
  /** Commands that may wait for this charger behind the one on the wire (OCPP_MAX_QUEUED_COMMANDS). */
  maxQueued: number;
  /**
   * Date.now() when the command was accepted (the router took it off `config`, or the
   * forwarding gateway did): its deadline counts from there, whatever it waited for since.
   */
  acceptedAt: number;
}

export async function executeCommand(session: ChargerSession, client: RpcClient, cmd: Command, opts: ExecuteOptions): Promise<CommandReply> {
  const problem = checkCommand(cmd, session.shadow);
  const sentAt = new Date().toISOString();
  const sentPerf = performance.now();
  const timeoutMs = cmd.timeoutMs ?? opts.defaultTimeoutMs;
  const left = opts.acceptedAt + timeoutMs - Date.now();
  let reply: CommandReply;
  if (problem) {
    reply = errorReply(cmd.id, cmd.action, problem.code, problem.message, { field: problem.field });
  } else if (left <= 0) {
    reply = errorReply(cmd.id, cmd.action, 'timeout', `not sent: its ${timeoutMs} ms had run out before it reached the charger's gateway`, { sent: false });
  } else {
    try {
      const response = await client.call(cmd.action, cmd.payload, { callTimeoutMs: left, maxQueued: opts.maxQueued });
      reply = { id: cmd.id, action: cmd.action, status: 'ok', response };
    } catch (err) {
      const e = err as Partial<CallFailure> & Error & { rpcErrorCode?: string };
      if (err instanceof CallQueueFullError) {
        reply = errorReply(cmd.id, cmd.action, 'busy', `not sent: ${err.maxQueued} commands are already waiting for this charger`, { sent: false });
      } else if (err instanceof TimeoutError) {
        reply = e.sent
          ? errorReply(cmd.id, cmd.action, 'timeout', `sent, but no answer within ${timeoutMs} ms: the charger may still act on it`, { sent: true })
          : errorReply(cmd.id, cmd.action, 'timeout', `not sent: still waiting behind earlier commands to this charger when its ${timeoutMs} ms ran out`, { sent: false });
      } else if (e.rpcErrorCode) reply = errorReply(cmd.id, cmd.action, e.rpcErrorCode, e.message);
      else reply = errorReply(cmd.id, cmd.action, 'offline', `charger connection lost: ${e.message}`, { sent: e.sent });
    }
  }
  session.event({
    type: 'command',
    id: cmd.id,
    action: cmd.action,
    request: shownPayload(cmd),
    ...(reply.status === 'ok' ? { response: reply.response } : { error: reply.error }),
    sentAt,
    answeredAt: new Date().toISOString(),
  });
  observeCommand(cmd.action, reply.status === 'ok' ? 'ok' : reply.error.code, (performance.now() - sentPerf) / 1000);
  if (reply.status === 'error') session.log.warn({ action: cmd.action, error: reply.error }, 'command failed');
  return reply;
}
