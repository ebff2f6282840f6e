#!/usr/bin/env node
/**
 * chargebridge CLI. `start` runs every role in one process (the `npm start` default).
 * Configuration comes from the environment, read here once and nowhere else.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../common/config.ts';
import { DataDirError } from '../common/data-dir.ts';
import { createLogger } from '../common/logger.ts';
import { installProcessGuard } from '../common/process-guard.ts';
import { ALL_ROLES, startRoles, type Role } from './start.ts';
import { simulateCommand } from '../simulator/cli.ts';

function configOrExit(): Config {
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

const program = new Command('chargebridge').description('OCPP-to-MQTT gateway for EV chargers');

async function run(roles: readonly Role[]): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const guard = installProcessGuard(log);
  let running;
  try {
    running = await startRoles(config, log, roles, { unexpectedErrors: () => guard.caught });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (err instanceof DataDirError) {
      // Like bad configuration: one line naming DATA_DIR and what is wrong, exit code 2.
      process.stderr.write(`chargebridge: ${err.message}\n`);
      process.exit(2);
    }
    if (e.code === 'EADDRINUSE') process.stderr.write(`chargebridge: cannot listen: port ${e.port ?? ''} is already in use (${e.message})\n`);
    else if (e.code === 'ECONNREFUSED') process.stderr.write(`chargebridge: cannot reach a required service: ${e.message}\n`);
    else log.fatal({ err }, 'start failed');
    process.exit(1);
  }
  const r = running;
  if (r.adminToken) {
    // Printed once: only its hash is stored.
    process.stdout.write(`\nAdmin API token (shown once, store it now): ${r.adminToken}\n\n`);
  }
  log.info({ roles, ocpp: r.ports.ocpp, http: r.ports.http, mqtt: r.ports.mqtt }, 'chargebridge ready');
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

await program.parseAsync(process.argv);
