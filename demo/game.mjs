// The game the demo plays, shared by the coordinator and the servers: the
// player data, the actions, and the store options. Every change carries the
// id the coordinator gave it and leaves an `[id, delta]` entry in the
// player's `log`, so the report can audit the stored data action by action.

import { Store } from "../pkg/node.mjs";

export const STORE_NAME = "players";
export const NAMESPACE = "players/global"; // the namespace as the backend sees it
export const PULL_DELAY = 1; // seconds: long enough that servers' changes visibly merge
export const TRANSACTION_TIMEOUT = 3; // seconds before an undecided trade may be presumed aborted

/** Data of a player who has never played. */
export function defaultData() {
  return { name: "", coins: 0, log: [] };
}

/** One change: coins move by `delta` and the change is logged under its id. */
function entry(data, id, delta) {
  return { ...data, coins: data.coins + delta, log: [...data.log, [id, delta]] };
}

/** A Store of the game on `backend`, with its actions registered. */
export function gameStore(backend, onError) {
  const store = new Store({
    name: STORE_NAME,
    defaultData,
    // Records of an older game had no log; upgrading them runs once per key.
    migrations: [{ step: "log-entries", migrate: (old) => ({ ...old, log: old.log ?? [] }) }],
    schema: (d) => typeof d === "object" && d !== null && Number.isInteger(d.coins) && Array.isArray(d.log),
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
