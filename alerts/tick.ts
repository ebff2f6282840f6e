/**
 * The periodic evaluation of the time-based rules over every device, in slices: `slice` devices
 * per turn of the event loop, the next slice scheduled after. At once, 18,000 devices were one
 * stall of tens of ms every second on the broker's thread, which is the thread that delivers
 * telemetry to subscribers; a slice of 500 is about a millisecond (docs/alerts.md).
 *
 * The devices are read through a live iterator (a JS Map's keeps its order while entries are
 * replaced, and visits entries added meanwhile), so a device replaced since the tick began is
 * evaluated as it is now. A tick that is still running when the next is due lets it pass.
 */
export interface SlicedTick {
  /** Begins a tick unless one is running. */
  start(): void;
  /** Runs what is left of the current tick now (a barrier: the role's idle()). */
  finish(): void;
  readonly running: boolean;
}

export function slicedTick(opts: {
  keys: () => Iterator<string>;
  evaluate: (key: string, t0: number) => void;
  now: () => number;
  slice: number;
  schedule: (fn: () => void) => void;
  stopped: () => boolean;
}): SlicedTick {
  let it: Iterator<string> | null = null;
  let t0 = 0;
  const step = (all: boolean) => {
    if (!it) return;
    for (let n = 0; all || n < opts.slice; n++) {
      const r = it.next();
      if (r.done || opts.stopped()) {
        it = null;
        return;
      }
      opts.evaluate(r.value, t0);
    }
    opts.schedule(next);
  };
  const next = () => step(false);
  return {
    start() {
      if (it || opts.stopped()) return;
      it = opts.keys();
      // One time for the whole tick: every device is judged at the same instant, as at once.
      t0 = opts.now();
      step(false);
    },
    finish: () => step(true),
    get running() {
      return it !== null;
    },
  };
}
