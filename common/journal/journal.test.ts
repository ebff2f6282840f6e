/**
 * The telemetry journal on real files: group commit, reading back from a checkpoint, torn tails,
 * segment rotation and deletion, the byte bound, and a real full disk (tmpfs) with recovery.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealth } from '../health.ts';
import { createLogger } from '../logger.ts';
import { mountTmpfs, tmpfsUnavailable, inCI } from '../../test/tmpfs.ts';
import { Journal, JournalUnavailableError } from './journal.ts';
import { JournalReader, type JournalConsumer } from './reader.ts';
import { position } from './format.ts';

const log = createLogger('silent');
const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'journal-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function openJournal(dir: string, opts: Partial<Parameters<typeof Journal.open>[0]> = {}): Promise<Journal> {
  const j = await Journal.open({ dir, log, ...opts });
  cleanup.push(() => j.close());
  return j;
}

/** Reads everything from `from` to the committed end. */
async function readAll(j: Journal, from?: number): Promise<Array<{ topic: string; payload: string; end: number }>> {
  const got: Array<{ topic: string; payload: string; end: number }> = [];
  const consumer: JournalConsumer = { record: (topic, payload, end) => got.push({ topic, payload: payload.toString(), end }), ready: () => undefined };
  const r = new JournalReader(j, consumer, log, from);
  r.start();
  for (let i = 0; i < 200 && r.position < j.committed; i++) await new Promise((res) => setTimeout(res, 5));
  await r.stop();
  return got;
}

