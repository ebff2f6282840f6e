/**
 * The telemetry journal: an append-only log under DATA_DIR in which the all-in-one process keeps
 * every telemetry message it acknowledges to a charger, until the history role has stored it.
 * "Acknowledged means durable" (issue 13): a MeterValues.conf goes out only once the attrs it
 * produced are on disk here, so kill -9 or a power cut loses nothing a charger was told was
 * received; at the next start the history role reads on from its checkpoint.
 *
 * Group commit: appends of one event-loop turn (and of every turn while a write is in flight)
 * go to disk in one writev + fdatasync for all chargers together, never one fsync per frame.
 * The disk work runs on libuv's thread pool, off the event loop.
 *
 * Bounds: the journal holds at most `maxBytes` not yet checkpointed; past that, and while the
 * disk refuses writes (full, read-only), `writable` is false and the gateway refuses what it
 * cannot keep with a CALLERROR the charger retries later, instead of buffering it in memory. A
 * failed write is reported once to `health`, truncated away, and probed until the disk takes
 * writes again; then the journal recovers by itself.
 */
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { storageProblem, type Health, type Problem } from '../health.ts';
import type { Logger } from '../logger.ts';
import { decodeAt, encodeInto, position, recordBytes, SEGMENT_RE, segmentName, segmentOf, offsetOf } from './format.ts';

export interface JournalOptions {
  dir: string;
  log: Logger;
  health?: Health | undefined;
  /** A segment is closed and a new one started past this size. Default 64 MiB. */
  segmentBytes?: number | undefined;
  /** Most bytes kept before the consumer checkpoints them. Default 1 GiB. */
  maxBytes?: number | undefined;
  /** While failing, how often a write is tried again. Default 1 s. */
  probeMs?: number | undefined;
  /** Zeros written ahead of the records at a time (0: none). Default 4 MiB. */
  preallocateBytes?: number | undefined;
}

/** Opaque: what `append` returns and `wait` takes. */
export type JournalTicket = object;

export class JournalUnavailableError extends Error {
  readonly code = 'JOURNAL_UNAVAILABLE';
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.message);
    this.problem = problem;
  }
}

interface Group {
  chunks: Buffer[];
  /** The chunks allocated for this group, whole (chunks holds views of them): back to the spares once written. */
  owned: Buffer[];
  done?: boolean;
  /** Bytes used in the last chunk. */
  used: number;
  bytes: number;
  promise?: Promise<void>;
  resolve?: () => void;
  reject?: (err: Error) => void;
  failed?: Error;
}

const CHUNK_BYTES = 256 * 1024;
/**
 * Written chunks kept for the next groups. A group is written every millisecond or two under
 * load, and a fresh 256 KiB chunk for each was 100+ MB/s of memory outside V8's heap: V8 answers
 * that much external allocation with a full mark-compact of the thread's heap every ~100 ms
 * (seen with --trace-gc at 2,000 MeterValues/s: pauses of 7 ms, up to 19, on the gateway
 * thread). Reused, the journal allocates nothing in steady state.
 */
const SPARE_CHUNKS = 8;
const ZEROS = Buffer.alloc(1024 * 1024);
const CHECKPOINT_FILE = 'checkpoint';
const COMPONENT = 'journal';

