/**
 * The roles one process can run. Kept apart from the composition (bin/start.ts) so that the CLI
 * can name them in `--help` without loading the system (`--help` answers in well under 0.5 s),
 * and in common/ so that what describes a configuration (open-defaults.ts) can name them too.
 */
export type Role = 'broker' | 'gateway' | 'registry' | 'history' | 'alerts';
export const ALL_ROLES: readonly Role[] = ['broker', 'gateway', 'registry', 'history', 'alerts'];
