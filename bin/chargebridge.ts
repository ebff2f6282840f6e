#!/usr/bin/env node
/**
 * chargebridge CLI. `start` runs every role in one process (the `npm start` default).
 * Configuration comes from the environment, read here once and nowhere else.
 *
 * Parsing the arguments loads commander and nothing else: the system (start.ts, and with it
 * fastify, aedes, the stores) is imported only when a command runs, so `--help` and a mistyped
 * option answer at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../common/config.ts';
import { ALL_ROLES, type Role } from '../common/roles.ts';
import { simulateCommand } from '../simulator/cli.ts';

async function configOrExit(): Promise<Config> {
  const { ConfigError, loadConfig } = await import('../common/config.ts');
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One line, naming every bad variable (interface.md: bad configuration stops the start).
      process.stderr.write(`chargebridge: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
const program = new Command('chargebridge').description('OCPP-to-MQTT gateway for EV chargers').version(pkg.version, '-V, --version', 'print the version');

async function run(roles: readonly Role[]): Promise<void> {
  const config = await configOrExit();
  const [{ ConfigError }, { DataDirError }, { createLogger }, { installProcessGuard }, { startRoles }, { openDefaults }] = await Promise.all([
    import('../common/config.ts'),
    import('../common/data-dir.ts'),
    import('../common/logger.ts'),
    import('../common/process-guard.ts'),
    import('./start.ts'),
    import('../common/open-defaults.ts'),
  ]);
  const log = createLogger(config.LOG_LEVEL);
  const guard = installProcessGuard(log);
  let running;
  try {
    running = await startRoles(config, log, roles, { unexpectedErrors: () => guard.caught });
  } catch (err) {
    // Every failure to start is one line on stderr and exit code 2, like bad configuration
    // (issue 16): what failed and why, never a stack trace (LOG_LEVEL=debug logs it).
    const e = err as NodeJS.ErrnoException & { port?: number };
    let line: string;
    // A TLS file that cannot be read or does not match its key (common/tls-files.ts) is bad
    // configuration too.
    if (err instanceof ConfigError) line = `invalid configuration: ${err.message}`;
    else if (err instanceof DataDirError) line = err.message;
    else if (e.code === 'EADDRINUSE') line = `cannot listen: port ${e.port ?? ''} is already in use (${e.message})`;
    else if (e.code === 'EACCES' && e.port !== undefined) line = `cannot listen on port ${e.port}: permission denied`;
    else if (e.code === 'ECONNREFUSED') line = `cannot reach a required service: ${e.message}`;
    else line = `start failed: ${(e.message || String(err)).split('\n')[0]}`;
    log.debug({ err }, 'start failed');
    process.stderr.write(`chargebridge: ${line}\n`);
    process.exit(2);
  }
  const r = running;
  if (r.adminToken) {
    // Printed once: only its hash is stored.
    process.stdout.write(`\nAdmin API token (shown once, store it now): ${r.adminToken}\n\n`);
  }
  let stoppingSince = 0;
  const stop = (signal: string) => {
    if (stoppingSince) {
      // Ctrl-C under `npm start` reaches node twice within milliseconds (the terminal signals
      // the whole process group, and npm forwards it too): that is one request, not two.
      if (Date.now() - stoppingSince < 1000) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info({ signal, timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutting down');
    // close() keeps to SHUTDOWN_TIMEOUT step by step; this is the backstop if something still
    // hangs (what was acknowledged is on disk either way).
    setTimeout(() => {
      log.error({ timeoutSeconds: config.SHUTDOWN_TIMEOUT }, 'shutdown overran its deadline: exiting now');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT * 1000 + 2000).unref();
    r.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Ready only once the signal handlers are in place: a supervisor (or a test) that stops the
  // process as soon as it reads this line must get the graceful shutdown, not SIGTERM's default
  // (killed by the signal, exit status 143), which a loaded machine showed in test/cli.test.ts.
  log.info({ roles, ocpp: r.ports.ocpp, ocppTls: r.ports.ocppTls, http: r.ports.http, mqtt: r.ports.mqtt }, 'chargebridge ready');
  const open = openDefaults(config, roles);
  if (open.length > 0) log.warn({ open }, `open defaults, fine for a trial, not for production: ${open.join('; ')} (docs/security.md)`);
}

program
  .command('start', { isDefault: true })
  .description('run broker, gateway, registry, history and alerts in one process (embedded defaults)')
  .option('--roles <list>', `comma-separated subset of ${ALL_ROLES.join(',')} to run in this process`, (v: string) => {
    const roles = v.split(',').map((r) => r.trim());
    const bad = roles.find((r) => !(ALL_ROLES as readonly string[]).includes(r));
    if (bad) throw new InvalidArgumentError(`unknown role "${bad}" (roles: ${ALL_ROLES.join(', ')})`);
    return roles as Role[];
  })
  .action((o: { roles?: Role[] }) => run(o.roles ?? ALL_ROLES));
program
  .command('gateway')
  .description('run the OCPP gateway only (needs MQTT_URL; DATABASE_URL to share the registry with other gateways)')
  .action(() => run(['gateway']));
program
  .command('registry')
  .description('run the HTTP API (registry, commands, history queries) only (needs MQTT_URL)')
  .action(() => run(['registry']));
program
  .command('history')
  .description('run the history persister only: telemetry from MQTT_URL into the time-series backend')
  .action(() => run(['history']));
program
  .command('alerts')
  .description('run the alerts role only: rules over the devices seen on MQTT_URL, delivered by webhook and e-mail (one process per installation)')
  .action(() => run(['alerts']));
program
  .command('broker')
  .description('run the embedded MQTT broker only')
  .action(() => run(['broker']));

program.addCommand(simulateCommand());

// `start` is the default command, so commander would read an unknown command as an argument of
// start ("too many arguments for 'start'"): name the known ones instead.
const first = process.argv[2];
const commands = program.commands.map((c) => c.name());
if (first !== undefined && !first.startsWith('-') && !commands.includes(first) && first !== 'help') {
  process.stderr.write(`chargebridge: unknown command '${first}' (commands: ${commands.join(', ')}; see chargebridge --help)\n`);
  process.exit(1);
}

await program.parseAsync(process.argv);
