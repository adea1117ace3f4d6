// FetchBackend's bound on requests in flight (init.maxRequests, default 64):
// never more at the server at once, a bad value refused, and under a low
// limit on open files (`ulimit -n`) a child process loading and updating
// more keys at once than it may open sockets gets through with no failure
// reported, every change stored once. Without the bound, Node's fetch
// opened a socket per request: "fetch failed" (EMFILE) thousands of times,
// retried. And a request a frozen server never answers gives its slot back
// after 10 s, so the requests behind it are not stalled for ever. A real
// server on loopback (createHandler on MemoryBackend), a real child process.
import { it } from "node:test";
import assert from "node:assert/strict";
import { FetchBackend } from "../../pkg/cjs/backends/http/fetch.cjs";
import { createHandler } from "../../pkg/cjs/backends/http/server.cjs";
import { MemoryBackend } from "../../pkg/cjs/backends/memory/index.cjs";
import { Store } from "../../pkg/node.mjs";
import { listen } from "./server-support.mjs";
import { LIMIT, assertAllOnce, runChild, seed } from "./many-at-once.mjs";

const KEYS = 1200;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A server that holds every request it gets until `release()`, then
 * answers them all and holds no more: `held()` is how many are in.
 */
async function holdingServer() {
  const handler = createHandler(new MemoryBackend(), { authorize: () => true, admin: true });
  let waiting = [];
  const server = await listen((req, res) => (waiting ? waiting.push(() => handler(req, res)) : handler(req, res)));
  const release = () => {
    for (const answer of waiting ?? []) answer();
    waiting = null;
  };
  return { ...server, held: () => waiting?.length ?? 0, release };
}

/** Starts `count` gets on `backend`; asserts the server holds exactly `expected` of them at once, then lets all through. */
async function assertInFlight(backend, count, expected) {
  const server = await holdingServer();
  try {
    const client = backend(server.url);
    const gets = Promise.all(Array.from({ length: count }, (_, k) => client.get("players/global", `k${k}`)));
    for (let waited = 0; server.held() < expected && waited < 20_000; waited += 10) await sleep(10);
    await sleep(200); // time for one too many to arrive, had it been sent
    assert.equal(server.held(), expected);
    server.release();
    assert.deepEqual(new Set(await gets), new Set([null]));
  } finally {
    await server.close();
  }
}

it("FetchBackend: at most maxRequests requests in flight (3 asked, 64 by default)", async () => {
  await assertInFlight((url) => new FetchBackend(url, { maxRequests: 3 }), 30, 3);
  await assertInFlight((url) => new FetchBackend(url), 200, 64);
});

it("FetchBackend: maxRequests must be a whole number >= 1 or Infinity", () => {
  for (const bad of [0, -1, 1.5, NaN, "4", null]) {
    assert.throws(() => new FetchBackend("http://127.0.0.1:1", { maxRequests: bad }), (e) => {
      assert.equal(e.code, "invalid_options");
      assert.match(e.message, /init\.maxRequests must be a whole number of requests >= 1/);
      return true;
    });
  }
  new FetchBackend("http://127.0.0.1:1", { maxRequests: Infinity });
  new FetchBackend("http://127.0.0.1:1", { maxRequests: 1 });
});

it(`FetchBackend: ${KEYS} keys listed, loaded and updated at once under ulimit -n ${LIMIT}`, { timeout: 240_000 }, async () => {
  const server = await listen(createHandler(new MemoryBackend(), { authorize: () => true, admin: true }));
  try {
    const backend = new FetchBackend(server.url);
    await seed(backend, KEYS);
    await assertAllOnce(backend, KEYS, await runChild(["fetch", server.url, String(KEYS)]));
  } finally {
    await server.close();
  }
});

it("FetchBackend: requests a server never answers stop counting after a while: the backend does not stall behind them", { timeout: 120_000 }, async () => {
  // The first HUNG requests get no answer at all (as from a server that
  // accepts connections and then freezes); later ones are answered.
  const HUNG = 2;
  const handler = createHandler(new MemoryBackend(), { authorize: () => true });
  let seen = 0;
  const server = await listen((req, res) => (++seen <= HUNG ? undefined : handler(req, res)));
  try {
    const reported = [];
    const store = new Store({
      name: "players",
      defaultData: () => ({ coins: 0 }),
      backend: new FetchBackend(server.url, { maxRequests: 2 }),
      requestTimeout: 0.5,
      onError: (e) => reported.push(e.code),
    });
    const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
    assert.equal(await store.update("ada", add), true);
    assert.deepEqual(await store.view("ada").latest(), { coins: 1 });
    assert.ok(seen > HUNG);
    assert.ok(reported.length > 0, "the hung calls were never reported");
    await store.close();
  } finally {
    await server.close();
  }
});
