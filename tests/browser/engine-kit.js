// What the pages testing the engine share (on IndexedDB; fetch.test.js uses
// its game on FetchBackend): the browser build of
// the package (pkg/esm, as a bundler resolves `skilift` and
// `skilift/indexeddb` for a browser), a small game of receipts and gifts,
// fresh databases, and a backend that loses replies.

import { freshName, deleteDatabase } from "./databases.js";

const INDEX = "../../pkg/esm/index.js";
const INDEXEDDB = "../../pkg/esm/backends/indexeddb/index.js";

/** Whether scripts/build.sh has made pkg/ (the pages skip their tests if not). */
export const built = await fetch(new URL(INDEX, import.meta.url), { method: "HEAD" })
  .then((r) => r.ok)
  .catch(() => false);

/** `{ Store, IndexedDbBackend }` from the built package. */
export async function loadPackage() {
  const [{ Store }, { IndexedDbBackend }] = await Promise.all([import(INDEX), import(INDEXEDDB)]);
  return { Store, IndexedDbBackend };
}

/**
 * One "server": a Store on `backend` with the game's actions. `grant` adds
 * coins and logs the id it was given; `cancel` cancels. Background failures
 * are collected in `errors`, not printed.
 */
export async function game(backend, options = {}) {
  const { Store } = await loadPackage();
  const errors = [];
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend,
    pullDelay: 0.02,
    onError: (error) => errors.push(error),
    ...options,
  });
  const grant = store.action((d, id, n) => ({ coins: d.coins + n, log: [...d.log, id] }));
  const cancel = store.action(() => undefined);
  return { store, grant, cancel, errors };
}

/**
 * Runs `fn(open)` on a fresh database; `open()` is a new IndexedDbBackend
 * (its own connection, as another server or tab has) on it. Every backend
 * is closed and the database deleted afterwards.
 */
export async function withDatabase(fn) {
  const { IndexedDbBackend } = await loadPackage();
  const name = freshName("skilift-once");
  const opened = [];
  const open = () => {
    const backend = new IndexedDbBackend(name);
    opened.push(backend);
    return backend;
  };
  try {
    await fn(open);
  } finally {
    for (const backend of opened) await backend.close();
    await deleteDatabase(name);
  }
}

/**
 * A backend whose first `losses` puts that write then throw, as if the
 * reply had been lost on the way back: the write landed, the caller cannot
 * know it.
 */
export class LostReply {
  constructor(inner, losses = 1) {
    this.inner = inner;
    this.losses = losses;
    this.lost = 0;
    this.puts = 0;
  }
  get(store, key) {
    return this.inner.get(store, key);
  }
  async put(store, key, value, expected, meta) {
    this.puts++;
    const version = await this.inner.put(store, key, value, expected, meta);
    if (version !== null && this.losses > 0) {
      this.losses--;
      this.lost++;
      throw new Error("lost reply (the write landed)");
    }
    return version;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
