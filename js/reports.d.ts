// The counters of `store.stats()`, kept beside index.d.ts (which
// re-exports them) so that file stays one readable page.

/**
 * What a store has done since it was made (`store.stats()`); every field is
 * a count. Cheap to read (a copy of nine numbers, whatever the number of
 * sessions), so it can be scraped every second.
 */
export interface StoreStats {
  /** Sessions open now: loaded and neither stopped nor gone bad. */
  sessions: number;
  /** Sessions whose first pull (the load) succeeded. */
  loads: number;
  /** Pulls that completed: loads and final saves included. */
  pulls: number;
  /** Writes of this store's keys that stored (the backend answered a new version). */
  writes: number;
  /** Writes of this store's keys answered null: another writer was first; retried at once on the newer record. */
  conflicts: number;
  /** Attempts repeated after a failure: a pull after a failed one, a transaction decision written again. */
  retries: number;
  /** Storage calls that rejected, timed out or answered garbage (views and transaction decisions included). */
  failures: number;
  /** Sessions that went bad on broken data (`bad_data`; see `session.bad()`). */
  bad: number;
  /** Sessions stopped because a newer version wrote their key (`needs_newer_version`); not counted in `bad`. */
  needsNewerVersion: number;
}
