// The game server the backends' public-API tests share (PostgreSQL, Redis):
// a players store whose actions log a unique id per change, so lost and
// doubled changes show, and the workloads they all run on it.
import assert from "node:assert/strict";
import { Store } from "../../pkg/node.mjs";

/** A players Store on `backend` with `add` and the "give" transaction action; `errors` collects onError. */
export function gameStore(backend, storeOptions = {}) {
  const errors = [];
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend,
    pullDelay: 0.02,
    onError: (error) => errors.push(error), // conflicts and outages are the point here
    ...storeOptions,
  });
  const add = store.action((data, id, n = 1) => {
    data.coins += n;
    data.log.push(id);
    return data;
  });
  const give = store.transaction("give", (data, id, n) => {
    data.coins += n;
    data.log.push(id);
    return data;
  });
  return { store, add, give, errors };
}

/** The data a session holds now. */
export function dataOf(session) {
  let data;
  session.updated((d) => (data = d))();
  return data;
}

/** Server `s` patches key "shared" 40 times (ids `s:i`), pausing now and then, and stops cleanly. */
export async function patchShared(store, add, s) {
  const session = store.load("shared");
  for (let i = 0; i < 40; i++) {
    session.patch(add, `${s}:${i}`);
    if (i % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await session.stop();
  assert.equal(session.bad(), undefined);
}
