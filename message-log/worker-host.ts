/**
 * The host side of the message log's writer thread (message-log/worker.ts): the consumer's sink
 * in the all-in-one process. Posts each batch, counts what the thread has not stored yet, keeps
 * its latest counters, and stops it within the shutdown deadline. A writer thread that dies is
 * started again after a pause; the events it held are lost (counted in `failed`, logged).
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { spawnWorker } from '../common/threads/spawn.ts';
import type { LogSink } from './consumer.ts';
import type { EventBatch, WriterStats } from './writer.ts';
import type { HostMessage, WorkerMessage } from './worker.ts';

const RESTART_MS = 1000;

export function createLogWriterThread(deps: { config: Config; log: Logger }) {
  const log = deps.log.child({ component: 'message-log' });
  let worker: Worker | undefined;
  let last: WriterStats = { written: 0, skipped: 0, expired: 0, failed: 0 };
  let lost = 0;
  let inflight = 0;
  let done: (n: number) => void = () => undefined;
  let threadId: number | null = null;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;

  function launch(): Promise<void> {
    const w = spawnWorker(new URL('./worker.ts', import.meta.url), { workerData: { config: deps.config }, name: 'message-log' });
    worker = w;
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'stored') {
          inflight -= m.events;
          done(m.events);
        } else if (m.type === 'stats') last = m.stats;
        else if (m.type === 'ready') {
          threadId = m.threadId;
          resolve();
        } else if (m.type === 'failed') reject(new Error(`message log writer did not start: ${m.message}`));
      });
      w.on('error', (err) => log.error({ err }, 'message log writer thread failed'));
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        // What it held is gone with it: the backlog must not count it for ever.
        if (inflight > 0) {
          lost += inflight;
          done(inflight);
          inflight = 0;
        }
        if (stopping) return;
        log.error({ code, restartInMs: RESTART_MS }, 'message log writer thread exited: starting it again');
        reject(new Error(`message log writer exited with ${code}`));
        restart = setTimeout(() => void launch().catch((err: unknown) => log.error({ err }, 'message log writer restart failed')), RESTART_MS);
      });
    });
  }

  const sink: LogSink = {
    submit(items: EventBatch, onDone) {
      done = onDone;
      const n = items.length / 2;
      if (!worker) {
        lost += n;
        return onDone(n);
      }
      inflight += n;
      worker.postMessage({ type: 'batch', items } satisfies HostMessage);
    },
    flush() {
      worker?.postMessage({ type: 'flush' } satisfies HostMessage);
    },
  };

  return {
    sink,
    start: launch,
    /** The writer's counters, and the events lost with a writer thread that died. */
    stats: (): WriterStats & { lost: number } => ({ ...last, lost }),
    get threadId() {
      return threadId;
    },
    async stop(deadlineMs: number) {
      stopping = true;
      clearTimeout(restart);
      const w = worker;
      if (!w) return;
      const stopped = new Promise<void>((resolve) => {
        w.on('message', (m: WorkerMessage) => m.type === 'stopped' && resolve());
        w.once('exit', () => resolve());
      });
      w.postMessage({ type: 'stop' } satisfies HostMessage);
      let t: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (t = setTimeout(r, deadlineMs)))]);
      clearTimeout(t);
      await w.terminate();
    },
  };
}
