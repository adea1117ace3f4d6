// Campaign faulty-backend: many short sessions on four servers (Stores) that
// share one backend which rejects, hangs and loses replies (faults.mjs).
// Each session loads a key, appends a few unique ids (and counts them in
// `coins`), and stops. Once every session has stopped and every stalled
// call has landed, each key's stored data must be exact: every id of every
// session once, no other id, and `coins` equal to the number of ids.

import { MemoryBackend, Store } from "../../pkg/node.mjs";
import { FaultyBackend } from "./faults.mjs";
import { Failures, fmt, rng, sleep } from "./support.mjs";

const SERVERS = 4;
const STORE = "players/global";

export async function run({ short, seed }) {
  const sessions = short ? 150 : 1000;
  const keys = short ? 20 : 100;
  const parallel = short ? 40 : 120;
  const random = rng(seed);
  const failures = new Failures();
  const memory = new MemoryBackend();
  const backend = new FaultyBackend(memory, rng(seed ^ 0x5eed), { reject: 0.08, hang: 0.04, lost: 0.08 });
  const errors = { count: 0 };
  const servers = Array.from({ length: SERVERS }, () => {
    const store = new Store({
      name: "players",
      defaultData: () => ({ coins: 0, log: [] }),
      backend,
      pullDelay: 0.03,
      requestTimeout: 0.2,
      onError: () => errors.count++,
    });
    const add = store.action((data, id) => ({ ...data, coins: data.coins + 1, log: [...data.log, id] }));
    return { store, add, busy: new Set() };
  });
  const expected = new Map(); // key → ids patched by sessions that stopped
  let patches = 0;

  async function session(i) {
    const server = servers[i % SERVERS];
    let key;
    do key = `k${random.int(0, keys - 1)}`;
    while (server.busy.has(key)); // one session per key per server at a time
    server.busy.add(key);
    const s = server.store.load(key);
    const ids = [];
    for (let n = random.int(1, 5); n > 0; n--) {
      const id = `s${i}:${n}`;
      if (!s.patch(server.add, id)) failures.add(`session ${i}: patch ${id} refused`);
      ids.push(id);
      patches++;
      await sleep(random.int(0, 40));
    }
    try {
      await s.stop();
    } catch (error) {
      failures.add(`session ${i} on ${key}: stop rejected: ${error?.message ?? error}`);
    }
    if (s.bad() !== undefined) failures.add(`session ${i} on ${key} went bad: ${s.bad()}`);
    server.busy.delete(key);
    if (!expected.has(key)) expected.set(key, []);
    expected.get(key).push(...ids);
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < sessions) await session(next++);
    }),
  );
  await backend.drain();

  let exact = 0;
  for (const [key, ids] of expected) {
    const entry = await memory.get(STORE, key);
    const data = entry === null ? undefined : JSON.parse(entry.value).data;
    const log = data?.log ?? [];
    const want = new Set(ids);
    const counts = new Map();
    for (const id of log) counts.set(id, (counts.get(id) ?? 0) + 1);
    const lost = ids.filter((id) => !counts.has(id));
    const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const foreign = log.filter((id) => !want.has(id));
    if (lost.length === 0 && doubled.length === 0 && foreign.length === 0 && data.coins === log.length) exact++;
    else {
      failures.add(
        `${key}: ${lost.length} lost (${lost.slice(0, 5)}), ${doubled.length} doubled (${doubled.slice(0, 5)}), ` +
          `${foreign.length} not patched by anyone, coins ${data?.coins} for ${log.length} ids`,
      );
    }
  }
  for (const { store } of servers) await store.close();
  return {
    figures:
      `seed ${seed}, ${fmt(sessions)} sessions on ${SERVERS} servers, ${fmt(patches)} patches to ${fmt(expected.size)} keys, ` +
      `${backend.summary()}, ${fmt(errors.count)} reported to onError, ${fmt(exact)}/${fmt(expected.size)} keys exact`,
    failures,
  };
}
