// The two-tab test's page side: each tab runs `writers` loops of get +
// conditional put, each incrementing one counter `increments` times, on its
// own IndexedDbBackend (its own connection). The runner starts both tabs at
// once and checks the final count and the history with readBack. `play` and
// `purchase` race the same way through the public API: patches, and the same
// receipts granted with patchOnce in both tabs.

import { IndexedDbBackend } from "../../js/backends/indexeddb/index.js";

const STORE = "players/global";

/** Runs this tab's share; resolves { wins, conflicts }. */
export async function hammer({ dbName, key, writers, increments }) {
  const backend = new IndexedDbBackend(dbName, { keepVersions: Infinity });
  let wins = 0;
  let conflicts = 0;
  const writer = async () => {
    for (let i = 0; i < increments; i++) {
      for (;;) {
        const entry = await backend.get(STORE, key);
        const n = entry ? JSON.parse(entry.value).n : 0;
        const version = await backend.put(STORE, key, JSON.stringify({ n: n + 1 }), entry ? entry.version : null, {
          userIds: [],
        });
        if (version !== null) {
          wins++;
          break;
        }
        conflicts++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: writers }, writer));
  } finally {
    await backend.close();
  }
  return { wins, conflicts };
}

/**
 * The final count, and whether the history is exactly 1, 2, …, n in write
 * order: two winners of one compare-and-set would show as a repeated count.
 * The public API cannot list versions, so this reads the versions store
 * itself (it knows the backend's layout: rows keyed [store, key, seq]).
 */
export async function readBack({ dbName, key }) {
  const backend = new IndexedDbBackend(dbName, { keepVersions: Infinity });
  try {
    const current = await backend.get(STORE, key);
    const counts = await new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        const tx = db.transaction("versions", "readonly");
        const all = tx.objectStore("versions").getAll(IDBKeyRange.bound([STORE, key], [STORE, key, []]));
        tx.oncomplete = () => {
          db.close();
          resolve(all.result.map((row) => JSON.parse(row.value).n));
        };
        tx.onabort = () => reject(tx.error);
      };
    });
    return { final: current ? JSON.parse(current.value).n : null, history: counts };
  } finally {
    await backend.close();
  }
}

/**
 * The same race through the public API: this tab's game session on one key,
 * patching `patches` times (each patch logs a unique id), pulling often so
 * the tabs' writes interleave, then stopping. Resolves the patches made.
 */
export async function play({ dbName, key, tab, patches }) {
  const { Store } = await import("../../pkg/esm/index.js");
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend: new IndexedDbBackend(dbName, { keepVersions: 10 }),
    pullDelay: 0.01,
  });
  const add = store.action((data, id) => {
    data.coins += 1;
    data.log.push(id);
    return data;
  });
  const session = store.load(key);
  for (let i = 0; i < patches; i++) {
    session.patch(add, `${tab}:${i}`);
    if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await session.stop();
  return { patched: patches, bad: session.bad() ?? null };
}

/** The stored data of `key`, read through a fresh store's view. */
export async function latest({ dbName, key }) {
  const { Store } = await import("../../pkg/esm/index.js");
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend: new IndexedDbBackend(dbName),
  });
  return store.view(key).latest();
}

/**
 * This tab's deliveries of the receipts R0..R(n-1), which the other tab
 * gets too: each granted with patchOnce on this tab's session, the browser
 * build's Store and IndexedDbBackend, pulling often. Resolves the answers,
 * in receipt order.
 */
export async function purchase({ dbName, key, receipts }) {
  const [{ Store }, { IndexedDbBackend: Backend }] = await Promise.all([
    import("../../pkg/esm/index.js"),
    import("../../pkg/esm/backends/indexeddb/index.js"),
  ]);
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend: new Backend(dbName),
    pullDelay: 0.01,
  });
  const grant = store.action((data, id) => ({ coins: data.coins + 1, log: [...data.log, id] }));
  const session = store.load(key);
  const answers = [];
  for (let i = 0; i < receipts; i++) {
    answers.push(session.patchOnce(`R${i}`, grant, `R${i}`));
    if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const told = await Promise.all(answers);
  await session.stop();
  return { told, bad: session.bad() ?? null };
}
