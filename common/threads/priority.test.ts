/** setThreadNice on a real worker thread: only that thread's nice value changes (Linux). */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const niceOf = (tid: number) => Number(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);

describe.runIf(process.platform === 'linux')('setThreadNice', () => {
  it("lowers the calling worker thread's priority and leaves the process's main thread alone", async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(new URL('./priority.ts', import.meta.url).href)}).then(({ setThreadNice }) => {
        const tid = setThreadNice(7);
        parentPort.postMessage(tid);
        parentPort.once('message', () => process.exit(0));
      });`;
    const w = new Worker(code, { eval: true });
    const tid = await new Promise<number>((r) => w.once('message', r));
    expect(tid).toBeGreaterThan(0);
    expect(niceOf(tid)).toBe(7);
    expect(niceOf(process.pid)).toBe(0);
    w.postMessage('done');
    await new Promise((r) => w.once('exit', r));
  });
});
