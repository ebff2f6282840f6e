/**
 * npm run gen:ocpp-types — the OCPP payload types, generated with json-schema-to-typescript from
 * the JSON schemas that ocpp-rpc validates with (node_modules/ocpp-rpc/lib/schemas/), so payload
 * types and validation share one source of truth:
 *   ocpp/v16-types.ts      OCPP 1.6    ocpp1_6.json    ids urn:X.req / urn:X.conf
 *   ocpp/ocpp201/types.ts  OCPP 2.0.1  ocpp2_0_1.json  ids urn:X.req / urn:X.conf
 *   ocpp/ocpp21/types.ts   OCPP 2.1    ocpp2_1.json    ids urn:XRequest / urn:XResponse,
 *                                                      urn:X for a SEND (never answered)
 * `--out DIR` writes the files under DIR instead of the repository (ocpp/ocpp201/types.test.ts
 * compares such a run with the committed files, byte for byte).
 *
 * One file per version, one type per message and one per definition: the schemas carry the same
 * definitions (IdTokenType, ChargingProfileType, ...) in every message that uses them, so they are
 * merged into one combined schema first, and the generator stops if two same-named definitions
 * differ in anything but their descriptions. The OCA's 2.x schemas put the description of the
 * field that uses an enum on the enum's definition, so the same enum comes with a different
 * description in each message: those descriptions go onto the referencing members instead.
 *
 * The schemas do not say which side sends what: the lists below do, and the generator stops when
 * they do not cover exactly the schema file's actions (docs/ocpp-2.1-actions.md: the 2.1 ones).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { compile } from 'json-schema-to-typescript';

type Schema = { [k: string]: unknown };
type Kind = 'req' | 'conf' | 'send';

// ---- which side initiates what ---------------------------------------------------------------

/** OCPP 1.6 §4 (the charge point's operations), core profiles; DataTransfer goes both ways. */
export const V16_CHARGE_POINT_ACTIONS = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
] as const;

/**
 * OCPP 1.6 §5 (the central system's operations), core profiles. The security whitepaper's actions
 * that ocpp1_6.json also has (CertificateSigned, ExtendedTriggerMessage, SignCertificate, ...) are
 * in neither 1.6 list (they have their types, RequestOf and ResponseOf entries): the lists are what
 * the gateway serves (its command API, its metrics), unchanged by the move to json-schema-to-typescript.
 */
export const V16_CENTRAL_SYSTEM_ACTIONS = [
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
] as const;

/** OCPP 2.0.1: the actions a charging station initiates (DataTransfer: both directions). */
export const V201_CHARGING_STATION_ACTIONS = [
  'Authorize',
  'BootNotification',
  'ClearedChargingLimit',
  'DataTransfer',
  'FirmwareStatusNotification',
  'Get15118EVCertificate',
  'GetCertificateStatus',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'NotifyChargingLimit',
  'NotifyCustomerInformation',
  'NotifyDisplayMessages',
  'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'NotifyReport',
  'PublishFirmwareStatusNotification',
  'ReportChargingProfiles',
  'ReservationStatusUpdate',
  'SecurityEventNotification',
  'SignCertificate',
  'StatusNotification',
  'TransactionEvent',
] as const;

/** OCPP 2.0.1: the actions the CSMS initiates (DataTransfer: both directions). */
export const V201_CSMS_ACTIONS = [
  'CancelReservation',
  'CertificateSigned',
  'ChangeAvailability',
  'ClearCache',
  'ClearChargingProfile',
  'ClearDisplayMessage',
  'ClearVariableMonitoring',
  'CostUpdated',
  'CustomerInformation',
  'DataTransfer',
  'DeleteCertificate',
  'GetBaseReport',
  'GetChargingProfiles',
  'GetCompositeSchedule',
  'GetDisplayMessages',
  'GetInstalledCertificateIds',
  'GetLocalListVersion',
  'GetLog',
  'GetMonitoringReport',
  'GetReport',
  'GetTransactionStatus',
  'GetVariables',
  'InstallCertificate',
  'PublishFirmware',
  'RequestStartTransaction',
  'RequestStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'SetDisplayMessage',
  'SetMonitoringBase',
  'SetMonitoringLevel',
  'SetNetworkProfile',
  'SetVariableMonitoring',
  'SetVariables',
  'TriggerMessage',
  'UnlockConnector',
  'UnpublishFirmware',
  'UpdateFirmware',
] as const;

