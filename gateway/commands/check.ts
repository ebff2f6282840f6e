/** A command checked before it is sent (commands/execute.ts). Pure. */
import type { Command, ReplyError } from '../../contracts/commands.ts';
import { failedPath } from '../../ocpp/schema-set.ts';
import type { ProtocolAdapter } from '../protocols/adapter.ts';
import type { Shadow } from '../shadow.ts';

/**
 * Checks a command against the request schema of the charger's OCPP version and against what
 * the gateway knows of the charger, so nothing invalid is sent (issue 5 "Bad input").
 */
export function checkCommand(cmd: Command, shadow: Shadow | null, adapter: ProtocolAdapter): ReplyError | null {
  if (!adapter.commandActions.has(cmd.action)) {
    return { code: 'invalid', message: `${cmd.action} is not a command of ${adapter.schemas.name}, which this charger speaks`, field: 'action' };
  }
  const v = adapter.schemas.validateRequest(cmd.action, cmd.payload);
  if (!v.ok) {
    const path = failedPath(v.error);
    return { code: 'invalid', message: `${v.error.rpcErrorCode}: ${v.error.message}`, field: path ? `payload.${path}` : 'payload' };
  }
  // A connector (2.x: an EVSE, the shadow's connector key) the charger never reported does not
  // exist. Connector 0 is the charge point itself (OCPP 1.6 §3.8); before the first
  // StatusNotification nothing is known: let it pass.
  const evse = cmd.payload['evse'];
  const connectorId = adapter.family === '2.x' ? (cmd.payload['evseId'] ?? (typeof evse === 'object' && evse !== null ? (evse as Record<string, unknown>)['id'] : undefined)) : cmd.payload['connectorId'];
  const field = adapter.family === '2.x' ? (cmd.payload['evseId'] !== undefined ? 'payload.evseId' : 'payload.evse.id') : 'payload.connectorId';
  if (shadow && typeof connectorId === 'number' && connectorId > 0) {
    const known = Object.keys(shadow.connectors).map(Number).filter((n) => n > 0);
    if (known.length > 0 && !known.includes(connectorId)) {
      return { code: 'invalid', message: `${adapter.family === '2.x' ? 'EVSE' : 'connector'} ${connectorId} does not exist (known: ${known.join(', ')})`, field };
    }
  }
  return null;
}
