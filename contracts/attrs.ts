/**
 * The keys of an `attrs` message (docs/mqtt.md, docs/measurands.md): one grammar, built here by
 * the gateway (gateway/meter-values/normalize.ts, the 2.1 periodic event streams) and parsed
 * back here by history (history/points.ts). A key is
 *
 *   <attribute>[_<phase>][_<location>][_signed]     current_L1, voltage_L1-N, temperature_Body,
 *                                                   soc_EV, energy_signed, energy_L1_EV_signed
 *   stream_<id>                                     a 2.1 periodic event stream's value
 *
 * with the attribute of a measurand (measurands.ts), an OCPP phase (§7.34), a location other than
 * Outlet (§7.30: Outlet is the default and names none) and `_signed` for signed meter data, kept
 * as text. The envelope keys (ENVELOPE_KEYS) are never telemetry. Pure.
 */
import { LOCATIONS, PHASES } from './measurands.ts';

/** A telemetry attribute's value: a number in the attribute's fixed unit, or text (signed data, a stream's non-numeric value). */
export type TelemetryValue = number | string;

/** One sample time's telemetry: what one attrs message carries besides its envelope. */
export interface AttrsSample {
  /** The charger's sample time, ISO 8601 UTC. */
  timestamp: string;
  context?: string | undefined;
  values: Record<string, TelemetryValue>;
}

/** The envelope of an attrs message (payloads.ts attrsPayload): the sample's time, context and where it was taken. */
export const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['timestamp', 'connectorId', 'transactionId', 'context', 'evseId', 'chargerTransactionId', 'variableMonitoringId']);

const PHASE_SET: ReadonlySet<string> = new Set(PHASES.values());
const LOCATION_SET: ReadonlySet<string> = new Set(LOCATIONS.values());

/** The key of an attribute; location Outlet (the default) and '' (an unknown one) name no location. */
export function attrKey(attr: string, phase?: string, location?: string, signed = false): string {
  let key = phase ? `${attr}_${phase}` : attr;
  if (location && location !== 'Outlet') key = `${key}_${location}`;
  return signed ? `${key}_signed` : key;
}

/** The key of a 2.1 periodic event stream's values. */
export function streamKey(streamId: number): string {
  return `stream_${streamId}`;
}

export interface ParsedAttrKey {
  /** The attribute (`stream_<id>` for a stream). */
  attr: string;
  phase?: string;
  location?: string;
  /** Signed meter data: text, never a number. */
  signed: boolean;
}

/** attrKey backwards: `current_L1` -> current, phase L1; `temperature_Body` -> location Body; `x_L1_EV` both. */
export function parseAttrKey(key: string): ParsedAttrKey {
  const signed = key.endsWith('_signed');
  const parts = (signed ? key.slice(0, -'_signed'.length) : key).split('_');
  let location: string | undefined;
  let phase: string | undefined;
  if (parts.length > 1 && LOCATION_SET.has(parts.at(-1)!)) location = parts.pop();
  if (parts.length > 1 && PHASE_SET.has(parts.at(-1)!)) phase = parts.pop();
  return { attr: parts.join('_'), ...(phase ? { phase } : {}), ...(location ? { location } : {}), signed };
}
