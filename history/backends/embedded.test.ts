import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmbeddedHistory } from './embedded.ts';
import { describeBackendContract } from './contract.ts';

describeBackendContract('embedded (SQLite)', async () => {
  const b = createEmbeddedHistory({ file: path.join(mkdtempSync(path.join(tmpdir(), 'hist-')), 'h.db') });
  await b.init();
  return b;
});
