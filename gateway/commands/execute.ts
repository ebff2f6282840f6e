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
import { errorReply, shownPayload, type Command, type CommandReply } from '../../contracts/commands.ts';
import { checkCommand } from './check.ts';
import { isNeutralAction, translate, type Translated } from '../../ocpp/commands/neutral.ts';

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

/**
 * 2.0.1 TriggerMessage's requestedMessage (MessageTriggerEnumType) -> the action the station
 * then sends, which B02.FR.09 allows during a Pending boot (dispatch.ts).
 */
const TRIGGERED: Readonly<Record<string, string>> = {
  BootNotification: 'BootNotification',
  LogStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  SignChargingStationCertificate: 'SignCertificate',
  SignV2GCertificate: 'SignCertificate',
  SignCombinedCertificate: 'SignCertificate',
  StatusNotification: 'StatusNotification',
  TransactionEvent: 'TransactionEvent',
  PublishFirmwareStatusNotification: 'PublishFirmwareStatusNotification',
};

function noteTrigger(session: ChargerSession, cmd: Command, response: unknown): void {
  if (session.adapter.family !== '2.x' || cmd.action !== 'TriggerMessage' || (response as { status?: unknown } | null)?.status !== 'Accepted') return;
  const m = String(cmd.payload['requestedMessage']);
  const a = Object.hasOwn(TRIGGERED, m) ? TRIGGERED[m] : undefined;
  if (a) session.triggered.add(a);
}

export async function executeCommand(session: ChargerSession, client: RpcClient, asked: Command, opts: ExecuteOptions): Promise<CommandReply> {
  // A version-neutral command goes out as the request of the charger's version (neutral.ts).
  let neutral: Translated | undefined;
  let cmd = asked;
  let problem: ReturnType<typeof checkCommand> = null;
  if (isNeutralAction(asked.action)) {
    const t = translate(asked.action, asked.payload, session.adapter.family, session.shadow);
    if (t.ok) {
      neutral = t.value;
      cmd = { ...asked, action: t.value.action, payload: t.value.payload };
    } else problem = { code: 'invalid', message: t.message, field: t.field };
  }
  problem ??= checkCommand(cmd, session.shadow, session.adapter);
  if (problem && neutral && problem.field?.startsWith('payload')) {
    // The translated request was refused: in the neutral command's terms, the connector the
    // caller named (the EVSE or connector check, check.ts), else its payload as a whole.
    const connector = problem.field === 'payload.evseId' || problem.field === 'payload.evse.id' || problem.field === 'payload.connectorId';
    problem = { ...problem, message: `as ${cmd.action}: ${problem.message}`, field: connector && 'connectorId' in asked.payload ? 'payload.connectorId' : 'payload' };
  }
  const sentAt = new Date().toISOString();
  const sentPerf = performance.now();
  const timeoutMs = cmd.timeoutMs ?? opts.defaultTimeoutMs;
  const left = opts.acceptedAt + timeoutMs - Date.now();
  let reply: CommandReply;
  if (problem) {
    reply = errorReply(cmd.id, asked.action, problem.code, problem.message, { field: problem.field });
  } else if (left <= 0) {
    reply = errorReply(cmd.id, asked.action, 'timeout', `not sent: its ${timeoutMs} ms had run out before it reached the charger's gateway`, { sent: false });
  } else {
    try {
      const response = await client.call(cmd.action, cmd.payload, { callTimeoutMs: left, maxQueued: opts.maxQueued });
      reply = neutral ? { id: cmd.id, action: asked.action, status: 'ok', response: neutral.reply(response), ocpp: { action: cmd.action, response } } : { id: cmd.id, action: cmd.action, status: 'ok', response };
      noteTrigger(session, cmd, response);
    } catch (err) {
      const e = err as Partial<CallFailure> & Error & { rpcErrorCode?: string };
      if (err instanceof CallQueueFullError) {
        reply = errorReply(cmd.id, asked.action, 'busy', `not sent: ${err.maxQueued} commands are already waiting for this charger`, { sent: false });
      } else if (err instanceof TimeoutError) {
        reply = e.sent
          ? errorReply(cmd.id, asked.action, 'timeout', `sent, but no answer within ${timeoutMs} ms: the charger may still act on it`, { sent: true })
          : errorReply(cmd.id, asked.action, 'timeout', `not sent: still waiting behind earlier commands to this charger when its ${timeoutMs} ms ran out`, { sent: false });
      } else if (e.rpcErrorCode) reply = errorReply(cmd.id, asked.action, e.rpcErrorCode, e.message);
      else reply = errorReply(cmd.id, asked.action, 'offline', `charger connection lost: ${e.message}`, { sent: e.sent });
    }
  }
  session.event({
    type: 'command',
    id: cmd.id,
    action: cmd.action,
    request: shownPayload(cmd),
    ...(reply.status === 'ok' ? { response: reply.ocpp ? reply.ocpp.response : reply.response } : { error: reply.error }),
    ...(neutral ? { neutral: asked.action } : {}),
    sentAt,
    answeredAt: new Date().toISOString(),
  });
  observeCommand(cmd.action, reply.status === 'ok' ? 'ok' : reply.error.code, (performance.now() - sentPerf) / 1000);
  if (reply.status === 'error') session.log.warn({ action: cmd.action, error: reply.error }, 'command failed');
  return reply;
}
