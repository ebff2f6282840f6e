/**
 * The journal as the history worker sees it: the writer lives on another thread and tells this
 * one how far it has committed; checkpoints go back to it. The reader (reader.ts) reads the
 * segment files itself: they are plain files, and only what the writer reported as committed is
 * read.
 */
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { segmentName } from './format.ts';

export type JournalMessage = { type: 'committed'; position: number } | { type: 'checkpoint'; position: number };

export class RemoteJournal {
  private listeners: Array<() => void> = [];
  private last: number;
  private readonly dir: string;
  private readonly port: MessagePort;
  readonly checkpointed: number;
  /** Bytes not yet checkpointed when the worker started (for the log). */
  readonly backlogBytes: number;

  constructor(dir: string, port: MessagePort, committed: number, checkpointed: number, backlogBytes: number) {
    this.dir = dir;
    this.port = port;
    this.checkpointed = checkpointed;
    this.backlogBytes = backlogBytes;
    this.last = committed;
  }

  get committed(): number {
    return this.last;
  }

  /** Called with the writer's messages. */
  receive(m: JournalMessage): void {
    if (m.type !== 'committed' || m.position <= this.last) return;
    this.last = m.position;
    for (const l of this.listeners) l();
  }

  file(segment: number): string {
    return path.join(this.dir, segmentName(segment));
  }

  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  checkpoint(position: number): void {
    this.port.postMessage({ type: 'checkpoint', position } satisfies JournalMessage);
  }
}
