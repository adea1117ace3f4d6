// One game server (a child process of demo/coordinator.mjs). It has its own
// Store on a FsBackend over the shared directory and does what the
// coordinator's IPC messages tell its bots to do. It tells the coordinator
// which action ids it has seen saved, by reading the stored records back
// (so a kill loses only ids the coordinator knows were at risk), the result
// of every trade and of every purchase delivery, and its write counts.
// VERSION is the game's version it runs (demo/game.mjs): the rolling deploy
// replaces each version-1 server by a version-2 one.
//
//   node demo/server.mjs SPEC NAME VERSION      (started with child_process.fork)

import { transaction } from "../pkg/node.mjs";
import { openBackend } from "./backends.mjs";
import { NAMESPACE, decodeRecord, gameStore } from "./game.mjs";

const [specJson, name, versionArg] = process.argv.slice(2);
const version = Number(versionArg);
const LINGER_MS = 2500; // a session its bot left stays loaded (and pulling) this long
const CONFIRM_EVERY_MS = 300;
const send = (message) => process.connected && process.send(message);

/**
 * The backend, counting writes, the conflicts (put answering null) the
 * engine retried, and the writes of a version-1 server that carried the
 * field only version 2 knows (`carried`: both versions on one key).
 */
class CountingBackend {
  constructor(inner) {
    this.inner = inner;
    this.counts = { gets: 0, puts: 0, conflicts: 0, carried: 0 };
  }
  get(store, key) {
    this.counts.gets++;
    return this.inner.get(store, key);
  }
  async put(store, key, value, expected, meta) {
    this.counts.puts++;
    const version = await this.inner.put(store, key, value, expected, meta);
    if (version === null) this.counts.conflicts++;
    else if (carriesNewerField(value)) this.counts.carried++;
    return version;
  }
  getVersion(store, key, version) {
    return this.inner.getVersion(store, key, version);
  }
  getAtTime(store, key, time) {
    return this.inner.getAtTime(store, key, time);
  }
  // The optional methods, passed on: with `remove` the coordinators of
  // trades delete their decision records once every key has resolved them.
  history(store, key, options) {
    return this.inner.history(store, key, options);
  }
  list(store, options) {
    return this.inner.list(store, options);
  }
  keysByUser(store, userId) {
    return this.inner.keysByUser(store, userId);
  }
  remove(store, key) {
    return this.inner.remove(store, key);
  }
}

/** Whether a record this version-1 server wrote holds version 2's `gems`. */
function carriesNewerField(value) {
  if (version >= 2) return false;
  try {
    return "gems" in decodeRecord(value).data;
  } catch {
    return false;
  }
}

const opened = await openBackend(JSON.parse(specJson));
const raw = opened.backend;
const backend = new CountingBackend(raw);
const errors = {}; // code -> count
const { store, actions } = gameStore(backend, (error, key) => {
  const code = error?.code ?? "host";
  errors[code] = (errors[code] ?? 0) + 1;
  if (errors[code] <= 3) send({ type: "error", code, key, message: String(error?.message ?? error) });
}, version);

/** key -> { session, data, player, busy, idleSince } */
const loaded = new Map();
/** key -> Set of ids patched here and not yet seen in storage */
const unconfirmed = new Map();
const bad = new Set();
let finishing = false;

function sessionFor(key, bot) {
  let entry = loaded.get(key);
  if (!entry) {
    const session = store.load(key);
    entry = { session, data: undefined, player: false, busy: 0, idleSince: Date.now() };
    session.updated((data) => (entry.data = data));
    loaded.set(key, entry);
  }
  if (bot !== undefined) entry.session.userid(bot);
  return entry;
}

function track(key, id) {
  if (!unconfirmed.has(key)) unconfirmed.set(key, new Set());
  unconfirmed.get(key).add(id);
}

function patch(key, action, id, ...args) {
  const entry = sessionFor(key);
  entry.session.patch(action, id, ...args);
  track(key, id);
}

