// The game's player data and the only ways it changes: one skilift Store
// per process, and its registered actions. Every change carries the id the
// client gave its request and leaves an `[id, delta]` entry in the player's
// `log`: the game shows it as the player's recent history, and the test
// audits the stored data against it, entry by entry.

import { Store } from "skilift";

/** Data of a player who has never played. */
export function defaultData() {
  return { name: "", coins: 0, log: [] };
}

/** One change: coins move by `delta`, logged under the request's id. */
function entry(data, id, delta) {
  data.coins += delta;
  data.log.push([id, delta]);
  return data;
}

/**
 * The process's Store and its actions. One Store per process, shared by
 * every room: sessions of one key on one process then share nothing with
 * another Store's, and `store.close()` saves them all at shutdown.
 * Times are in seconds; the environment shortens them for the test.
 */
export function createGame(backend, onError) {
  const store = new Store({
    name: "players",
    defaultData,
    schema: (d) => Number.isInteger(d?.coins) && Array.isArray(d.log),
    pullDelay: seconds("PULL_DELAY", 5),
    transactionTimeout: seconds("TRANSACTION_TIMEOUT", 60),
    backend,
    onError,
  });
  const actions = {
    /** The name the player chose; moves no coins. */
    rename: store.action((d, name) => {
      d.name = name;
      return d;
    }),
    earn: store.action((d, id, n) => entry(d, id, n)),
    /**
     * Declined (logged with delta 0) when the stored data has too few
     * coins: another server may have spent them first, and the replay on
     * the freshest record decides.
     */
    spend: store.action((d, id, n) => entry(d, id, d.coins >= n ? -n : 0)),
    /** Taken before a trade, always: the room checked the balance first (README "Transactions"). */
    escrow: store.action((d, id, n) => entry(d, id, -n)),
    /** The coins a purchase receipt bought; only ever applied with patchOnce / updateOnce. */
    grant: store.action((d, id, n) => entry(d, id, n)),
    /** The trade's payment to the receiver, or the refund to the sender. */
    giveMoney: store.transaction("giveMoney", (d, id, n) => entry(d, id, n)),
  };
  return { store, actions };
}

function seconds(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a number of seconds > 0, got ${process.env[name]}`);
  return value;
}