/** OCPP 2.1's new actions a charging station initiates (why each: docs/ocpp-2.1-actions.md). */
export const V21_NEW_CHARGING_STATION_ACTIONS = [
  'BatterySwap',
  'ClosePeriodicEventStream',
  'GetCertificateChainStatus',
  'NotifyDERAlarm',
  'NotifyDERStartStop',
  'NotifyPriorityCharging',
  'NotifySettlement',
  'OpenPeriodicEventStream',
  'PullDynamicScheduleUpdate',
  'ReportDERControl',
  'VatNumberValidation',
] as const;

/** OCPP 2.1's new actions the CSMS initiates (why each: docs/ocpp-2.1-actions.md). */
export const V21_NEW_CSMS_ACTIONS = [
  'AFRRSignal',
  'AdjustPeriodicEventStream',
  'ChangeTransactionTariff',
  'ClearDERControl',
  'ClearTariffs',
  'GetDERControl',
  'GetPeriodicEventStream',
  'GetTariffs',
  'NotifyAllowedEnergyTransfer',
  'NotifyWebPaymentStarted',
  'RequestBatterySwap',
  'SetDERControl',
  'SetDefaultTariff',
  'UpdateDynamicSchedule',
  'UsePriorityCharging',
] as const;

/** OCPP 2.1's SENDs (message type 6, never answered), all from the charging station. */
export const V21_SEND_ACTIONS = ['NotifyPeriodicEventStream'] as const;

// ---- the three outputs ------------------------------------------------------------------------

interface Side {
  /** The exported union type, e.g. ChargePointAction. */
  type: string;
  /** The exported readonly tuple, e.g. CHARGE_POINT_ACTIONS. */
  constant: string;
  doc: string;
  actions: readonly string[];
}

export interface Protocol {
  version: string;
  /** The schema file in ocpp-rpc's lib/schemas/. */
  file: string;
  /** The output, relative to the repository. */
  out: string;
  /** Splits a schema's $id into its action and kind; undefined for an id of another shape. */
  parseId(id: string): { action: string; kind: Kind } | undefined;
  /** The exported type's name for a message. */
  typeName(action: string, kind: Kind): string;
  station: Side;
  csms: Side;
  /** Whether station ∪ csms (∪ sends) must be exactly the schema file's actions. */
  exhaustive: boolean;
  /** The SENDs: actions with one schema and no answer. */
  sends?: { type: string; constant: string; payloadOf: string; doc: string; actions: readonly string[] };
}

const dotted = (id: string) => {
  const m = /^urn:(\w+)\.(req|conf)$/.exec(id);
  return m ? { action: m[1]!, kind: m[2] as Kind } : undefined;
};
const dottedName = (action: string, kind: Kind) => action + (kind === 'req' ? 'Request' : 'Response');

