/**
 * The roles one process can run. Kept apart from the composition (start.ts) so that the CLI can
 * name them in `--help` without loading the system (`--help` answers in well under 0.5 s).
 */
export type Role = 'broker' | 'gateway' | 'registry' | 'history' | 'alerts';
export const ALL_ROLES: readonly Role[] = ['broker', 'gateway', 'registry', 'history', 'alerts'];
