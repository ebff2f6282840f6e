/**
 * Action names across versions, for what must be decided before the charger's version is known
 * (a command's action on `config` or HTTP, metric labels): the union of every version's.
 * Whether the charger's own version has it is its own to say (versions.ts `commandActions`).
 */
import { CENTRAL_SYSTEM_ACTIONS, CHARGE_POINT_ACTIONS } from './v16-types.ts';
import { WHITEPAPER_CENTRAL_SYSTEM_ACTIONS, WHITEPAPER_CHARGE_POINT_ACTIONS } from './security-whitepaper.ts';
import { CHARGING_STATION_ACTIONS as CS201, CSMS_ACTIONS as CSMS201 } from './ocpp201/types.ts';
import { CHARGING_STATION_ACTIONS as CS21, CSMS_ACTIONS as CSMS21, SEND_ACTIONS } from './ocpp21/types.ts';

/** Every action a central system may send in some version, sorted. */
export const OCPP_COMMAND_ACTIONS: readonly [string, ...string[]] = [...new Set<string>([...CENTRAL_SYSTEM_ACTIONS, ...WHITEPAPER_CENTRAL_SYSTEM_ACTIONS, ...CSMS201, ...CSMS21])].sort() as [string, ...string[]];

/** Every action a charger may send in some version (SENDs included). */
export const CHARGER_ACTIONS: ReadonlySet<string> = new Set<string>([...CHARGE_POINT_ACTIONS, ...WHITEPAPER_CHARGE_POINT_ACTIONS, ...CS201, ...CS21, ...SEND_ACTIONS]);

const COMMANDS: ReadonlySet<string> = new Set(OCPP_COMMAND_ACTIONS);
export function isOcppCommandAction(a: unknown): a is string {
  return typeof a === 'string' && COMMANDS.has(a);
}