describe('Journal', () => {
  it('commits a turn of appends together and resolves their tickets once synced', async () => {
    const j = await openJournal(tmp());
    const tickets = Array.from({ length: 100 }, (_, i) => j.append(`t:dev/attrs`, JSON.stringify({ i })));
    // One event-loop turn's appends share a group: one write and one fdatasync.
    expect(new Set(tickets).size).toBe(1);
    const before = j.committed;
    await j.wait(tickets[0]!);
    expect(j.committed).toBeGreaterThan(before);
    expect(j.wait(tickets[0]!)).toBeUndefined();
    const got = await readAll(j);
    expect(got.map((r) => JSON.parse(r.payload).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(got.every((r) => r.topic === 't:dev/attrs')).toBe(true);
  });

  it('reuses the chunks of written groups without mixing their records (groups of different sizes, one over a chunk)', async () => {
    const j = await openJournal(tmp());
    const want: string[] = [];
    for (let g = 0; g < 30; g++) {
      // Groups of varying size, every tenth one larger than a 256 KiB chunk: later, shorter
      // groups write into chunks that held longer ones.
      const n = g % 10 === 9 ? 400 : 1 + ((g * 7) % 13);
      let ticket;
      for (let i = 0; i < n; i++) {
        const payload = JSON.stringify({ g, i, pad: String(g % 10).repeat(g % 10 === 9 ? 1000 : 10 + i) });
        want.push(payload);
        ticket = j.append('t:dev/attrs', payload);
      }
      await j.wait(ticket!);
    }
    expect((await readAll(j)).map((r) => r.payload)).toEqual(want);
  });

  it('writes zeros ahead of its records, and a crash leaves them as the end, not a torn record', async () => {
    const dir = tmp();
    const warnings: string[] = [];
    const spy = { ...log, child: () => ({ ...log, warn: (_o: unknown, m: string) => warnings.push(m) }) } as unknown as typeof log;
    // Not closed: as after kill -9, the file ends with the zeros written ahead.
    const first = await Journal.open({ dir, log, preallocateBytes: 64 * 1024 });
    await first.wait(first.append('t:dev/attrs', '{"a":1}'));
    await first.wait(first.append('t:dev/attrs', '{"a":2}'));
    const committed = first.committed;
    expect(statSync(first.file(1)).size).toBe(64 * 1024);
    const again = await openJournal(dir, { log: spy, preallocateBytes: 64 * 1024 });
    expect(again.committed).toBe(committed);
    expect(warnings).toEqual([]);
    expect((await readAll(again, position(1, 0))).map((r) => r.payload)).toEqual(['{"a":1}', '{"a":2}']);
    await again.wait(again.append('t:dev/attrs', '{"a":3}'));
    expect((await readAll(again, position(1, 0))).map((r) => r.payload)).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    // A clean close keeps the records only.
    await again.close();
    expect(statSync(again.file(1)).size).toBe(again.committed % 2 ** 32);
  });

  it('reads on from the checkpoint after a reopen, and truncates a torn last record', async () => {
    const dir = tmp();
    const j = await Journal.open({ dir, log });
    for (let i = 0; i < 10; i++) await j.wait(j.append('a:b/attrs', `{"i":${i}}`));
    const records = await readAll(j);
    j.checkpoint(records[4]!.end); // the first 5 are stored
    await j.close();
    // A crash in the middle of a write: half a record at the end of the file.
    const seg = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.log'))!);
    appendFileSync(seg, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const size = statSync(seg).size;

    const j2 = await openJournal(dir);
    expect(statSync(seg).size).toBe(size - 7);
    expect(j2.checkpointed).toBe(records[4]!.end);
    const again = await readAll(j2);
    expect(again.map((r) => JSON.parse(r.payload).i)).toEqual([5, 6, 7, 8, 9]);
    // And it goes on appending after the last whole record.
    await j2.wait(j2.append('a:b/attrs', '{"i":10}'));
    expect((await readAll(j2, again.at(-1)!.end)).map((r) => JSON.parse(r.payload).i)).toEqual([10]);
  });

  it('stops reading at a corrupt record in the middle (CRC) instead of handing garbage on', async () => {
    const dir = tmp();
    const j = await Journal.open({ dir, log });
    for (let i = 0; i < 3; i++) await j.wait(j.append('a:b/attrs', `{"i":${i}}`));
    const seg = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.log'))!);
    await j.close();
    // Flip a payload byte of the second record: its CRC no longer matches.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const data = readFileSync(seg);
    const second = 10 + 'a:b/attrs'.length + '{"i":0}'.length + 2;
    data[second] = data[second]! ^ 0xff;
    writeFileSync(seg, data);
    const j2 = await openJournal(dir);
    // The last segment is cut at the first bad record when opened.
    expect((await readAll(j2)).map((r) => JSON.parse(r.payload).i)).toEqual([0]);
  });

  it('rotates segments and deletes the ones wholly before a saved checkpoint', async () => {
    const dir = tmp();
    const j = await Journal.open({ dir, log, segmentBytes: 4096 });
    const payload = JSON.stringify({ x: 'y'.repeat(900) });
    for (let i = 0; i < 20; i++) await j.wait(j.append('a:b/attrs', payload));
    const segments = () => readdirSync(dir).filter((f) => f.endsWith('.log'));
    expect(segments().length).toBeGreaterThan(3);
    const records = await readAll(j);
    expect(records).toHaveLength(20);
    j.checkpoint(records.at(-1)!.end);
    await j.close(); // saves the checkpoint, deletes the segments before it
    expect(segments().length).toBe(1);
    const j2 = await openJournal(dir);
    expect(await readAll(j2)).toEqual([]);
  });

  it('refuses appends past maxBytes not yet checkpointed, and takes them again once they are', async () => {
    const health = createHealth(log);
    const j = await openJournal(tmp(), { maxBytes: 1024 * 1024, health, probeMs: 20 });
    const big = 'x'.repeat(64 * 1024);
    let last;
    // The append that crosses the bound is kept; the next ones are refused.
    for (let i = 0; i < 100 && j.writable; i++) last = j.append('a:b/attrs', big);
    await j.wait(last!);
    expect(j.backlogBytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(j.writable).toBe(false);
    expect(j.unavailable?.code).toBe('JOURNAL_FULL');
    expect(() => j.append('a:b/attrs', '{}')).toThrow(JournalUnavailableError);
    expect(health.report()['journal']).toMatchObject({ ok: false, code: 'JOURNAL_FULL' });
    j.checkpoint(j.committed);
    for (let i = 0; i < 100 && !j.writable; i++) await new Promise((r) => setTimeout(r, 10));
    expect(j.writable).toBe(true);
    expect(health.ready).toBe(true);
  });

  it('keeps ticket order across groups: a later append never resolves before an earlier one', async () => {
    const j = await openJournal(tmp());
    const order: number[] = [];
    const waits: Array<Promise<void> | undefined> = [];
    for (let turn = 0; turn < 5; turn++) {
      const t = j.append('a:b/attrs', `{"turn":${turn}}`);
      waits.push(j.wait(t)?.then(() => void order.push(turn)));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(waits);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

const noTmpfs = tmpfsUnavailable();
describe.skipIf(!!noTmpfs && !inCI)('Journal on a full disk', () => {
  it('rejects the tickets of a write the disk refused, reports it once, refuses appends, and recovers by itself', async () => {
    if (noTmpfs) throw new Error(noTmpfs);
    const fs = mountTmpfs(2);
    cleanup.push(() => fs.unmount());
    const health = createHealth(log);
    const j = await openJournal(path.join(fs.dir, 'journal'), { health, probeMs: 20 });
    await j.wait(j.append('a:b/attrs', '{"before":1}'));
    const stored = j.committed;
    fs.fill();
    const t = j.append('a:b/attrs', JSON.stringify({ x: 'y'.repeat(200_000) }));
    await expect(j.wait(t)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(j.writable).toBe(false);
    expect(j.unavailable?.code).toBe('DISK_FULL');
    expect(health.report()['journal']).toMatchObject({ ok: false, code: 'DISK_FULL' });
    // What was refused is not in the file: the committed end did not move.
    expect(j.committed).toBe(stored);
    expect(statSync(j.file(1)).size).toBe(stored % 2 ** 32);
    expect(() => j.append('a:b/attrs', '{}')).toThrow(JournalUnavailableError);

    fs.free();
    for (let i = 0; i < 200 && !j.writable; i++) await new Promise((r) => setTimeout(r, 10));
    expect(j.writable).toBe(true);
    expect(health.report()['journal']).toMatchObject({ ok: true });
    await j.wait(j.append('a:b/attrs', '{"after":1}'));
    const all = await readAll(j);
    expect(all.map((r) => r.payload)).toEqual(['{"before":1}', '{"after":1}']);
    expect(position(1, 0)).toBeLessThan(j.committed);
  });
});


