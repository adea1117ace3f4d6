// A bound on how many operations of one kind run at once: FsBackend's open
// files (fs/open_files.js) and FetchBackend's requests in flight
// (http/fetch.js). Past the bound, callers wait their turn, first come,
// first served.

export class Slots {
  #free;
  #waiting = [];

  /** At most `size` runs at once. */
  constructor(size) {
    this.#free = size;
  }

  /**
   * Runs `fn` when a slot is free and holds the slot until what it returns
   * settles. `fn` must not wait for another run of the same `Slots`: with
   * every slot held by such runs, none would ever finish.
   */
  async run(fn) {
    if (this.#free > 0) this.#free--;
    else await new Promise((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // Handed straight to the next waiter, or given back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
