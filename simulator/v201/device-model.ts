/**
 * A small in-memory OCPP 2.0.1 device model (part 1 §4 "Device model"): components (with an
 * optional instance and EVSE / connector) holding variables with an Actual attribute, a
 * mutability and characteristics. Answers GetVariables / SetVariables per variable (B06, B05:
 * Accepted, Rejected, UnknownComponent, UnknownVariable, NotSupportedAttributeType) and builds
 * the reportData of GetBaseReport (B07) and GetReport (B08), cut into NotifyReport messages.
 * Pure: no sockets, no timers (device-model.test.ts).
 */
import type { ComponentRef, DataType, GetVariableData, GetVariableResult, Mutability, NotifyReportRequest, ReportData, SetVariableData, SetVariableResult, VariableRef } from './types.ts';

export interface Variable {
  component: ComponentRef;
  variable: VariableRef;
  mutability: Mutability;
  dataType: DataType;
  unit?: string;
  valuesList?: string;
  minLimit?: number;
  maxLimit?: number;
  /** The Actual value; a function for what the station measures or decides (AvailabilityState, Power, DateTime). */
  value: string | (() => string);
}

export type ReportBase = 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';
export type ComponentCriterion = 'Active' | 'Available' | 'Enabled' | 'Problem';

// Component and variable names are case-insensitive (the schemas' ComponentType.name and
// VariableType.name: "... Case Insensitive. strongly advised to use Camel Case."); instances are
// compared the same way.
const low = (s: string | undefined) => (s ?? '').toLowerCase();
const componentKey = (c: ComponentRef) => `${low(c.name)}|${low(c.instance)}|${c.evse?.id ?? ''}|${c.evse?.connectorId ?? ''}`;
const variableKey = (c: ComponentRef, v: VariableRef) => `${componentKey(c)}|${low(v.name)}|${low(v.instance)}`;

/** The variables a SummaryInventory reports (B07: "the current state of the Charging Station"). */
const SUMMARY = new Set(['availabilitystate', 'available', 'problem', 'tripped', 'overload', 'fallback']);

export class DeviceModel {
  private readonly variables: Variable[];
  private readonly byKey = new Map<string, Variable>();
  private readonly components = new Set<string>();

  constructor(variables: Variable[]) {
    this.variables = variables;
    for (const v of variables) {
      this.byKey.set(variableKey(v.component, v.variable), v);
      this.components.add(componentKey(v.component));
    }
  }

  find(component: ComponentRef, variable: VariableRef): Variable | 'UnknownComponent' | 'UnknownVariable' {
    if (!this.components.has(componentKey(component))) return 'UnknownComponent';
    return this.byKey.get(variableKey(component, variable)) ?? 'UnknownVariable';
  }

  /** The station's own read of a station-wide variable (no EVSE), as a string. */
  read(component: string, variable: string, instance?: string): string {
    const v = this.byKey.get(variableKey({ name: component }, { name: variable, ...(instance ? { instance } : {}) }));
    if (!v) throw new Error(`no variable ${component}.${variable}${instance ? `[${instance}]` : ''} in the device model`);
    return typeof v.value === 'function' ? v.value() : v.value;
  }

  readNumber(component: string, variable: string, instance?: string): number {
    return Number(this.read(component, variable, instance));
  }

  /** The station's own write (BootNotificationResponse.interval → HeartbeatInterval): no mutability check. */
  write(component: string, variable: string, value: string): void {
    const v = this.byKey.get(variableKey({ name: component }, { name: variable }));
    if (v && typeof v.value !== 'function') v.value = value;
  }

