import { defineConfig } from 'vitest/config';

/** The role folders and the libraries beside them: unit tests live beside the code (*.test.ts). */
const ROLES = '{common,ocpp,contracts,gateway,broker,device-registry,history,alerts,message-log,dashboards,simulator}';
/**
 * Tests beside the code that are not unit tests: the PostgreSQL store contract
 * (TEST_DATABASE_URL), the InfluxDB 1.x contract (spawns influxd), the embedded broker's
 * bounds on slow clients (real TCP and WebSocket clients on throttled links: ~15 s on 2 cores),
 * the simulated 2.x stations and 1.6 charger against ocpp-rpc's server (sessions, drops and
 * reboots in real time: ~6 s and ~3 s),
 * and the certificate tests whose keys, CAs and CSRs are made by the `openssl` CLI (test/pki.ts:
 * ~35 processes, RSA keys among them; ~5 s of the unit project's 25 s of test time on 2 cores).
 */
const INTEGRATION = [
  'device-registry/store/postgres.test.ts',
  'message-log/backends/postgres.test.ts',
  'history/backends/influx1.test.ts',
  'broker/embedded.test.ts',
  'simulator/v201/station.test.ts',
  'simulator/charger.test.ts',
  'gateway/certificates/authority.test.ts',
  'gateway/certificates/csr.test.ts',
  'gateway/certificates/service.test.ts',
  'gateway/client-certificate.test.ts',
];

// Three projects, all run by `npm test`:
// - unit: pure and in-process tests beside the code, in seconds (`npm run test:unit`). In-process
//   sockets on port 0 (the OCPP server, the embedded broker, a recorded InfluxDB 2 API) count
//   as in-process, if they are quick; anything that starts a process, needs an outside server or
//   waits seconds of real time does not.
// - integration: the tests beside the code that do (INTEGRATION).
// - e2e: test/, the program from the outside (real sockets, child processes, worker threads,
//   browsers). Files share ports 0 and temp dirs, so they may run in parallel.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Threads, and one module graph per worker for all its files (isolate: false): starting a
      // fork and loading vitest per file cost more than most of these files take to run (25 s
      // against 12 s for the project on 2 cores). Safe because these tests restore what they
      // change (fake timers in afterEach) and hold their state in their own describe blocks.
      // Three workers, not vitest's default of cores - 1 (one, on 2-core CI): the slow files
      // mostly wait (keepalive pings, tmpfs mounts, TCP backpressure), so they overlap well
      // (6-10 s against 12-18 s with one worker, on a 2-core machine with a load average of 8).
      { extends: true, test: { name: 'unit', include: [`${ROLES}/**/*.test.ts`], exclude: INTEGRATION, pool: 'threads', isolate: false, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      // `vitest run` of all three needs each project in a group of its own when their worker
      // settings differ ("same sequence.groupOrder"): unit first, then the rest.
      { extends: true, test: { name: 'integration', include: INTEGRATION, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