export const PROTOCOLS: readonly Protocol[] = [
  {
    version: 'OCPP 1.6',
    file: 'ocpp1_6.json',
    out: 'ocpp/v16-types.ts',
    parseId: dotted,
    typeName: dottedName,
    station: { type: 'ChargePointAction', constant: 'CHARGE_POINT_ACTIONS', doc: 'Actions a charge point initiates (OCPP 1.6 §4).', actions: V16_CHARGE_POINT_ACTIONS },
    csms: { type: 'CentralSystemAction', constant: 'CENTRAL_SYSTEM_ACTIONS', doc: 'Actions the central system initiates (OCPP 1.6 §5).', actions: V16_CENTRAL_SYSTEM_ACTIONS },
    exhaustive: false,
  },
  {
    version: 'OCPP 2.0.1',
    file: 'ocpp2_0_1.json',
    out: 'ocpp/ocpp201/types.ts',
    parseId: dotted,
    typeName: dottedName,
    station: { type: 'ChargingStationAction', constant: 'CHARGING_STATION_ACTIONS', doc: 'Actions a charging station initiates (DataTransfer goes both ways).', actions: V201_CHARGING_STATION_ACTIONS },
    csms: { type: 'CsmsAction', constant: 'CSMS_ACTIONS', doc: 'Actions the CSMS initiates (DataTransfer goes both ways).', actions: V201_CSMS_ACTIONS },
    exhaustive: true,
  },
  {
    version: 'OCPP 2.1',
    file: 'ocpp2_1.json',
    out: 'ocpp/ocpp21/types.ts',
    parseId: (id) => {
      const m = /^urn:(\w+?)(Request|Response)?$/.exec(id);
      if (!m) return undefined;
      return { action: m[1]!, kind: m[2] === 'Request' ? 'req' : m[2] === 'Response' ? 'conf' : 'send' };
    },
    typeName: (action, kind) => action + (kind === 'req' ? 'Request' : kind === 'conf' ? 'Response' : ''),
    station: {
      type: 'ChargingStationAction',
      constant: 'CHARGING_STATION_ACTIONS',
      doc: 'Calls a charging station initiates (DataTransfer goes both ways; the SENDs are in SEND_ACTIONS).',
      actions: [...V201_CHARGING_STATION_ACTIONS, ...V21_NEW_CHARGING_STATION_ACTIONS].sort(),
    },
    csms: { type: 'CsmsAction', constant: 'CSMS_ACTIONS', doc: 'Calls the CSMS initiates (DataTransfer goes both ways).', actions: [...V201_CSMS_ACTIONS, ...V21_NEW_CSMS_ACTIONS].sort() },
    exhaustive: true,
    sends: {
      type: 'SendAction',
      constant: 'SEND_ACTIONS',
      payloadOf: 'SendPayloadOf',
      doc: 'SENDs (message type 6: [6, messageId, action, payload]), never answered; the charging station sends them.',
      actions: V21_SEND_ACTIONS,
    },
  },
];

// ---- schema massaging ---------------------------------------------------------------------------

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** The OCA's descriptions are AsciiDoc with HTML entities and CRLFs: plain text for a doc comment. */
function cleanText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/<<[^,<>]*,([^<>]*)>>/g, '$1') // <<anchor,Label>> cross references
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Calls fn on node and on every schema inside it (not on the maps that hold them). */
function walk(node: unknown, fn: (s: Schema) => void): void {
  if (!isObject(node)) return;
  fn(node);
  for (const k of ['properties', 'definitions', 'patternProperties']) if (isObject(node[k])) for (const v of Object.values(node[k])) walk(v, fn);
  for (const k of ['items', 'additionalItems', 'additionalProperties', 'not']) {
    const v = node[k];
    if (Array.isArray(v)) v.forEach((x) => walk(x, fn));
    else walk(v, fn);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(node[k])) (node[k] as unknown[]).forEach((x) => walk(x, fn));
}

/**
 * Every schema: descriptions cleaned, `javaType` (a hint for the OCA's Java generator) dropped,
 * and the constraints TypeScript cannot express (maxLength, date-time) noted in the description,
 * as the hand-written generator did.
 */
function normalize(root: Schema): void {
  walk(root, (node) => {
    delete node.javaType;
    if (typeof node.description === 'string') node.description = cleanText(node.description);
    if (!node.description) delete node.description;
    const notes: string[] = [];
    if (typeof node.maxLength === 'number') notes.push(`@maxLength ${node.maxLength}`);
    if (node.format === 'date-time') notes.push('@format date-time');
    if (notes.length) node.description = [node.description, ...notes].filter(Boolean).join('\n');
  });
}

const withoutDescriptions = (s: Schema): Schema => {
  const c = clone(s);
  walk(c, (n) => delete n.description);
  return c;
};
const isEnum = (s: Schema) => Array.isArray(s.enum);
const refName = (ref: unknown) => (typeof ref === 'string' && ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined);

/** Calls fn for every property of every object schema inside node, with the map that holds it. */
function eachProperty(node: Schema, fn: (props: Schema, key: string) => void): void {
  walk(node, (s) => {
    if (isObject(s.properties)) for (const k of Object.keys(s.properties)) fn(s.properties, k);
  });
}

interface Message {
  id: string;
  action: string;
  kind: Kind;
  typeName: string;
  schema: Schema;
}

export class SchemaError extends Error {}

/** A member whose schema is an enum definition, or an array of one. */
interface EnumSite {
  /** The member's place, the same in every message that shares the definition it is in. */
  key: string;
  props: Schema;
  prop: string;
  viaItems: boolean;
  enumName: string;
}

