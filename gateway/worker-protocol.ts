/** The messages between the OCPP gateway's thread (worker.ts) and the main thread (worker-host.ts). */
import type { Config } from '../common/config.ts';
import type { Problem } from '../common/health.ts';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

export interface GatewayWorkerData {
  config: Config;
  /** Keep acknowledged telemetry in the journal (history runs in this process). */
  journal: boolean;
}

export interface JournalState {
  dir: string;
  committed: number;
  checkpointed: number;
  backlogBytes: number;
}

export interface GatewayStats {
  connections: number;
  busPending: number;
  backpressure: { holding: boolean; holds: number };
  auth: { failures: number; lockouts: number; throttled: number };
  journal: (Omit<JournalState, 'dir'> & { writable: boolean }) | null;
  unexpectedErrors: number;
  /** Registry calls of the gateway by method. */
  registryCalls: Record<string, number>;
  /** This thread's prom-client registry as JSON (common/metrics/thread.ts), refreshed every second. */
  metrics: MetricObjectWithValues<MetricValue<string>>[] | null;
}

export type GatewayWorkerMessage =
  | { type: 'ready'; threadId: number; id: string; port: number; tlsPort: number | null; journal: JournalState | null }
  /** The start failed (a port in use, the registry unreachable): the process stops with one line. */
  | { type: 'startFailed'; message: string; code?: string | undefined; port?: number | undefined }
  | { type: 'stats'; stats: GatewayStats }
  | { type: 'health'; component: string; problem: Problem | null }
  | { type: 'committed'; position: number }
  | { type: 'gatewayClosed' }
  /** A `deviceDeleted` was handled and every publish before it taken by the broker. */
  | { type: 'deviceForgotten'; ack: number }
  | { type: 'closed' };

export type GatewayHostMessage =
  | { type: 'deviceChanged'; device: unknown }
  /** Answered with `deviceForgotten` (same `ack`), after every message the thread posted before. */
  | { type: 'deviceDeleted'; deviceId: string; ack: number }
  | { type: 'checkpoint'; position: number }
  /** Every role of the process is up: republish the stored shadows (gateway/index.ts). */
  | { type: 'republish' }
  | { type: 'closeGateway'; deadlineMs: number }
  | { type: 'closeRest' };
