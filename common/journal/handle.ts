/**
 * The journal as the main thread sees it when its writer runs on the gateway's thread
 * (gateway/worker-host.ts builds it from that thread's messages): what the history writer's
 * host (history/worker-host.ts) needs to follow it and to checkpoint it.
 */
export interface JournalHandle {
  readonly dir: string;
  readonly committed: number;
  readonly checkpointed: number;
  readonly backlogBytes: number;
  readonly writable: boolean;
  onCommit(listener: () => void): void;
  checkpoint(position: number): void;
}