function enumSites(m: Message): EnumSite[] {
  const defs = (m.schema.definitions ?? {}) as Record<string, Schema>;
  const sites: EnumSite[] = [];
  const visit = (node: Schema, at: string) => {
    if (!isObject(node.properties)) return;
    for (const [k, p] of Object.entries(node.properties)) {
      if (!isObject(p)) continue;
      const direct = refName(p.$ref);
      const item = isObject(p.items) ? refName(p.items.$ref) : undefined;
      const name = direct ?? item;
      if (name !== undefined && defs[name] && isEnum(defs[name])) sites.push({ key: `${at}.${k}`, props: node.properties, prop: k, viaItems: direct === undefined, enumName: name });
      visit(p, `${at}.${k}`);
      if (isObject(p.items)) visit(p.items, `${at}.${k}[]`);
    }
  };
  visit(m.schema, m.id);
  for (const [name, d] of Object.entries(defs)) visit(d, name);
  return sites;
}

/**
 * The OCA's enum definitions carry the description of the member that uses them, so the same enum
 * comes with another description in each message. Those descriptions go onto the members (as
 * `allOf: [{$ref}]`, which json-schema-to-typescript emits as the named type under the member's
 * own doc comment), where they are unambiguous: the enum is used by that one member in that
 * message, and a member of a shared definition gets the same description from every message. An
 * enum type keeps its description only if it is the same everywhere and some member did not get it.
 * Returns what stayed undescribed for want of one answer.
 */
function moveEnumDescriptions(messages: readonly Message[]): string[] {
  const notes: string[] = [];
  const variants = new Map<string, Set<string | undefined>>();
  const byKey = new Map<string, { sites: EnumSite[]; candidates: Map<string, string[]>; described: boolean }>();
  for (const m of messages) {
    const defs = (m.schema.definitions ?? {}) as Record<string, Schema>;
    for (const [name, d] of Object.entries(defs)) if (isEnum(d)) (variants.get(name) ?? variants.set(name, new Set()).get(name)!).add(d.description as string | undefined);
    const sites = enumSites(m);
    const uses = new Map<string, number>();
    for (const site of sites) uses.set(site.enumName, (uses.get(site.enumName) ?? 0) + 1);
    for (const site of sites) {
      const entry = byKey.get(site.key) ?? byKey.set(site.key, { sites: [], candidates: new Map(), described: false }).get(site.key)!;
      entry.sites.push(site);
      const d = defs[site.enumName]!.description;
      if (typeof d === 'string') entry.described = true;
      if (typeof d === 'string' && uses.get(site.enumName) === 1) entry.candidates.set(d, [...(entry.candidates.get(d) ?? []), m.id]);
    }
  }
  const undescribed = new Set<string>();
  for (const [key, { sites, candidates, described }] of byKey) {
    if (candidates.size !== 1) {
      if (!described) continue;
      for (const site of sites) undescribed.add(site.enumName);
      const why = candidates.size
        ? `the messages disagree: ${[...candidates].map(([d, ids]) => `${JSON.stringify(d)} (${ids.join(', ')})`).join(' / ')}`
        : `${sites[0]!.enumName} is used by more than one member in each message that describes it`;
      notes.push(`${key}: no description of its own, ${why}`);
      continue;
    }
    const [description] = candidates.keys();
    for (const site of sites) {
      const p = site.props[site.prop] as Schema;
      if (p.description !== undefined) continue;
      if (site.viaItems) p.description = description;
      else site.props[site.prop] = { description, allOf: [{ $ref: p.$ref }] };
    }
  }
  for (const [name, v] of variants) {
    const only = v.size === 1 ? [...v][0] : undefined;
    const keep = only !== undefined && undescribed.has(name);
    if (keep) notes.push(`${name}: keeps its description on the type (the same in every message), as some members that use it got none`);
    for (const m of messages) {
      const d = (m.schema.definitions as Record<string, Schema> | undefined)?.[name];
      if (d && !keep) delete d.description;
    }
  }
  return notes;
}

interface Merged {
  messages: Message[];
  definitions: Map<string, { schema: Schema; from: string }>;
  license?: string;
  /** What the generator could not place (printed by the command, not an error). */
  notes: string[];
}

