/**
 * Prometheus metrics with prom-client, one registry per thread (issue 19).
 *
 * The all-in-one process runs the OCPP gateway and the history writer on worker threads of
 * their own (docs/scale-out.md): each thread has its own module instances, so this module's
 * registry is that thread's. Every metric carries a `thread` label (`main`, `gateway`,
 * `history`). A worker sends its registry as JSON with the stats it already relays to the main
 * thread, four times a second; GET /metrics on the main thread merges them with its own
 * (prom-client's AggregatorRegistry, made for cluster workers; the `thread` label keeps the series
 * apart, so nothing is summed across threads). Process-wide metrics (CPU, resident memory, file
 * descriptors, GC: prom-client's default metrics) come from the main thread only.
 *
 * Per thread: event-loop lag (perf_hooks monitorEventLoopDelay: p50/p99/max) and event-loop
 * utilization over the last complete window of WINDOW_MS, and the V8 heap (each worker has a heap
 * of its own). Windows rather than "since the last scrape": a worker's figures reach the main
 * thread on a timer, not at the scrape.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type ThreadName = 'main' | 'gateway' | 'history';

const WINDOW_MS = 5000;

let current: Registry | undefined;

/** This thread's registry; the first call names the thread. */
export function threadRegistry(thread?: ThreadName): Registry {
  if (current) return current;
  const registry = new Registry();
  registry.setDefaultLabels({ thread: thread ?? 'main' });
  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), so that the
  // usual Node.js dashboards work; the process's, so from one thread only.
  if ((thread ?? 'main') === 'main') collectDefaultMetrics({ register: registry });

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let last = { p50: 0, p99: 0, max: 0, utilization: 0 };
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    last = { p50: delay.percentile(50) / 1e9, p99: delay.percentile(99) / 1e9, max: delay.max / 1e9, utilization: performance.eventLoopUtilization(now, elu).utilization };
    elu = now;
    delay.reset();
  }, WINDOW_MS).unref();
  new Gauge({
    name: 'chargebridge_event_loop_lag_seconds',
    help: `event-loop delay of this thread over the last ${WINDOW_MS / 1000} s window (perf_hooks monitorEventLoopDelay)`,
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      this.set({ quantile: '0.5' }, last.p50);
      this.set({ quantile: '0.99' }, last.p99);
      this.set({ quantile: '1' }, last.max);
    },
  });
  new Gauge({
    name: 'chargebridge_event_loop_utilization_ratio',
    help: `share of the last ${WINDOW_MS / 1000} s window this thread was busy (not waiting for I/O or timers)`,
    registers: [registry],
    collect() {
      this.set(last.utilization);
    },
  });
  new Gauge({
    name: 'chargebridge_heap_used_bytes',
    help: "V8 heap in use by this thread's isolate",
    registers: [registry],
    collect() {
      this.set(v8.getHeapStatistics().used_heap_size);
    },
  });
  current = registry;
  return registry;
}

/** This thread's metrics as JSON, for the main thread (a worker's stats message). */
export const threadMetricsJson = (): Promise<MetricObjectWithValues<MetricValue<string>>[]> => threadRegistry().getMetricsAsJSON();

/** The text exposition of this thread's registry merged with what the workers sent. */
export async function renderAll(workers: ReadonlyArray<MetricObjectWithValues<MetricValue<string>>[] | null | undefined>): Promise<string> {
  const own = await threadRegistry().getMetricsAsJSON();
  const merged = AggregatorRegistry.aggregate([own, ...workers.filter((w): w is MetricObjectWithValues<MetricValue<string>>[] => !!w?.length)]);
  return merged.metrics();
}
