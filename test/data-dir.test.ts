/**
 * A DATA_DIR the program cannot keep data in stops the start the way bad configuration does
 * (interface.md): one line on stderr naming DATA_DIR and what is wrong, exit code 2, before any
 * port is opened. The program as a user runs it: `node bin/chargebridge.ts start`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inCI, mountTmpfs, tmpfsUnavailable, type Tmpfs } from './tmpfs.ts';

const root = path.resolve(import.meta.dirname, '..');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function start(dataDir: string) {
  const child = spawn(process.execPath, ['bin/chargebridge.ts', 'start'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', OCPP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A start that did not stop must not outlive the test.
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  return { exited, out: () => stdout, err: () => stderr };
}

async function expectRefused(dataDir: string, what: RegExp): Promise<void> {
  const p = start(dataDir);
  expect(await p.exited, p.out() + p.err()).toBe(2);
  const lines = p.err().trim().split('\n');
  expect(lines, p.err()).toHaveLength(1);
  expect(lines[0]).toMatch(/^chargebridge: DATA_DIR /);
  expect(lines[0]).toContain(dataDir);
  expect(lines[0]).toMatch(what);
  expect(p.out()).not.toContain('chargebridge ready');
}

describe('chargebridge start with a DATA_DIR it cannot use', () => {
  it('one that cannot be created (a parent is a file): one line naming DATA_DIR, exit code 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chargebridge-datadir-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'file'), 'not a directory');
    await expectRefused(path.join(dir, 'file', 'data'), /cannot be created: .*not a directory.*ENOTDIR/);
  });
});

const noTmpfs = tmpfsUnavailable();
if (noTmpfs && !inCI) console.warn(`DATA_DIR read-only/full start tests SKIPPED: ${noTmpfs}`);

describe('chargebridge start with a DATA_DIR on a read-only or full file system', () => {
  // In CI a missing mount must not pass as "skipped".
  // Declared only then, so that a run with the mount reports no skipped test.
  if (noTmpfs && inCI) {
    it('mounting a tmpfs is required in CI', () => {
      throw new Error(noTmpfs);
    });
  }
  it.skipIf(!!noTmpfs)('read-only: one line naming DATA_DIR, exit code 2', async () => {
    const fs: Tmpfs = mountTmpfs(1, { readOnly: true });
    cleanups.push(() => fs.unmount());
    await expectRefused(fs.dir, /cannot be written: .*read-only.*EROFS/);
  });
  it.skipIf(!!noTmpfs)('full: one line naming DATA_DIR, exit code 2', async () => {
    const fs: Tmpfs = mountTmpfs(1);
    cleanups.push(() => fs.unmount());
    fs.fill();
    await expectRefused(fs.dir, /cannot be written: .*full.*ENOSPC/);
  });
});
