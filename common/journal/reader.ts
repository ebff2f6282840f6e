/**
 * Follows the journal from a position, reading what the writer has committed from the segment
 * files (the page cache, normally) and handing each record to a consumer, as fast as the
 * consumer takes them: the consumer's `ready()` holds the reading while it is behind, so a
 * backlog (after a restart, or while InfluxDB is down) is read at the pace it is stored and never
 * loaded into memory at once. The same code replays after a restart and follows live.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../logger.ts';
import { decodeAt, offsetOf, position, segmentOf } from './format.ts';
import type { Journal } from './journal.ts';

export interface JournalConsumer {
  /** One record; `end` is the position after it (what to checkpoint once it is stored). */
  record(topic: string, payload: Buffer, end: number): void;
  /** Undefined when more may come now, else a promise that resolves when it may. */
  ready(): Promise<void> | undefined;
}

const READ_BYTES = 1024 * 1024;

export class JournalReader {
  private pos: number;
  private fh: FileHandle | undefined;
  private fhSegment = 0;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly log: Logger;
  private readonly journal: Pick<Journal, 'committed' | 'checkpointed' | 'file' | 'onCommit'>;
  private readonly consumer: JournalConsumer;

  constructor(journal: Pick<Journal, 'committed' | 'checkpointed' | 'file' | 'onCommit'>, consumer: JournalConsumer, log: Logger, from?: number) {
    this.journal = journal;
    this.consumer = consumer;
    this.pos = from ?? journal.checkpointed;
    this.log = log.child({ component: 'journal-reader' });
  }

  /** Position after the last record handed to the consumer. */
  get position(): number {
    return this.pos;
  }

  /** Bytes committed but not yet read. */
  get lagBytes(): number {
    const c = this.journal.committed;
    return segmentOf(c) === segmentOf(this.pos) ? offsetOf(c) - offsetOf(this.pos) : Number.POSITIVE_INFINITY;
  }

  start(): void {
    this.journal.onCommit(() => this.kick());
    this.kick();
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => this.log.error({ err }, 'journal read failed; retrying at the next commit'))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.pos < this.journal.committed) {
      const wait = this.consumer.ready();
      if (wait) await wait;
      const committed = this.journal.committed;
      const seg = segmentOf(this.pos);
      // The end of what may be read in this segment: the committed end in the writer's
      // segment, the file's end in an older (closed) one.
      const limit = seg === segmentOf(committed) ? offsetOf(committed) : Number.POSITIVE_INFINITY;
      const fh = await this.handle(seg);
      const start = offsetOf(this.pos);
      const want = Math.min(READ_BYTES, limit - start);
      const buf = Buffer.allocUnsafe(Number.isFinite(want) ? want : READ_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      const data = buf.subarray(0, bytesRead);
      let off = 0;
      for (;;) {
        const r = decodeAt(data, off);
        if (r === 'incomplete') break;
        if (r === 'corrupt') {
          this.log.error({ segment: seg, offset: start + off }, 'journal: corrupt record; the rest of this segment is skipped');
          off = -1;
          break;
        }
        off = r.end;
        this.consumer.record(r.topic, r.payload, position(seg, start + off));
      }
      if (off === -1 || (bytesRead === 0 && seg < segmentOf(committed))) {
        // End of a closed segment (or a corrupt one): on to the next.
        this.pos = position(seg + 1, 0);
        continue;
      }
      if (off === 0 && bytesRead > 0) {
        // A record larger than one read: read exactly it.
        const length = 8 + data.readUInt32LE(0);
        const whole = Buffer.allocUnsafe(length);
        await fh.read(whole, 0, length, start);
        const r = decodeAt(whole, 0);
        if (typeof r === 'string') {
          this.log.error({ segment: seg, offset: start }, 'journal: unreadable record; the rest of this segment is skipped');
          this.pos = position(seg + 1, 0);
          continue;
        }
        this.consumer.record(r.topic, r.payload, position(seg, start + r.end));
        this.pos = position(seg, start + r.end);
        continue;
      }
      this.pos = position(seg, start + off);
      if (bytesRead === 0) break;
    }
  }

  private async handle(segment: number): Promise<FileHandle> {
    if (this.fh && this.fhSegment === segment) return this.fh;
    await this.fh?.close().catch(() => undefined);
    this.fh = await open(this.journal.file(segment), 'r');
    this.fhSegment = segment;
    return this.fh;
  }

  /** Stops reading (what was handed over stays handed over). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.pumping;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }
}
