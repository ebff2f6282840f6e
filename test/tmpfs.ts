/**
 * Real small file systems for storage-failure tests: a tmpfs of a few MiB that a test fills up
 * (ENOSPC for everything written after), or one mounted read-only (EROFS). Mounting needs root
 * (CI runs as root); elsewhere the tests skip with the reason printed, except in CI, where a
 * mount that does not work is a failure.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const inCI = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the file system reports ENOSPC (to the last byte). */
  fill(): void;
  /** Deletes the filler: the space is back. */
  free(): void;
  unmount(): void;
}

function mount(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Null when a tmpfs can be mounted here, else why not (printed by the skipping test). */
export function tmpfsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (mounting a tmpfs needs root)';
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-mount-probe-'));
  try {
    mount(dir, 'size=1m');
    execFileSync('umount', [dir]);
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs is not permitted here: ${stderr || (err as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mountTmpfs(sizeMiB: number, opts: { readOnly?: boolean } = {}): Tmpfs {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-tmpfs-'));
  mount(dir, `${opts.readOnly ? 'ro,' : ''}size=${sizeMiB}m,mode=0755`);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Big chunks first, then smaller ones, so that not even a byte is left.
        for (const size of [1024 * 1024, 4096, 1]) {
          const buf = Buffer.alloc(size, 0x55);
          try {
            for (;;) writeSync(fd, buf);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        // Still busy (a handle a failed test left open): detach now, freed when it closes.
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
