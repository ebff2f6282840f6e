/**
 * Lower CPU priority for a thread that does throughput work (the history and message-log
 * writers), so that under CPU contention the threads chargers wait for (the OCPP gateway's and the
 * broker's) run first and the writers take what is left. Nothing waits on the writers but their
 * own bounded backlogs: the telemetry journal keeps what history has not stored yet, and the
 * message log's consumer bounds what it holds (MESSAGE_LOG_MAX_BACKLOG).
 *
 * On Linux, setpriority(2) with PRIO_PROCESS and a thread id sets that thread's nice value alone
 * (see its NOTES: "a thread ID" for the PRIO_PROCESS case); the thread's id is the last part of
 * /proc/thread-self. Raising one's own nice value needs no privilege. Elsewhere (or if /proc is
 * not mounted) this does nothing and says so.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** Sets the calling thread's nice value; returns the thread id it applied to, or null (not Linux, no /proc, refused). */
export function setThreadNice(nice: number): number | null {
  if (process.platform !== 'linux' || nice === 0) return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    // Never raise priority above what the thread has (a negative nice needs CAP_SYS_NICE).
    os.setPriority(tid, Math.max(os.getPriority(tid), nice));
    return tid;
  } catch {
    return null;
  }
}
