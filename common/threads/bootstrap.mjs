// Entry of every worker thread while the sources are TypeScript run through tsx (see spawn.ts):
// Node 20 applies neither the parent's `--import tsx` nor a worker's own to the worker's entry
// module, so the entry is imported through tsx's API instead.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
