// The page a new user writes: the package's main entry and its IndexedDB
// adapter, nothing bundler-specific. Every bundler under test builds this
// file at its defaults. The page saves a patch through one Store, reads it
// back through a second one, and leaves the outcome in `window.__result`
// for tests/package/bundlers/browser.mjs.

import { Store } from "skilift";
import { IndexedDbBackend } from "skilift/indexeddb";

// When the engine is ready: this module runs only after the modules it
// imports, the engine's loader among them, have run.
const readyMs = performance.now();

function makeStore(dbName) {
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0 }),
    backend: new IndexedDbBackend(dbName),
    pullDelay: 0.05,
  });
  const addCoins = store.action((data, n) => ({ ...data, coins: data.coins + n }));
  return { store, addCoins };
}

async function run() {
  // A database of its own, so a reload or a second run starts empty.
  const dbName = `skilift-bundlers-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const first = makeStore(dbName);
  const session = first.store.load("player_1");
  session.patch(first.addCoins, 5);
  await session.await();
  await session.stop();
  await first.store.close();

  const second = makeStore(dbName);
  const data = await second.store.view("player_1").latest();
  await second.store.close();
  return { ok: data?.coins === 5, data, readyMs };
}

run().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { ok: false, error: String(error?.stack ?? error) }),
);
