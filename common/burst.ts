/**
 * At most `max` occurrences per `windowMs`, counting the rest: for log lines and events that a
 * misbehaving peer could otherwise repeat without bound (a charger sending a bad frame per
 * millisecond must not write a log line per millisecond). Pure apart from the clock it is given.
 */
export class Burst {
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private suppressed = 0;

  private readonly max: number;
  private readonly windowMs: number;

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /**
   * Whether this occurrence may be reported, and how many were suppressed in the window that
   * just ended (report that number once, when it is above 0).
   */
  take(now: number): { ok: boolean; suppressed: number } {
    let ended = 0;
    if (now - this.windowStart >= this.windowMs) {
      ended = this.suppressed;
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (this.inWindow < this.max) {
      this.inWindow++;
      return { ok: true, suppressed: ended };
    }
    this.suppressed++;
    return { ok: false, suppressed: ended };
  }
}
