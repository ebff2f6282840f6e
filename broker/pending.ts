/** Counts in-flight promises so shutdown can wait for every publish issued before it. */
export class PendingTracker {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  // One settle callback for every tracked promise: a closure per publish costs an allocation
  // on the hot path.
  private readonly done = () => {
    if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
  };

  track<T>(p: Promise<T>): Promise<T> {
    this.begin();
    p.then(this.done, this.done);
    return p;
  }

  /** One more in flight, without a promise; `end()` once it settled. */
  begin(): void {
    this.count++;
  }

  end(): void {
    this.done();
  }

  drain(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
