import assert from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.ts';
import { createRetainedStore, type RetainedStore } from './retained-store.ts';

const root = mkdtempSync(path.join(tmpdir(), 'chargebridge-retained-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = createLogger('silent');
const LIMITS = { maxMessages: 1000, maxBytes: 1024 * 1024 };
let n = 0;
const aFile = () => path.join(root, `${++n}`, 'retained.db');

/**
 * aedes-persistence's own contract suite (abstract.js, written for node:test), run with
 * vitest: `t.assert` is node:assert as node:test's is; `t.plan` is not counted here, every
 * assertion still throws on failure.
 */
describe('aedes-persistence abstract suite, on the SQLite-backed retained store', () => {
  const require = createRequire(import.meta.url);
  const abstract = require('aedes-persistence/abstract.js') as (opts: unknown) => void;
  const t = { plan() {}, diagnostic() {}, assert };
  abstract({
    test: (name: string, fn: (t: unknown) => Promise<void>) => it(name, () => fn(t)),
    persistence: async () => (await createRetainedStore({ file: aFile(), limits: LIMITS, log })).persistence,
    testAsync: true,
  });
});

interface Stored {
  topic: string;
  payload: Buffer;
}

async function retained(s: RetainedStore, pattern = '#'): Promise<Stored[]> {
  const stream = (s.persistence as unknown as { createRetainedStreamCombi(p: string[]): Readable }).createRetainedStreamCombi([pattern]);
  const out: Stored[] = [];
  for await (const p of stream) out.push(p as Stored);
  return out.sort((a, b) => a.topic.localeCompare(b.topic));
}
const put = (s: RetainedStore, topic: string, payload: string) => s.persistence.storeRetained({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true });
const text = (list: Stored[]) => list.map((p) => `${p.topic}=${p.payload.toString()}`);

describe('retained store', () => {
  const open: RetainedStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  const make = async (file: string | undefined, limits = LIMITS) => {
    const s = await createRetainedStore({ file, limits, log });
    open.push(s);
    return s;
  };

  it('what was retained is back after a restart; a removed one stays removed', async () => {
    const file = aFile();
    const a = await make(file);
    await put(a, 'admin:aaaa0001/state', '{"online":true}');
    await put(a, 'admin:aaaa0002/state', '{"online":false}');
    await put(a, 'admin:aaaa0003/state', '{"x":1}');
    await put(a, 'admin:aaaa0001/state', '{"online":false}');
    await put(a, 'admin:aaaa0003/state', ''); // MQTT 3.1.1 §3.3.1.3: removes it
    await a.close();
    const b = await make(file);
    expect(text(await retained(b))).toEqual(['admin:aaaa0001/state={"online":false}', 'admin:aaaa0002/state={"online":false}']);
    expect(b.stats).toMatchObject({ messages: 2 });
  });

  it('committed when storeRetained resolves: a second reader of the file sees it at once', async () => {
    const file = aFile();
    const a = await make(file);
    await put(a, 'admin:aaaa0001/state', 'one');
    const b = await make(file);
    expect(text(await retained(b))).toEqual(['admin:aaaa0001/state=one']);
  });

  it('without a file: memory only, as aedes by default', async () => {
    const a = await make(undefined);
    await put(a, 't/1', 'x');
    expect(text(await retained(a))).toEqual(['t/1=x']);
  });

  it('at most maxMessages topics: a new topic past it is not retained, the retained ones stay and can still change', async () => {
    const file = aFile();
    const a = await make(file, { maxMessages: 2, maxBytes: 1024 * 1024 });
    await put(a, 't/1', 'a');
    await put(a, 't/2', 'b');
    await put(a, 't/3', 'c');
    await put(a, 't/1', 'a2');
    expect(text(await retained(a))).toEqual(['t/1=a2', 't/2=b']);
    expect(a.stats).toMatchObject({ messages: 2, refused: 1 });
    // Room again once one is removed.
    await put(a, 't/2', '');
    await put(a, 't/3', 'c');
    expect(text(await retained(a))).toEqual(['t/1=a2', 't/3=c']);
    await a.close();
    expect(text(await retained(await make(file, { maxMessages: 2, maxBytes: 1024 * 1024 })))).toEqual(['t/1=a2', 't/3=c']);
  });

  it('at most maxBytes of topics and payloads: a message that would pass it is not retained, the older one stays', async () => {
    const a = await make(aFile(), { maxMessages: 100, maxBytes: 20 });
    await put(a, 't/1', '0123456789'); // 3 + 10 bytes
    await put(a, 't/2', '0123456789'); // would be 26
    await put(a, 't/1', '0123456789abcdefghij'); // would be 23
    expect(text(await retained(a))).toEqual(['t/1=0123456789']);
    expect(a.stats).toMatchObject({ messages: 1, bytes: 13, refused: 2 });
  });

  it('a file that is no database: starts in memory only, the file left as it was', async () => {
    const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const file = aFile();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'not a database '.repeat(100));
    const a = await make(file);
    await put(a, 't/1', 'x');
    expect(text(await retained(a))).toEqual(['t/1=x']);
    expect(readFileSync(file, 'utf8')).toBe('not a database '.repeat(100));
  });

  it('a file holding more than the limits allow (limits lowered): loads what fits', async () => {
    const file = aFile();
    const a = await make(file);
    for (let i = 0; i < 5; i++) await put(a, `t/${i}`, 'x');
    await a.close();
    const b = await make(file, { maxMessages: 3, maxBytes: 1024 });
    expect(b.stats.messages).toBe(3);
  });
});
