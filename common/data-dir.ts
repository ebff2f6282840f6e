/**
 * DATA_DIR must take what the process will acknowledge: it exists (or can be created), is a
 * directory, and a small file written there reaches the disk. Checked once at start, before any
 * role opens a file in it, so a bad mount stops the program with one line (interface.md: bad
 * configuration stops the program at start) instead of a process that runs and stores nothing.
 * The registry's SQLite store reuses the probe while its storage fails, to notice the recovery.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Size of the probe file: room for a few SQLite pages and WAL frames, not just an inode. */
export const PROBE_BYTES = 64 * 1024;

export class DataDirError extends Error {
  readonly dir: string;
  /** The errno code behind it (ENOSPC, EROFS, EACCES, ENOTDIR, ...). */
  readonly code: string;
  constructor(dir: string, code: string, message: string) {
    super(message);
    this.dir = dir;
    this.code = code;
    this.name = 'DataDirError';
  }
}

/**
 * Creates a file in `dir`, writes PROBE_BYTES, fsyncs and removes it. Throws the fs error
 * (ENOSPC, EDQUOT, EROFS, EACCES, EIO, ...) when the directory cannot take it.
 */
export function probeWrite(dir: string): void {
  const file = path.join(dir, `.chargebridge-probe-${process.pid}`);
  const fd = openSync(file, 'w', 0o600);
  try {
    const buf = Buffer.alloc(PROBE_BYTES);
    // A write may be short just before the disk fills up; the next one then reports ENOSPC.
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
}

/** Throws a DataDirError whose message is one line naming DATA_DIR and what is wrong with it. */
export function checkDataDir(dir: string): void {
  const abs = path.resolve(dir);
  const fail = (err: unknown, what: string): never => {
    const code = String((err as { code?: unknown }).code ?? 'UNKNOWN');
    const name = abs === dir ? JSON.stringify(dir) : `${JSON.stringify(dir)} (${abs})`;
    // Node's message starts with the code: `EROFS: read-only file system, open '...'`.
    const detail = String((err as Error).message ?? code);
    throw new DataDirError(dir, code, `DATA_DIR ${name} ${what} (${detail.startsWith(code) ? detail : `${code}: ${detail}`})`);
  };
  try {
    mkdirSync(abs, { recursive: true });
  } catch (err) {
    fail(err, `cannot be created: ${reason(err)}`);
  }
  try {
    probeWrite(abs);
  } catch (err) {
    fail(err, `cannot be written: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  switch ((err as { code?: unknown }).code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the file system is full; free space or give DATA_DIR a larger volume';
    case 'EROFS':
      return 'the file system is mounted read-only; mount it read-write or point DATA_DIR elsewhere';
    case 'EACCES':
    case 'EPERM':
      return `permission denied for this user (uid ${process.getuid?.() ?? '?'}); fix the owner or mode`;
    case 'ENOTDIR':
    case 'EEXIST':
      return 'it or one of its parents is a file, not a directory';
    case 'ENOENT':
      return 'a parent directory does not exist and cannot be created';
    case 'EIO':
      return 'input/output error; check the disk';
    default:
      return 'unexpected error';
  }
}