export class Journal {
  private fh!: FileHandle;
  private segment = 1;
  /** Bytes of the current segment on disk and synced. */
  private size = 0;
  private group: Group | undefined;
  private spare: Buffer[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private problem: Problem | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private listeners: Array<() => void> = [];
  /** Segment number -> bytes, for every segment on disk. */
  private readonly segments = new Map<number, number>();
  private checkpointPos = 0;
  private savedCheckpoint = 0;
  private saving: Promise<void> | undefined;
  private readonly segmentBytes: number;
  private readonly preallocateBytes: number;
  /**
   * Length of the current segment's file: its records, then zeros written ahead. Why: after an
   * append that grows the file, fdatasync must also commit the new file size, a file-system
   * journal commit of its own (ext4: jbd2) on every group commit; over blocks already written
   * it flushes the data alone. Measured on this project's machine (ext4 on a virtual disk,
   * 10 KiB commits): fdatasync p50 0.31 -> 0.17 ms, p99 7.5 -> 4-6 ms. The zeros are never read:
   * readers stop at `committed`, and at open a tail of zeros is the end, not a torn record.
   */
  private allocated = 0;
  private readonly maxBytes: number;
  private readonly probeMs: number;
  private readonly log: Logger;

  private readonly opts: JournalOptions;

  private constructor(opts: JournalOptions) {
    this.opts = opts;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.preallocateBytes = opts.preallocateBytes ?? 4 * 1024 * 1024;
    this.maxBytes = opts.maxBytes ?? 1024 * 1024 * 1024;
    this.probeMs = opts.probeMs ?? 1000;
    this.log = opts.log.child({ component: 'journal' });
  }

  /** Opens (or creates) the journal in `dir`, truncating a torn last record. */
  static async open(opts: JournalOptions): Promise<Journal> {
    const j = new Journal(opts);
    await j.init();
    return j;
  }

  private async init(): Promise<void> {
    mkdirSync(this.opts.dir, { recursive: true });
    const saved = await readFile(path.join(this.opts.dir, CHECKPOINT_FILE), 'utf8').then(
      (t) => Number((JSON.parse(t) as { position?: unknown }).position ?? 0),
      () => 0,
    );
    this.checkpointPos = this.savedCheckpoint = Number.isSafeInteger(saved) && saved >= 0 ? saved : 0;
    const found = (await readdir(this.opts.dir)).map((f) => SEGMENT_RE.exec(f)).filter((m) => m !== null).map((m) => Number(m![1])).sort((a, b) => a - b);
    for (const s of found) {
      if (s < segmentOf(this.checkpointPos)) await rm(path.join(this.opts.dir, segmentName(s)), { force: true });
      else this.segments.set(s, (await stat(path.join(this.opts.dir, segmentName(s)))).size);
    }
    // A closed segment is cut to its records at rotation; a crash in between leaves its zeros.
    for (const [s, bytes] of this.segments) {
      if (s === [...this.segments.keys()].at(-1) || bytes === 0 || !(await this.endsWithZero(s, bytes))) continue;
      const end = await this.validEnd(s);
      await truncate(this.file(s), end);
      this.segments.set(s, end);
    }
    const last = [...this.segments.keys()].at(-1);
    if (last === undefined) {
      this.segment = Math.max(1, segmentOf(this.checkpointPos));
      this.fh = await open(this.file(this.segment), 'w');
      this.segments.set(this.segment, 0);
      this.size = this.allocated = 0;
      this.checkpointPos = position(this.segment, 0);
      return;
    }
    // Reading resumes at the checkpoint, or at the oldest segment there is.
    this.checkpointPos = Math.max(this.checkpointPos, position([...this.segments.keys()][0]!, 0));
    this.segment = last;
    const { end: good, zeroTail } = await this.scanEnd(last);
    if (good < this.segments.get(last)! && !zeroTail) {
      this.log.warn({ segment: last, truncatedBytes: this.segments.get(last)! - good }, 'journal: torn record at the end of the last segment (a crash during a write) truncated');
    }
    this.fh = await open(this.file(last), 'r+');
    await this.fh.truncate(good);
    this.size = this.allocated = good;
    this.segments.set(last, good);
  }

  private async endsWithZero(segment: number, bytes: number): Promise<boolean> {
    const fh = await open(this.file(segment), 'r');
    try {
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, bytes - 1);
      return b[0] === 0;
    } finally {
      await fh.close();
    }
  }

  /** Offset after the last whole record, and whether only zeros (written ahead) follow it. */
  private async scanEnd(segment: number): Promise<{ end: number; zeroTail: boolean }> {
    const data = await readFile(this.file(segment));
    const end = this.endOf(data);
    let zeroTail = true;
    for (let i = end; i < data.length && zeroTail; i++) if (data[i] !== 0) zeroTail = false;
    return { end, zeroTail };
  }

  private endOf(data: Buffer): number {
    let off = 0;
    for (;;) {
      const r = decodeAt(data, off);
      if (typeof r === 'string') return off;
      off = r.end;
    }
  }

  /** Offset after the last whole record of a segment. */
  private async validEnd(segment: number): Promise<number> {
    return this.endOf(await readFile(this.file(segment)));
  }

