/**
 * For client.test.ts: the registry thread (entry.ts) with one fault added. A call whose first
 * argument is CRASH ends the thread at once (process.exit in a worker ends the thread), with
 * that call and whatever else was asked still unanswered: what a thread that dies mid-work
 * leaves behind.
 */
import { parentPort } from 'node:worker_threads';
import './entry.ts';

/** client.test.ts names it too. */
const CRASH = 'end-this-thread-now';

parentPort!.on('message', (m: { type: string; args?: unknown[] }) => {
  if (m.type === 'call' && m.args?.[0] === CRASH) process.exit(70);
});
