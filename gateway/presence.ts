/**
 * Flags chargers offline when they stay silent longer than HEARTBEAT_TOLERANCE (interface.md:
 * state shadow). One sweep over all sessions every quarter tolerance instead of one timer per
 * charger: with 18,000 chargers, re-arming a timer on every frame costs more than a sweep.
 * The socket stays open (the WebSocket ping reaps dead ones); the first frame after the
 * silence flips the shadow back online (ChargerSession.touch). Everything the charger sends
 * counts (a CALL, an answer to a command, a pong: OcppConnection.onHeard), so a charger that
 * sends no Heartbeat but answers the gateway's pings stays online when WS_PING_INTERVAL is
 * below the tolerance.
 */
export interface PresenceTarget {
  lastSeenMs: number;
  readonly online: boolean;
  markOffline(now: number): void;
  /** Republishes `lastSeen` when it is more than `maxAgeMs` behind `lastSeenMs`. */
  refreshSeen?(maxAgeMs: number): void;
}

export class PresenceSweeper {
  private timer: NodeJS.Timeout | undefined;

  private readonly sessions: () => Iterable<PresenceTarget>;
  private readonly toleranceMs: number;

  constructor(sessions: () => Iterable<PresenceTarget>, toleranceMs: number) {
    this.sessions = sessions;
    this.toleranceMs = toleranceMs;
  }

  start(): void {
    const every = Math.max(50, Math.min(5_000, this.toleranceMs / 4));
    this.timer = setInterval(() => this.sweep(Date.now()), every);
    this.timer.unref();
  }

  sweep(now: number): number {
    let flagged = 0;
    for (const s of this.sessions()) {
      if (!s.online) continue;
      if (now - s.lastSeenMs > this.toleranceMs) {
        s.markOffline(now);
        flagged++;
      } else {
        // Half the tolerance: a platform reading `lastSeen` never sees it older than that
        // while the charger is online, whatever frames (pongs included) kept it online.
        s.refreshSeen?.(this.toleranceMs / 2);
      }
    }
    return flagged;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