  file(segment: number): string {
    return path.join(this.opts.dir, segmentName(segment));
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** Position after the last record on disk and synced: readers may read up to here. */
  get committed(): number {
    return position(this.segment, this.size);
  }

  /** Position the consumer has stored everything before; where reading resumes after a restart. */
  get checkpointed(): number {
    return this.checkpointPos;
  }

  /** Bytes on disk not yet checkpointed. */
  get backlogBytes(): number {
    let total = 0;
    for (const [s, bytes] of this.segments) total += s === segmentOf(this.checkpointPos) ? bytes - offsetOf(this.checkpointPos) : bytes;
    return Math.max(0, total);
  }

  /** False while a write failed and until a probe succeeds, or while the journal is full. */
  get writable(): boolean {
    return this.problem === null && !this.closed;
  }

  /** Why it is not writable, when it is not. */
  get unavailable(): Problem | null {
    return this.closed ? { code: 'CLOSED', message: 'journal closed' } : this.problem;
  }

  /** Called after every commit (for a reader following the journal). */
  onCommit(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Adds a record to the current group and returns that group as a ticket for `wait`. Throws
   * JournalUnavailableError when the journal cannot keep it (check `writable` first to refuse
   * the charger before doing any work).
   */
  append(topic: string, payload: string | Buffer): JournalTicket {
    if (!this.writable) throw new JournalUnavailableError(this.unavailable!);
    const need = recordBytes(topic, payload);
    const g = (this.group ??= { chunks: [], owned: [], used: 0, bytes: 0 });
    let chunk = g.chunks.at(-1);
    if (!chunk || chunk.length - g.used < need) {
      if (chunk) g.chunks[g.chunks.length - 1] = chunk.subarray(0, g.used);
      chunk = need <= CHUNK_BYTES ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafeSlow(need);
      g.chunks.push(chunk);
      g.owned.push(chunk);
      g.used = 0;
    }
    g.used = encodeInto(chunk, g.used, topic, payload);
    g.bytes += need;
    if (this.backlogBytes + g.bytes > this.maxBytes) {
      this.setProblem({ code: 'JOURNAL_FULL', message: `telemetry journal holds ${this.maxBytes} bytes the history role has not stored yet (is the history backend down?); chargers' MeterValues are refused until it catches up` });
    }
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      // After this event-loop turn's frames: they all go in one write.
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return g;
  }

  /**
   * Resolves once the ticket's record is synced to disk, rejects if that write failed; undefined
   * when it is already synced.
   */
  wait(ticket: JournalTicket): Promise<void> | undefined {
    const g = ticket as Group;
    if (g.done) return undefined;
    if (g.failed) return Promise.reject(g.failed);
    return (g.promise ??= new Promise<void>((resolve, reject) => {
      g.resolve = resolve;
      g.reject = reject;
    }));
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    const g = this.group;
    if (!g) return;
    this.group = undefined;
    this.flushing = true;
    g.chunks[g.chunks.length - 1] = g.chunks.at(-1)!.subarray(0, g.used);
    try {
      // At the explicit offset: after a truncate (a failed write, a torn tail cut off at open)
      // the file position is not where the next record goes.
      await this.allocate(this.size + g.bytes);
      await this.writeAll(g.chunks, this.size, g.bytes);
      await this.fh.datasync();
      this.size += g.bytes;
      this.segments.set(this.segment, this.size);
      g.done = true;
      // A ticket may outlive its group (a session keeps its last one): drop the data now.
      this.release(g);
      g.resolve?.();
      for (const l of this.listeners) l();
      if (this.size >= this.segmentBytes) await this.rotate();
    } catch (err) {
      // The write is over (it failed): nothing reads the chunks any more.
      this.release(g);
      await this.fail(g, err);
    } finally {
      this.flushing = false;
    }
    if (this.group && !this.closed) void this.flush();
  }

  /**
   * Zeros ahead of the records up to at least `end`, synced with the new file size. When the
   * disk has no room for them, none are kept and the records are appended as they come: a
   * nearly full disk refuses exactly the writes that do not fit, no earlier.
   */
  private async allocate(end: number): Promise<void> {
    if (this.preallocateBytes === 0 || end <= this.allocated) return;
    const target = Math.max(end, this.allocated + this.preallocateBytes);
    try {
      let at = Math.max(this.allocated, this.size);
      while (at < target) {
        const n = Math.min(ZEROS.length, target - at);
        await this.writeAll([ZEROS.subarray(0, n)], at, n);
        at += n;
      }
      await this.fh.datasync();
      this.allocated = target;
    } catch {
      await this.fh.truncate(this.size).catch(() => undefined);
      this.allocated = this.size;
    }
  }

  /** Drops a group's data, its standard-size chunks kept for the next groups (up to SPARE_CHUNKS). */
  private release(g: Group): void {
    for (const c of g.owned) if (c.length === CHUNK_BYTES && this.spare.length < SPARE_CHUNKS) this.spare.push(c);
    g.chunks = [];
    g.owned = [];
  }

  /** writev reports a short write (a disk filling up) as success: write the rest, or fail. */
  private async writeAll(chunks: Buffer[], at: number, total: number): Promise<void> {
    let written = (await this.fh.writev(chunks, at)).bytesWritten;
    if (written >= total) return;
    const all = Buffer.concat(chunks);
    while (written < total) {
      const n = (await this.fh.write(all, written, total - written, at + written)).bytesWritten;
      if (n === 0) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' });
      written += n;
    }
  }

  private async fail(g: Group, err: unknown): Promise<void> {
    const e = err instanceof Error ? err : new Error(String(err));
    // Refuse new appends first.
    this.setProblem(storageProblem(err, 'telemetry journal') ?? { code: 'IO_ERROR', message: `telemetry journal: write failed (${e.message})` });
    // Whatever part of the group reached the file is cut off before anyone is told: a reader
    // never sees a record that was refused to its charger, and the next write starts at a record
    // boundary.
    await this.fh.truncate(this.size).catch(() => undefined);
    this.allocated = this.size;
    g.failed = e;
    g.reject?.(e);
    // Appends made while this write was in flight would fail alike: their chargers are told now.
    const next = this.group;
    if (next) {
      this.group = undefined;
      next.failed = e;
      this.release(next);
      next.reject?.(e);
    }
  }

  private setProblem(p: Problem): void {
    if (!this.problem) this.problem = p;
    this.opts.health?.fail(COMPONENT, p);
    this.probeTimer ??= setInterval(() => void this.probe(), this.probeMs);
    this.probeTimer.unref();
  }

  /** While failing: can the disk take a write again, is there room again? */
  private async probe(): Promise<void> {
    if (this.flushing || this.closed || !this.problem) return;
    if (this.problem.code === 'JOURNAL_FULL') {
      if (this.backlogBytes > this.maxBytes * 0.9) return;
    } else {
      // A record-sized write where the next record goes, synced, then cut off again.
      this.flushing = true;
      try {
        await this.writeAll([Buffer.alloc(64 * 1024)], this.size, 64 * 1024);
        await this.fh.datasync();
        await this.fh.truncate(this.size);
      } catch {
        await this.fh.truncate(this.size).catch(() => undefined);
        return;
      } finally {
        this.allocated = this.size;
        this.flushing = false;
      }
    }
    this.problem = null;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.opts.health?.ok(COMPONENT);
  }

  private async rotate(): Promise<void> {
    const next = this.segment + 1;
    // The closed segment ends at its last record (open() cuts the zeros too, after a crash here).
    await this.fh.truncate(this.size);
    const fh = await open(this.file(next), 'w');
    await this.syncDir();
    await this.fh.close();
    const endOfClosed = position(this.segment, this.size);
    this.fh = fh;
    this.segment = next;
    this.size = this.allocated = 0;
    this.segments.set(next, 0);
    // A checkpoint taken at the end of the segment while it was still the current one: now that
    // it is closed, its end is the start of the next, as checkpoint() says, and it can go.
    if (this.checkpointPos >= endOfClosed) this.checkpointPos = position(next, 0);
  }

  private async syncDir(): Promise<void> {
    // A new or renamed file survives a power cut only once its directory entry is synced.
    const d = await open(this.opts.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /**
   * The consumer has stored everything before `pos`. Whole segments before it are deleted; the
   * position itself is saved at most once a second (a replay after a crash repeats at most that
   * much, and stored points are idempotent).
   */
  checkpoint(pos: number): void {
    // The end of a closed segment is the start of the next one: the closed one can go.
    const seg = segmentOf(pos);
    if (seg < this.segment && offsetOf(pos) >= (this.segments.get(seg) ?? 0)) pos = position(seg + 1, 0);
    if (pos <= this.checkpointPos) return;
    this.checkpointPos = Math.min(pos, this.committed);
    if (this.problem?.code === 'JOURNAL_FULL' && this.backlogBytes < this.maxBytes * 0.9) void this.probe();
    if (!this.saving && (segmentOf(this.checkpointPos) > segmentOf(this.savedCheckpoint) || !this.saveTimer)) {
      this.saveTimer ??= setTimeout(() => {
        this.saveTimer = undefined;
        void this.saveCheckpoint();
      }, 1000);
      this.saveTimer.unref();
    }
  }

  private saveTimer: NodeJS.Timeout | undefined;

  private saveCheckpoint(): Promise<void> {
    this.saving ??= (async () => {
      try {
        const pos = this.checkpointPos;
        if (pos === this.savedCheckpoint) return;
        const file = path.join(this.opts.dir, CHECKPOINT_FILE);
        const tmp = `${file}.tmp`;
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(JSON.stringify({ position: pos, segment: segmentOf(pos), offset: offsetOf(pos) }));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, file);
        await this.syncDir();
        this.savedCheckpoint = pos;
        for (const s of [...this.segments.keys()]) {
          if (s < segmentOf(pos) && s !== this.segment) {
            await rm(this.file(s), { force: true });
            this.segments.delete(s);
          }
        }
      } catch (err) {
        // Not fatal: the segments stay and are read again after a restart.
        this.log.warn({ err }, 'journal checkpoint not saved');
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  /** Writes what is pending, saves the checkpoint and closes. Appends are refused from now on. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.probeTimer);
    clearTimeout(this.saveTimer);
    while (this.flushing || (this.group && !this.problem)) {
      if (!this.flushing) await this.flush();
      else await new Promise((r) => setImmediate(r));
    }
    this.closed = true;
    await this.saving;
    await this.saveCheckpoint();
    // Left as records only: the zeros written ahead are not kept past a clean close.
    await this.fh.truncate(this.size).catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}
