/**
 * A bounded durable buffer for batches the backend could not take (InfluxDB down or slow):
 * one fsync'd file per batch under `dir`, named by a sequence number, removed once written.
 * Survives a restart: a new Spool on the same directory finds the batches left behind.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Point } from './types.ts';

export class SpoolFullError extends Error {
  readonly code = 'SPOOL_FULL';
}

export class Spool {
  private seqs: number[] = [];
  private next = 1;
  bytes = 0;
  private readonly dir: string;
  private readonly maxBytes: number;

  constructor(dir: string, maxBytes = 512 * 1024 * 1024) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) {
      const m = /^(\d+)\.json$/.exec(f);
      if (!m) continue;
      this.seqs.push(Number(m[1]));
      this.bytes += statSync(path.join(dir, f)).size;
    }
    this.seqs.sort((a, b) => a - b);
    this.next = (this.seqs.at(-1) ?? 0) + 1;
  }

  get length(): number {
    return this.seqs.length;
  }

  append(points: Point[]): void {
    const data = JSON.stringify(points);
    if (this.bytes + data.length > this.maxBytes) throw new SpoolFullError(`history spool full (${this.bytes} bytes)`);
    const seq = this.next++;
    const file = path.join(this.dir, `${seq}.json`);
    // Write to a temp name, fsync, rename: a crash never leaves a torn batch under a real name.
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.seqs.push(seq);
    this.bytes += data.length;
  }

  peek(): { seq: number; points: Point[] } | null {
    const seq = this.seqs[0];
    if (seq === undefined) return null;
    return { seq, points: JSON.parse(readFileSync(path.join(this.dir, `${seq}.json`), 'utf8')) as Point[] };
  }

  ack(seq: number): void {
    const file = path.join(this.dir, `${seq}.json`);
    this.bytes -= statSync(file).size;
    unlinkSync(file);
    this.seqs = this.seqs.filter((s) => s !== seq);
  }
}
