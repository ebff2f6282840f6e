/**
 * A real headless Chromium (Debian's `chromium`, installed by .ci/run) driven by playwright-core.
 * The flags keep it off the network: this machine refuses outbound connections, and Chromium's
 * background services would otherwise try them at every start. playwright gives every launch a
 * new empty profile of its own.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium not installed (apt-get install chromium)');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
