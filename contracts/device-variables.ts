/**
 * An OCPP 2.0.1 station's NotifyReport as the registry's device-model inputs
 * (contracts/registry.ts DeviceVariableInput, RegistryStore.saveDeviceVariables): what the
 * gateway stores of a report, and what the store's contract tests build one from.
 */
import type { ReportDataType } from '../ocpp/ocpp201/types.ts';
import type { DeviceVariableInput } from './registry.ts';

/**
 * The inputs of a NotifyReport's reportData: one per VariableAttribute of each entry, each with
 * the entry's component (its EVSE and connector), variable and characteristics. Pure: nothing is
 * checked here (saveDeviceVariables does).
 */
export function variablesFromReport(reportData: readonly ReportDataType[]): DeviceVariableInput[] {
  const out: DeviceVariableInput[] = [];
  for (const e of reportData) {
    const base = {
      component: e.component.name,
      componentInstance: e.component.instance,
      evseId: e.component.evse?.id,
      connectorId: e.component.evse?.connectorId,
      variable: e.variable.name,
      variableInstance: e.variable.instance,
      characteristics: e.variableCharacteristics,
    };
    for (const a of e.variableAttribute) {
      out.push({ ...base, attributeType: a.type, value: a.value, mutability: a.mutability, persistent: a.persistent, constant: a.constant });
    }
  }
  return out;
}
