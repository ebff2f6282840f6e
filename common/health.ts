/**
 * Readiness of the process, one entry per component that can fail while the process keeps
 * running (the registry store, the telemetry journal, the history backend, ...). A component
 * reports a problem once, when it starts, and its recovery once, when it ends: the log gets one
 * error line per outage (never one per failed write), `/health` shows the problem and `/metrics`
 * a gauge per component. Components stay independent: each owns its name and clears only its
 * own entry.
 */
import type { Logger } from './logger.ts';
import { sqliteCode } from './sqlite.ts';

export interface Problem {
  /** Stable code: `DISK_FULL`, `READ_ONLY`, `UNAVAILABLE`, ... */
  code: string;
  /** What happened and what to do, for the operator. */
  message: string;
}

export interface ComponentState {
  ok: boolean;
  code?: string | undefined;
  message?: string | undefined;
  /** ISO time the current problem started. */
  since?: string | undefined;
  /** Failures since the problem started (not logged one by one). */
  failures?: number | undefined;
}

export interface Health {
  /** Records a problem; logs at error level only when the component was fine before. */
  fail(component: string, problem: Problem): void;
  /** Clears a problem; logs once when the component had one. */
  ok(component: string): void;
  /** True when no component has a problem. */
  readonly ready: boolean;
  /** Component name -> state, for `/health` and `/metrics`. */
  report(): Record<string, ComponentState>;
  /** Called on every change (fail or recovery), e.g. to pause work that would fail too. */
  onChange(listener: (component: string, state: ComponentState) => void): void;
}

export function createHealth(log: Logger): Health {
  const states = new Map<string, ComponentState>();
  const listeners: Array<(component: string, state: ComponentState) => void> = [];
  const hlog = log.child({ component: 'health' });
  const emit = (c: string, s: ComponentState) => {
    for (const l of listeners) l(c, s);
  };
  return {
    fail(component, problem) {
      const cur = states.get(component);
      if (cur && !cur.ok && cur.code === problem.code) {
        cur.failures = (cur.failures ?? 0) + 1;
        return;
      }
      const s: ComponentState = { ok: false, code: problem.code, message: problem.message, since: new Date().toISOString(), failures: 1 };
      states.set(component, s);
      hlog.error({ check: component, code: problem.code }, problem.message);
      emit(component, s);
    },
    ok(component) {
      const cur = states.get(component);
      if (cur?.ok) return;
      const s: ComponentState = { ok: true };
      states.set(component, s);
      if (cur) hlog.warn({ check: component, was: cur.code, since: cur.since, failures: cur.failures }, `${component} recovered`);
      emit(component, s);
    },
    get ready() {
      for (const s of states.values()) if (!s.ok) return false;
      return true;
    },
    report() {
      return Object.fromEntries([...states].map(([k, v]) => [k, { ...v }]));
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

/**
 * What a storage error means for the operator. Node's fs errors carry errno codes (ENOSPC,
 * EROFS, EDQUOT); node:sqlite SQLite's extended result codes (read by name with sqliteCode:
 * SQLITE_FULL, SQLITE_READONLY*, SQLITE_IOERR*, SQLITE_CANTOPEN); PostgreSQL its SQLSTATE (53100 disk_full,
 * 25006 read_only_sql_transaction). Null for errors that are not about the storage itself
 * (a constraint violation, a bad argument).
 */
export function storageProblem(err: unknown, where: string): Problem | null {
  const code = sqliteCode(err) ?? String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100') {
    return { code: 'DISK_FULL', message: `${where}: no space left on the device; free space (or give DATA_DIR a larger volume), the process recovers by itself` };
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_READONLY') || code === '25006') {
    return { code: 'READ_ONLY', message: `${where}: storage is read-only or not writable by this user (${code}); fix the mount or permissions, the process recovers by itself` };
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_')) {
    return { code: 'BUSY', message: `${where}: the database is locked by another program (${code}: a backup, a second process or a sqlite3 shell holding a write transaction); writes resume when it lets go` };
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_CORRUPT') {
    return { code: 'IO_ERROR', message: `${where}: input/output error (${code}); check the disk` };
  }
  return null;
}