async function trade({ id, from, to, n, bot }) {
  let a;
  let b;
  try {
    // Inside the try: a stopped session throws here too (userid), and the
    // coordinator must hear an answer for every trade.
    a = sessionFor(from, bot);
    a.busy++;
    b = sessionFor(to);
    b.busy++;
    // The game checks its own view of the sender first; the escrow is then certain.
    if ((a.data?.coins ?? 0) < n) return send({ type: "traded", id, outcome: "declined" });
    patch(from, actions.escrow, `${id}:escrow`, n);
    const ok = await transaction(
      () => b.session.patch(actions.giveMoney, `${id}:give`, n),
      () => a.session.patch(actions.giveMoney, `${id}:refund`, n),
    );
    track(ok ? to : from, ok ? `${id}:give` : `${id}:refund`);
    send({ type: "traded", id, outcome: ok ? "committed" : "aborted" });
  } catch (error) {
    send({ type: "traded", id, outcome: "error", message: String(error?.message ?? error) });
  } finally {
    for (const entry of [a, b]) {
      if (!entry) continue;
      entry.busy--;
      entry.idleSince = Date.now();
    }
  }
}

const handlers = {
  join({ key, id, bot, botName }) {
    const entry = sessionFor(key, bot);
    entry.player = true;
    patch(key, actions.join, id, botName);
  },
  leave({ key }) {
    const entry = loaded.get(key);
    if (entry) {
      entry.player = false;
      entry.idleSince = Date.now();
    }
  },
  earn: ({ key, id, n }) => patch(key, actions.earn, id, n),
  spend: ({ key, id, n }) => patch(key, actions.spend, id, n),
  gem: ({ key, id, n }) => patch(key, actions.mine, id, n), // version 2 only: the coordinator asks no other
  trade,
  /**
   * A purchase receipt, which the coordinator also hands to another server:
   * granted with patchOnce, so whichever server's write stores it first is
   * told true and every other delivery false.
   */
  purchase({ key, id, n, delivery }) {
    const answer = (fields) => send({ type: "purchased", id, delivery, server: name, ...fields });
    const entry = sessionFor(key);
    let granted;
    try {
      granted = entry.session.patchOnce(id, actions.grant, id, n);
    } catch (error) {
      return answer({ error: `${error?.code ?? "thrown"}: ${error?.message ?? error}` });
    }
    entry.busy++; // kept loaded until the answer is known
    granted
      .then((ok) => answer({ granted: ok }), (error) => answer({ error: `${error?.code ?? "rejected"}: ${error?.message ?? error}` }))
      .finally(() => {
        entry.busy--;
        entry.idleSince = Date.now();
      });
  },
  async finish() {
    finishing = true;
    await store.close();
    await confirm();
    for (const { session } of loaded.values()) if (session.bad()) bad.add(session.key);
    send({ type: "finished", counts: backend.counts, stats: store.stats(), errors, bad: [...bad] });
    await opened.close(); // a pg Pool or a Redis connection would keep the process up
    process.disconnect();
  },
};

/** Reads back the records of keys with unconfirmed ids; reports the ids now stored. */
async function confirm() {
  const saved = [];
  await Promise.all(
    [...unconfirmed].map(async ([key, ids]) => {
      let log;
      try {
        const entry = await raw.get(NAMESPACE, key);
        log = entry ? decodeRecord(entry.value).data.log : [];
      } catch (error) {
        send({ type: "error", code: "readback", key, message: String(error?.message ?? error) });
        return;
      }
      for (const [id] of log) {
        if (ids.delete(id)) saved.push(id);
      }
      if (ids.size === 0) unconfirmed.delete(key);
    }),
  );
  if (saved.length) send({ type: "saved", ids: saved });
}

/** Stops sessions whose bot left a while ago; reports bad keys. */
async function sweep() {
  for (const [key, entry] of loaded) {
    const reason = entry.session.bad();
    if (reason && !bad.has(key)) {
      bad.add(key);
      send({ type: "bad", key, reason });
    }
    if (!entry.player && entry.busy === 0 && Date.now() - entry.idleSince > LINGER_MS) {
      loaded.delete(key);
      entry.session.stop().catch((error) => send({ type: "error", code: "stop", key, message: String(error) }));
    }
  }
}

async function loop(fn, ms) {
  while (!finishing) {
    await new Promise((r) => setTimeout(r, ms));
    if (!finishing) await fn();
  }
}
loop(confirm, CONFIRM_EVERY_MS);
loop(sweep, 500);
loop(() => send({ type: "stats", counts: backend.counts, stats: store.stats(), sessions: loaded.size }), 1000);

// A handler that throws (even at once, as patch on a stopped session does)
// is reported, never a crash of the server.
process.on("message", async (message) => {
  try {
    await handlers[message.type](message);
  } catch (error) {
    send({ type: "error", code: error?.code ?? "handler", message: String(error?.message ?? error) });
  }
});
process.on("disconnect", () => {
  if (!finishing) process.exit(1); // the coordinator died: nothing more to do
});
send({ type: "ready", name, version, pid: process.pid });
