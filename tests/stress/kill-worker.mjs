// Child process of the fs-kill and sqlite-kill campaigns (fs-kill.mjs): a
// game server that appends unique ids to one key through FsBackend (or
// SqliteBackend, tests/backends/shared-storage.mjs) until it is SIGKILLed.
//
//   node kill-worker.mjs KIND DIR KEY NAME
// After each `await()` it reports the ids that save acknowledged, so the
// parent knows of an id only once it is stored. Messages:
// { type: "ready" }, { type: "acked", ids }, { type: "bad", reason }.

import { Store } from "../../pkg/node.mjs";
import { openShared } from "../backends/shared-storage.mjs";

const [kind, dir, key, name] = process.argv.slice(2);
const store = new Store({
  name: "players",
  defaultData: () => ({ log: [] }),
  backend: openShared(kind, dir),
  pullDelay: 0.02,
  onError: () => {}, // conflicts with the other writer and retries are expected
});
const add = store.action((data, id) => ({ ...data, log: [...data.log, id] }));

const session = store.load(key);
await session.await();
process.send({ type: "ready" });
for (let n = 0; ; ) {
  const ids = [];
  for (let i = 1 + Math.floor(Math.random() * 4); i > 0; i--) {
    const id = `${name}:${n++}`;
    session.patch(add, id);
    ids.push(id);
  }
  await session.await();
  // await() also settles on a session that stopped itself: never ack then.
  if (session.bad() !== undefined) {
    process.send({ type: "bad", reason: session.bad() });
    break;
  }
  process.send({ type: "acked", ids });
}
