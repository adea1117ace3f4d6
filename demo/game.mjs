// The game the demo plays, shared by the coordinator and the servers: the
// player data, the actions, and the store options, in two versions. Every
// change carries the id the coordinator gave it and leaves an `[id, delta]`
// entry in the player's `log` (`[id, 0, gems]` for gems), so the report can
// audit the stored data action by action.
//
// Version 2 is what the rolling deploy halfway through brings: one more
// migration step, "gems", marked `backwardsCompatible` (it only adds a
// field), and an action that mines gems. Version-1 servers keep serving keys
// version 2 has migrated while both run: their actions spread the data, so
// they keep `gems` without knowing it, and their schema lets it through.

import { Store } from "../pkg/node.mjs";

export const STORE_NAME = "players";
export const NAMESPACE = "players/global"; // the namespace as the backend sees it
export const PULL_DELAY = 1; // seconds: long enough that servers' changes visibly merge
export const TRANSACTION_TIMEOUT = 3; // seconds before an undecided trade may be presumed aborted
export const LATEST_VERSION = 2;

/** Data of a player who has never played, in the shape of `version`. */
function defaultData(version) {
  return version >= 2 ? { name: "", coins: 0, gems: 0, log: [] } : { name: "", coins: 0, log: [] };
}

/** The migration steps of `version`: each version appends, never renames or removes. */
function migrations(version) {
  // Records of an older game had no log; upgrading them runs once per key.
  const steps = [{ step: "log-entries", migrate: (old) => ({ ...old, log: old.log ?? [] }) }];
  if (version >= 2) steps.push({ step: "gems", migrate: (old) => ({ ...old, gems: 0 }), backwardsCompatible: true });
  return steps;
}

/** One change: coins move by `delta` and the change is logged under its id. */
function entry(data, id, delta) {
  return { ...data, coins: data.coins + delta, log: [...data.log, [id, delta]] };
}

/** A Store of `version` of the game on `backend`, with its actions registered. */
export function gameStore(backend, onError, version = LATEST_VERSION) {
  const store = new Store({
    name: STORE_NAME,
    defaultData: () => defaultData(version),
    migrations: migrations(version),
    // Checks only what this version knows: fields of a newer one pass through.
    schema: (d) =>
      typeof d === "object" && d !== null && Number.isInteger(d.coins) && Array.isArray(d.log) &&
      (version < 2 || Number.isInteger(d.gems)),
    pullDelay: PULL_DELAY,
    transactionTimeout: TRANSACTION_TIMEOUT,
    backend,
    onError,
  });
  const actions = {
    /** A bot arrives on a server (each hop too): sets the name, moves no coins. */
    join: store.action((d, id, name) => ({ ...entry(d, id, 0), name })),
    earn: store.action((d, id, n) => entry(d, id, n)),
    /** Declined (logged with delta 0) when the fresh data has too few coins. */
    spend: store.action((d, id, n) => entry(d, id, d.coins >= n ? -n : 0)),
    /** Escrow before a trade: always taken (the server checked its cache first). */
    escrow: store.action((d, id, n) => entry(d, id, -n)),
    /**
     * A purchase: the coins a receipt `P<n>` bought. Servers apply it only
     * with `session.patchOnce(id, grant, id, n)`, so a receipt the platform
     * delivers to two servers, or again later, is granted once.
     */
    grant: store.action((d, id, n) => entry(d, id, n)),
    /** The only transaction action: the receiver's payment, or the sender's refund. */
    giveMoney: store.transaction("giveMoney", (d, id, n) => entry(d, id, n)),
  };
  /** Version 2: a bot mines `n` gems (no coins move). */
  if (version >= 2) actions.mine = store.action((d, id, n) => ({ ...d, gems: d.gems + n, log: [...d.log, [id, 0, n]] }));
  return { store, actions };
}

/** Decodes a stored record (the engine's envelope) or throws saying why not. */
export function decodeRecord(value) {
  const record = JSON.parse(value);
  if (record === null || typeof record !== "object" || record.skilift !== 1 || !("data" in record)) {
    throw new Error("not a skilift record");
  }
  return record;
}
