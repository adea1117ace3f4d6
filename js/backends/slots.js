// A bound on how many operations of one kind run at once: FsBackend's open
// files (fs/open_files.js) and FetchBackend's requests in flight
// (http/fetch.js). Past the bound, callers wait their turn, first come,
// first served.

export class Slots {
  #free;
  #holdMs;
  #waiting = [];

  /**
   * At most `size` runs at once. A run still going after `holdMs` gives its
   * slot back and goes on uncounted: a request a frozen server never
   * answers must not keep the ones behind it waiting for ever (the caller
   * has long given up on it and retried, and the retry waits here).
   */
  constructor(size, { holdMs = Infinity } = {}) {
    this.#free = size;
    this.#holdMs = holdMs;
  }

  /**
   * Runs `fn` when a slot is free and holds the slot until what it returns
   * settles (or `holdMs` passes). `fn` must not wait for another run of the
   * same `Slots`: with every slot held by such runs, none would finish.
   */
  async run(fn) {
    if (this.#free > 0) this.#free--;
    else await new Promise((resolve) => this.#waiting.push(resolve));
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      // Handed straight to the next waiter, or given back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    const timer = this.#holdMs === Infinity ? undefined : setTimeout(release, this.#holdMs);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
