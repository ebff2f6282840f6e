/**
 * The OCPP version a command to a charger will most likely meet, for the HTTP routes that check
 * or build one before the gateway does (routes/commands.ts, routes/charging-limit.ts): the one
 * the charger spoke last (its stored shadow), else the device's preferred `ocppProtocol`, else
 * null (never connected, no preference). The gateway checks again against the connection's.
 */
import type { Device } from '../contracts/registry.ts';
import type { RegistryStore } from './store/types.ts';

export async function chargerProtocol(store: Pick<RegistryStore, 'getShadow'>, device: Pick<Device, 'id' | 'ocppProtocol'>): Promise<string | null> {
  const stored = await store.getShadow(device.id).catch(() => null);
  return typeof stored?.['protocol'] === 'string' ? stored['protocol'] : (device.ocppProtocol ?? null);
}
