// Campaign updated-monotonic: `updated` never goes backwards for keys that
// only grow. Four servers (Stores) on one backend that delays, rejects, hangs
// and loses replies (faults.mjs) each load the same keys and bump their own
// counter in each, in generations of sessions (load, patch, stop, load
// again). Every `updated` call of every session is checked: no counter is
// ever lower than that session last showed, across its own patches and
// every pull, conflict and fault. At the end each counter is exact.

import { MemoryBackend, Store } from "../../pkg/node.mjs";
import { FaultyBackend } from "./faults.mjs";
import { Failures, fmt, rng, sleep } from "./support.mjs";

const SERVERS = ["a", "b", "c", "d"];
const STORE = "players/global";

export async function run({ short, seed }) {
  const keys = Array.from({ length: short ? 3 : 8 }, (_, i) => `k${i}`);
  const generations = short ? 3 : 5;
  const patchesPerSession = short ? 15 : 25;
  const random = rng(seed);
  const failures = new Failures();
  const memory = new MemoryBackend();
  const backend = new FaultyBackend(memory, rng(seed ^ 0x5eed), { reject: 0.05, hang: 0.03, lost: 0.05 }, { delayMs: 4 });
  const servers = SERVERS.map((name) => {
    const store = new Store({
      name: "players",
      defaultData: () => ({ counters: {} }),
      backend,
      pullDelay: 0.02,
      requestTimeout: 0.2,
      onError: () => {},
    });
    const bump = store.action((data, who) => ({ ...data, counters: { ...data.counters, [who]: (data.counters[who] ?? 0) + 1 } }));
    return { name, store, bump };
  });
  const figures = { sessions: 0, patches: 0, updates: 0, backwards: 0 };
  const patched = new Map(); // `${key}\0${server}` → patches made

  async function session(server, key, generation) {
    figures.sessions++;
    const s = server.store.load(key);
    const last = {};
    s.updated((data) => {
      figures.updates++;
      for (const [who, n] of Object.entries(data.counters)) {
        if (n < (last[who] ?? 0)) {
          figures.backwards++;
          failures.add(`server ${server.name}, ${key}, generation ${generation}: counter ${who} went from ${last[who]} to ${n} (update ${figures.updates})`);
        }
        last[who] = n;
      }
      for (const who of Object.keys(last)) {
        if (!(who in data.counters)) {
          figures.backwards++;
          failures.add(`server ${server.name}, ${key}, generation ${generation}: counter ${who} (${last[who]}) disappeared`);
          delete last[who];
        }
      }
    });
    for (let i = 0; i < patchesPerSession; i++) {
      s.patch(server.bump, server.name);
      figures.patches++;
      const id = `${key}\u0000${server.name}`;
      patched.set(id, (patched.get(id) ?? 0) + 1);
      await sleep(random.int(0, 15));
    }
    await s.stop();
    if (s.bad() !== undefined) failures.add(`server ${server.name}, ${key}: the session went bad: ${s.bad()}`);
  }

  await Promise.all(
    servers.flatMap((server) =>
      keys.map(async (key) => {
        for (let g = 0; g < generations; g++) await session(server, key, g);
      }),
    ),
  );
  await backend.drain();

  let exact = 0;
  for (const key of keys) {
    const entry = await memory.get(STORE, key);
    const counters = entry === null ? {} : JSON.parse(entry.value).data.counters;
    const wrong = SERVERS.filter((who) => counters[who] !== (patched.get(`${key}\u0000${who}`) ?? 0));
    if (wrong.length === 0) exact++;
    else failures.add(`${key}: stored counters ${JSON.stringify(counters)}, patched ${wrong.map((w) => `${w}=${patched.get(`${key}\u0000${w}`)}`)}`);
  }
  for (const { store } of servers) await store.close();
  return {
    figures:
      `seed ${seed}, ${SERVERS.length} servers × ${keys.length} keys, ${fmt(figures.sessions)} sessions, ${fmt(figures.patches)} patches, ` +
      `${fmt(figures.updates)} updated calls, ${fmt(figures.backwards)} backwards, ${fmt(backend.counts.conflicts)} conflicts, ` +
      `${backend.summary()}, ${exact}/${keys.length} keys exact`,
    failures,
  };
}
