/**
 * The stores a contract suite opens: call it inside the suite's describe block; every store it
 * hands out is closed after each test.
 */
import { afterEach } from 'vitest';
import type { RegistryStore } from './types.ts';

export interface SuiteStores {
  /** A store on the current test's storage, migrated. */
  open(): Promise<RegistryStore>;
  /** One more store on the same storage, not migrated (a second gateway beside the first). */
  another(): Promise<RegistryStore>;
}

export function suiteStores(make: () => Promise<RegistryStore>): SuiteStores {
  const opened: RegistryStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const another = async () => {
    const s = await make();
    opened.push(s);
    return s;
  };
  return {
    another,
    async open() {
      const s = await another();
      await s.migrate();
      return s;
    },
  };
}
