/**
 * The rule both backends apply to a batch of shadow writes (RegistryStore.saveShadows): per
 * device, the writes in order, each ignored when it belongs to an older connection than the
 * one already kept. Applied to the batch first so that one statement touches a row once.
 */
import type { ShadowWrite } from './registry.ts';

/** Whether a write for connection `next` may replace the shadow of connection `kept`. */
export function replaces(next: string | null, kept: string | null): boolean {
  if (kept === null) return true;
  return next !== null && Date.parse(next) >= Date.parse(kept);
}

/** One write per device: the last one not older than those before it. */
export function latestShadows(items: readonly ShadowWrite[]): ShadowWrite[] {
  const kept = new Map<string, ShadowWrite>();
  for (const item of items) {
    const prev = kept.get(item.deviceId);
    if (!prev || replaces(item.connectedAt, prev.connectedAt)) kept.set(item.deviceId, item);
  }
  return [...kept.values()];
}