/** Reads a schema file into its messages and one set of definitions; throws on anything unexpected. */
export function mergeSchemas(p: Protocol, raw: readonly Schema[]): Merged {
  const messages: Message[] = [];
  const seen = new Set<string>();
  let license: string | undefined;
  for (const s of raw) {
    const id = String(s.$id);
    const parsed = p.parseId(id);
    if (!parsed) throw new SchemaError(`${p.file}: unexpected $id ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new SchemaError(`${p.file}: $id ${id} twice`);
    seen.add(id);
    if (typeof s.comment === 'string') license ??= s.comment;
    const schema = clone(s);
    for (const k of ['$id', '$schema', 'comment']) delete schema[k];
    normalize(schema);
    messages.push({ id, ...parsed, typeName: p.typeName(parsed.action, parsed.kind), schema });
  }

  // Same name, same definition (but for descriptions): else there is no one type to declare.
  const raws = new Map<string, { schema: Schema; from: string }>();
  for (const m of messages) {
    for (const [name, d] of Object.entries((m.schema.definitions ?? {}) as Record<string, Schema>)) {
      const first = raws.get(name);
      if (!first) raws.set(name, { schema: d, from: m.id });
      else if (!isDeepStrictEqual(withoutDescriptions(first.schema), withoutDescriptions(d)))
        throw new SchemaError(
          `${p.file}: definition ${name} in ${m.id} differs from the one in ${first.from} (beyond descriptions):\n` +
            `  ${JSON.stringify(withoutDescriptions(first.schema))}\n  ${JSON.stringify(withoutDescriptions(d))}`,
        );
    }
  }

  const notes = moveEnumDescriptions(messages);

  // After that, the definitions must be identical, descriptions and all.
  const definitions = new Map<string, { schema: Schema; from: string }>();
  for (const m of messages) {
    for (const [name, d] of Object.entries((m.schema.definitions ?? {}) as Record<string, Schema>)) {
      const first = definitions.get(name);
      if (!first) definitions.set(name, { schema: d, from: m.id });
      else if (!isDeepStrictEqual(first.schema, d))
        throw new SchemaError(
          `${p.file}: definition ${name} in ${m.id} differs from the one in ${first.from} in its descriptions:\n` +
            `  ${JSON.stringify(first.schema)}\n  ${JSON.stringify(d)}`,
        );
    }
    delete m.schema.definitions;
  }
  for (const m of messages)
    if (definitions.has(m.typeName)) throw new SchemaError(`${p.file}: message type ${m.typeName} has the name of a definition`);
  return { messages, definitions, license, notes };
}

export interface Actions {
  calls: string[];
  sends: string[];
}

/** The schema file's actions, checked against the protocol's lists. */
export function checkActions(p: Protocol, messages: readonly Message[]): Actions {
  const kinds = new Map<string, Set<Kind>>();
  for (const m of messages) kinds.set(m.action, (kinds.get(m.action) ?? new Set()).add(m.kind));
  const calls: string[] = [];
  const sends: string[] = [];
  for (const [action, k] of kinds) {
    if (k.has('send') && k.size === 1) sends.push(action);
    else if (k.has('req') && k.has('conf') && k.size === 2) calls.push(action);
    else throw new SchemaError(`${p.file}: ${action} has schemas for ${[...k].join(', ')}`);
  }
  calls.sort();
  sends.sort();
  const problems: string[] = [];
  const listed = new Set([...p.station.actions, ...p.csms.actions]);
  for (const side of [p.station, p.csms]) {
    for (const a of side.actions) if (!calls.includes(a)) problems.push(`${side.constant} lists ${a}, which is not a request/response pair in ${p.file}`);
    if (new Set(side.actions).size !== side.actions.length) problems.push(`${side.constant} lists an action twice`);
  }
  const sendList = p.sends?.actions ?? [];
  for (const a of sendList) if (!sends.includes(a)) problems.push(`${p.sends!.constant} lists ${a}, which is not a SEND in ${p.file}`);
  if (p.exhaustive) {
    for (const a of calls) if (!listed.has(a)) problems.push(`${a} (in ${p.file}) is in neither ${p.station.constant} nor ${p.csms.constant}`);
    for (const a of sends) if (!sendList.includes(a)) problems.push(`${a} (a SEND in ${p.file}) is not in the protocol's SEND list`);
    for (const a of p.station.actions) if (a !== 'DataTransfer' && p.csms.actions.includes(a)) problems.push(`${a} is in both lists (only DataTransfer may be)`);
  } else if (sends.length) problems.push(`${p.file} has SENDs (${sends.join(', ')}), which ${p.version} does not have`);
  if (problems.length) throw new SchemaError(`${p.version}, which side initiates what:\n  ${problems.join('\n  ')}`);
  return { calls, sends };
}

// ---- generation ---------------------------------------------------------------------------------

const ROOT = '__OcppRoot';

/** Splits jstt's output into its top-level declarations, each with its doc comment. */
function declarations(ts: string): Array<{ name: string; text: string }> {
  const blocks: string[][] = [];
  let inComment = false;
  for (const line of ts.split('\n')) {
    if (!line.trim()) continue;
    const starts = line.startsWith('/**') || (line.startsWith('export ') && !inComment && blocks.at(-1)?.at(-1) !== ' */');
    if (starts) blocks.push([]);
    if (!blocks.length) throw new Error(`unexpected line before the first declaration: ${line}`);
    blocks.at(-1)!.push(line);
    if (line.startsWith('/**')) inComment = !line.includes('*/');
    else if (line === ' */') inComment = false;
  }
  return blocks.map((lines) => {
    const decl = lines.find((l) => l.startsWith('export '));
    const name = decl && /^export (?:interface|type) (\w+)/.exec(decl)?.[1];
    if (!name) throw new Error(`a block without a declaration:\n${lines.join('\n')}`);
    return { name, text: lines.join('\n') };
  });
}
const quote = (x: string) => {
  if (!/^\w+$/.test(x)) throw new Error(`not an action name: ${JSON.stringify(x)}`);
  return `'${x}'`;
};
const tuple = (xs: readonly string[]) => `[\n${xs.map((x) => `  ${quote(x)},`).join('\n')}\n]`;

/** The text of one protocol's file. */
export async function generateProtocol(p: Protocol, raw: readonly Schema[]): Promise<{ text: string; notes: string[] }> {
  const { messages, definitions, license, notes } = mergeSchemas(p, raw);
  const { calls, sends } = checkActions(p, messages);

  const defs: Record<string, Schema> = {};
  for (const m of messages) {
    const s = m.schema;
    const what = m.kind === 'req' ? 'request' : m.kind === 'conf' ? 'response' : 'SEND payload';
    s.description = [`${m.action} ${what} (${m.id}).`, s.description].filter(Boolean).join('\n\n');
    defs[m.typeName] = s;
  }
  for (const [name, { schema }] of definitions) defs[name] = schema;
  // An object that can have no members: Record<string, never>, not `{}` (which takes anything).
  const empty = (s: Schema) => s.type === 'object' && s.additionalProperties === false && (!isObject(s.properties) || !Object.keys(s.properties).length);
  for (const s of Object.values(defs)) walk(s, (n) => void (empty(n) && (n.tsType = 'Record<string, never>')));

  const root = {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(messages.map((m) => [m.typeName, { $ref: `#/definitions/${m.typeName}` }])),
    definitions: defs,
  };
  let ts = await compile(root as never, ROOT, {
    bannerComment: '',
    additionalProperties: true, // CustomDataType, the only schema that does not say false, is open on purpose
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    ignoreMinAndMaxItems: true, // tuples for minItems/maxItems: ajv checks the bounds; code builds arrays with .map()
    strictIndexSignatures: false,
    unknownAny: true,
    format: true,
    style: { printWidth: 120, singleQuote: true, semi: true, tabWidth: 2, trailingComma: 'all', bracketSpacing: true, useTabs: false },
  });

  // The root exists only to reach every message; and jstt's "referenced by" notes say nothing here.
  const rootDecl = new RegExp(`^export interface ${ROOT} \\{\\n(?:.*\\n)*?\\}\\n`, 'm');
  if (!rootDecl.test(ts)) throw new Error(`json-schema-to-typescript did not emit ${ROOT} as expected`);
  ts = ts.replace(rootDecl, '');
  ts = ts.replace(/^ \*(?: \n \*)?\n \* This interface was referenced by `\w+`'s JSON-Schema\n \* via the `definition` "\w+".\n/gm, '');
  ts = ts.replace(/^\/\*\*\n \* This interface was referenced by `\w+`'s JSON-Schema\n \* via the `definition` "\w+".\n \*\/\n/gm, '');
  if (ts.includes('This interface was referenced by')) throw new Error('left a "referenced by" note in: adjust the clean-up');

  // Each message and definition exactly once, under its own name (jstt adds a digit on a clash).
  const blocks = declarations(ts);
  const exported = blocks.map((b) => b.name);
  const expected = Object.keys(defs);
  const missing = expected.filter((n) => !exported.includes(n));
  const extra = exported.filter((n) => !expected.includes(n));
  if (missing.length || extra.length || new Set(exported).size !== exported.length)
    throw new Error(`${p.out}: expected exports differ: missing ${missing.join(', ') || '-'}; unexpected ${extra.join(', ') || '-'}`);
  // jstt puts type aliases before interfaces; in the file: the messages in the schema file's order,
  // then the definitions by name.
  const byName = new Map(blocks.map((b) => [b.name, b.text]));
  const messageTypes = messages.map((m) => byName.get(m.typeName)!);
  const definitionTypes = [...definitions.keys()].sort().map((n) => byName.get(n)!);

  const schemaPath = `node_modules/ocpp-rpc/lib/schemas/${p.file}`;
  let out = `// generated by npm run gen:ocpp-types, do not edit.\n`;
  out += `// scripts/gen-ocpp-types.ts (json-schema-to-typescript) from ${schemaPath}, the schemas ocpp-rpc validates with.\n`;
  if (license) out += `// The schemas' own notice: ${license}\n`;
  out += `\n// ---- the messages\n\n${messageTypes.join('\n\n')}\n\n`;
  out += `// ---- the definitions the messages share\n\n${definitionTypes.join('\n\n')}\n\n`;
  out += `// ---- the actions\n\n`;
  out += `/** Every ${p.version} action with a request and a response. */\nexport type OcppAction =\n${calls.map((a) => `  | ${quote(a)}`).join('\n')};\n\n`;
  for (const side of [p.station, p.csms]) {
    out += `/** ${side.doc} */\nexport const ${side.constant} = ${tuple(side.actions)} as const satisfies readonly OcppAction[];\n\n`;
    out += `/** ${side.doc} */\nexport type ${side.type} = (typeof ${side.constant})[number];\n\n`;
  }
  out += `/** The request payload of each action. */\nexport interface RequestOf {\n${calls.map((a) => `  ${a}: ${p.typeName(a, 'req')};`).join('\n')}\n}\n\n`;
  out += `/** The response payload of each action. */\nexport interface ResponseOf {\n${calls.map((a) => `  ${a}: ${p.typeName(a, 'conf')};`).join('\n')}\n}\n`;
  if (p.sends) {
    const s = p.sends;
    out += `\n/** ${s.doc} */\nexport const ${s.constant} = ${tuple(s.actions)} as const;\n\n`;
    out += `/** ${s.doc} */\nexport type ${s.type} = (typeof ${s.constant})[number];\n\n`;
    out += `/** The payload of each SEND. */\nexport interface ${s.payloadOf} {\n${sends.map((a) => `  ${a}: ${p.typeName(a, 'send')};`).join('\n')}\n}\n`;
  }
  return { text: out, notes };
}

const require = createRequire(import.meta.url);
const schemaDir = path.join(path.dirname(require.resolve('ocpp-rpc/package.json')), 'lib/schemas');

export function loadSchemas(p: Protocol): Schema[] {
  const raw: unknown = JSON.parse(readFileSync(path.join(schemaDir, p.file), 'utf8'));
  if (!Array.isArray(raw)) throw new SchemaError(`${p.file}: not an array of schemas`);
  return raw as Schema[];
}

/** Every output: repository-relative path → text and the generator's notes on it. */
export async function generateAll(): Promise<Map<string, { text: string; notes: string[] }>> {
  const files = new Map<string, { text: string; notes: string[] }>();
  for (const p of PROTOCOLS) files.set(p.out, await generateProtocol(p, loadSchemas(p)));
  return files;
}

/** Writes every output under root (the repository by default); returns the files with their notes. */
export async function writeAll(root: string): Promise<Array<{ file: string; notes: string[] }>> {
  const written: Array<{ file: string; notes: string[] }> = [];
  for (const [rel, { text, notes }] of await generateAll()) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push({ file, notes });
  }
  return written;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const root = values.out ?? path.resolve(import.meta.dirname, '..');
  for (const { file, notes } of await writeAll(root)) {
    const rel = path.relative(process.cwd(), file);
    console.log(`wrote ${rel.startsWith('..') ? file : rel}`);
    for (const n of notes) console.log(`  note: ${n}`);
  }
}
