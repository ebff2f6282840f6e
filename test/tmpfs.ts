/**
 * Real small file systems for storage-failure tests: a tmpfs of a few MiB that a test fills up
 * (ENOSPC for everything written after), or one mounted read-only (EROFS). Mounting needs root
 * (CI runs as root); elsewhere the tests skip with the reason printed, except in CI, where a
 * mount that does not work is a failure.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, statfsSync, writeSync } from 'node:fs';
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

/** `pid:fd -> path` of every open file under `dir`, from /proc (what holds space on a file system). */
function holders(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith(dir)) out.push(`${pid}:${fd} -> ${target}`);
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
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
      // The space must be back now. If it is not, something still holds the deleted filler (or
      // another big file) open: say who, instead of letting the next test fail on a full disk.
      // Given up to 2 s: in CI it once read 0 bytes free right after the delete, with no holder
      // of the filler to be found by the time it looked (a transient one).
      const freeBytes = () => {
        const st = statfsSync(dir);
        return st.bavail * st.bsize;
      };
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; freeBytes() < (sizeMiB * 2 ** 20) / 4 && waited < 2000; waited += 20) Atomics.wait(sleeper, 0, 0, 20);
      const free = freeBytes();
      if (free < (sizeMiB * 2 ** 20) / 4) throw new Error(`tmpfs ${dir}: the filler is deleted but only ${free} bytes are free; open files on it: ${holders(dir).join(', ') || 'none found'}`);
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