  /**
   * B06: one result per requested variable, in order. Past `itemsPerMessage` the rest are
   * Rejected with reasonCode TooManyElements (B06.FR.05; part 6 TC_B_08_CS: "the last has
   * attributeStatus = Rejected and the rest have attributeStatus = Accepted").
   */
  getVariables(data: readonly GetVariableData[], itemsPerMessage = Infinity): GetVariableResult[] {
    return data.map((d, i) => {
      const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
      if (i >= itemsPerMessage) return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'TooManyElements' } };
      const v = this.find(d.component, d.variable);
      if (typeof v === 'string') return { ...base, attributeStatus: v };
      if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
      // A WriteOnly variable is never read back (part 2 appendix 3.1.15 SecurityCtrlr.BasicAuthPassword:
      // "write-only, so that it cannot be accidentally stored in plaintext by the CSMS").
      if (v.mutability === 'WriteOnly') return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'WriteOnly' } };
      return { ...base, attributeStatus: 'Accepted', attributeValue: valueOf(v) };
    });
  }

  /** B05: one result per variable; a value that does not fit the variable's type or list is Rejected, reasonCode InvalidValue (B05.FR.07, TC_B_11_CS). */
  setVariables(data: readonly SetVariableData[], itemsPerMessage = Infinity): SetVariableResult[] {
    return data.map((d, i) => {
      const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
      if (i >= itemsPerMessage) return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'TooManyElements' } };
      const v = this.find(d.component, d.variable);
      if (typeof v === 'string') return { ...base, attributeStatus: v };
      if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
      if (v.mutability === 'ReadOnly' || typeof v.value === 'function') return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'ReadOnly' } };
      if (!fits(v, d.attributeValue)) return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'InvalidValue' } };
      v.value = v.dataType === 'boolean' ? d.attributeValue.toLowerCase() : d.attributeValue;
      return { ...base, attributeStatus: 'Accepted' };
    });
  }

  /** B07: FullInventory is everything; ConfigurationInventory what can be written; SummaryInventory the state. */
  baseReport(base: ReportBase): ReportData[] {
    const pick = base === 'FullInventory' ? () => true : base === 'ConfigurationInventory' ? (v: Variable) => v.mutability !== 'ReadOnly' : (v: Variable) => SUMMARY.has(low(v.variable.name));
    return this.variables.filter(pick).map(reportDataOf);
  }

  /**
   * B08: the variables of the components asked for (a component without evse or instance, or
   * without a variable, matches all of them), of the components meeting every criterion (the
   * component has that variable, set to true). Neither given: everything.
   */
  report(componentVariable?: ReadonlyArray<{ component: ComponentRef; variable?: VariableRef }>, criteria?: readonly ComponentCriterion[]): ReportData[] {
    let picked = this.variables;
    if (componentVariable?.length) picked = picked.filter((v) => componentVariable.some((cv) => matches(v, cv.component, cv.variable)));
    if (criteria?.length) {
      const meets = (c: ComponentRef) => criteria.every((name) => {
        const v = this.byKey.get(variableKey(c, { name }));
        return v !== undefined && valueOf(v) === 'true';
      });
      picked = picked.filter((v) => meets(v.component));
    }
    return picked.map(reportDataOf);
  }
}

function matches(v: Variable, c: ComponentRef, variable: VariableRef | undefined): boolean {
  if (low(v.component.name) !== low(c.name)) return false;
  if (c.instance !== undefined && low(c.instance) !== low(v.component.instance)) return false;
  if (c.evse && (c.evse.id !== v.component.evse?.id || (c.evse.connectorId !== undefined && c.evse.connectorId !== v.component.evse?.connectorId))) return false;
  if (!variable) return true;
  return low(variable.name) === low(v.variable.name) && (variable.instance === undefined || low(variable.instance) === low(v.variable.instance));
}

const valueOf = (v: Variable) => (typeof v.value === 'function' ? v.value() : v.value);

function fits(v: Variable, value: string): boolean {
  const list = () => (v.valuesList ?? '').split(',').map((s) => s.trim());
  switch (v.dataType) {
    case 'integer': {
      if (!/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      return (v.minLimit === undefined || n >= v.minLimit) && (v.maxLimit === undefined || n <= v.maxLimit);
    }
    case 'decimal': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) && (v.minLimit === undefined || n >= v.minLimit) && (v.maxLimit === undefined || n <= v.maxLimit);
    }
    case 'boolean':
      return /^(true|false)$/i.test(value);
    case 'dateTime':
      return !Number.isNaN(Date.parse(value));
    case 'OptionList':
      return list().includes(value);
    case 'MemberList':
    case 'SequenceList': {
      const allowed = list();
      const items = value.split(',').map((s) => s.trim());
      return items.every((x) => x !== '' && allowed.includes(x)) && (v.maxLimit === undefined || items.length <= v.maxLimit);
    }
    default:
      return (v.minLimit === undefined || value.length >= v.minLimit) && (v.maxLimit === undefined || value.length <= v.maxLimit);
  }
}

function reportDataOf(v: Variable): ReportData {
  const attr: ReportData['variableAttribute'][number] = { type: 'Actual', mutability: v.mutability, persistent: true, constant: false };
  if (v.mutability !== 'WriteOnly') attr.value = valueOf(v);
  const characteristics: NonNullable<ReportData['variableCharacteristics']> = { dataType: v.dataType, supportsMonitoring: false };
  if (v.unit) characteristics.unit = v.unit;
  if (v.valuesList) characteristics.valuesList = v.valuesList;
  if (v.minLimit !== undefined) characteristics.minLimit = v.minLimit;
  if (v.maxLimit !== undefined) characteristics.maxLimit = v.maxLimit;
  return { component: v.component, variable: v.variable, variableAttribute: [attr], variableCharacteristics: characteristics };
}

/**
 * reportData cut into NotifyReport messages of at most `perMessage` entries (part 6 TC_B_12_CS:
 * seqNo 0, then +1 per message while tbc is true; tbc false on the last). No data: one message
 * without reportData.
 */
export function notifyReports(requestId: number, data: readonly ReportData[], perMessage: number, generatedAt: string): NotifyReportRequest[] {
  const n = Math.max(1, Math.floor(perMessage));
  const out: NotifyReportRequest[] = [];
  for (let i = 0; i === 0 || i < data.length; i += n) {
    const chunk = data.slice(i, i + n);
    out.push({ requestId, generatedAt, seqNo: out.length, tbc: i + n < data.length, ...(chunk.length ? { reportData: chunk } : {}) });
  }
  return out;
}
