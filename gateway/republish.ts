/**
 * Once at start, beside the embedded broker (issue 16): every registered device's last known
 * shadow, offline and retained, so that a platform and the dashboard see the fleet as it was
 * before the restart, not empty. `batch` devices at a time (keyset paging over the registry),
 * the next page once the broker has taken the last: a fleet of thousands is one bounded stream,
 * not a storm, and the chargers reconnecting meanwhile are served between pages.
 *
 * A device that connected since the start has published its own shadow and is left alone;
 * `seen` is checked and the shadow published in one synchronous step, so the order on the bus
 * is right. A shadow stored online (the process ended without seeing the close) is published
 * offline with reason `restart` and written back so.
 */
import type { Bus } from '../broker/bus.ts';
import type { GatewayStore } from './store-port.ts';
import { offlineAtStart, restoreShadow } from './shadow-restore.ts';
import type { ShadowWriter } from './shadow-writer.ts';
import type { Topics } from '../contracts/topics.ts';

export interface RepublishDeps {
  store: Pick<GatewayStore, 'listShadows'>;
  bus: Pick<Bus, 'publish' | 'flush'>;
  shadows: Pick<ShadowWriter, 'save'>;
  topics: Topics;
  /** Devices with a connection since the start. */
  seen: ReadonlySet<string>;
  /** Stops between pages (the gateway is closing). */
  stopped(): boolean;
  batch?: number | undefined;
}

/** Resolves with the number of shadows published. */
export async function republishStoredShadows(deps: RepublishDeps): Promise<number> {
  const { store, bus, shadows, seen } = deps;
  const startedAt = new Date().toISOString();
  let after: string | undefined;
  let n = 0;
  for (;;) {
    const page = await store.listShadows({ afterDeviceId: after, limit: deps.batch ?? 500 });
    if (page.length === 0 || deps.stopped()) return n;
    for (const { device, shadow } of page) {
      if (seen.has(device.id)) continue;
      const stored = restoreShadow(device, shadow);
      const s = offlineAtStart(stored, startedAt);
      bus.publish(deps.topics.device(device.tenant, device.id, 'state'), JSON.stringify(s), { qos: 1, retain: true });
      if (s !== stored) shadows.save(s);
      n++;
    }
    after = page[page.length - 1]!.device.id;
    await bus.flush();
  }
}
