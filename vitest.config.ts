import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (*.test.ts); end-to-end runs against real sockets and
// servers live in test/. Both run with `npm test`; e2e files share ports 0 and temp dirs,
// so they may run in parallel.
export default defineConfig({
  test: {
    include: ['{common,gateway,broker,device-registry,history,message-log,dashboards,simulator}/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
