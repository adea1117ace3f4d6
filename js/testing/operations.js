// Operating the data through the public API (docs/api.md: store.keys,
// keysByUser, remove, restore, view.history): the kit's second suite
// (kit.js), with the same `open()` as the contract suite (contract.js).
//
// Several Store objects, each on its own client (`another()`), stand for
// several servers. Every change carries a unique id into the data's `log`,
// so a check can say exactly which changes a key holds: nothing lost,
// nothing doubled.
//
// `skilift` is the package's main entry (its `Store`); `harness` is
// { describe, it, assert }.

const NS = "players/global";

/** A backend wrapper that rejects calls and loses put replies, seeded, keeping the optional methods. */
export class FlakyBackend {
  constructor(inner, { seed = 7, reject = 0.05, lostReply = 0.05 } = {}) {
    this.inner = inner;
    this.state = seed;
    this.rates = { reject, lostReply };
    this.injected = 0;
    for (const m of ["getVersion", "getAtTime", "history", "list", "keysByUser", "remove"]) {
      if (typeof inner[m] === "function") this[m] = (...args) => inner[m](...args);
    }
  }
  #hit(rate) {
    // xorshift32
    let x = this.state;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.state = x;
    const hit = x / 4294967296 < rate;
    if (hit) this.injected++;
    return hit;
  }
  async get(store, key) {
    if (this.#hit(this.rates.reject)) throw new Error("injected: get rejected");
    return this.inner.get(store, key);
  }
  async put(store, key, value, expected, meta) {
    if (this.#hit(this.rates.reject)) throw new Error("injected: put rejected");
    const version = await this.inner.put(store, key, value, expected, meta);
    if (this.#hit(this.rates.lostReply)) throw new Error("injected: put wrote, then the reply was lost");
    return version;
  }
}

/** Registers the operations suite: `open` as kit.js hands it, `harness` { skilift, describe, it, assert }. */
export function operationsApi(name, open, { skilift, describe, it, assert }, options = {}) {
  const { Store } = skilift;
  const history = options.history !== false;

  // The stores of the running test: closed after it whatever happened, so a
  // failed check (or a broken backend) leaves no session pulling forever.
  const running = [];

  function server(backend) {
    const errors = [];
    const store = new Store({
      name: "players",
      defaultData: () => ({ coins: 0, log: [] }),
      backend,
      pullDelay: 0.05,
      onError: (e) => errors.push(e),
    });
    const add = store.action((d, id, n) => ({ ...d, coins: d.coins + n, log: [...d.log, id] }));
    running.push(store);
    return { store, add, errors };
  }

  /** Runs `fn(backend, another)` on a backend of its own (see contract.js) and always closes it. */
  async function withBackend(fn) {
    const { backend, close, another } = await open();
    try {
      await fn(backend, another ?? (async () => backend));
    } finally {
      // A backend that breaks the contract can keep a final save from ever
      // ending: the test has failed already, so wait a bounded time only.
      let timer;
      const bound = new Promise((resolve) => (timer = setTimeout(resolve, 10_000)));
      await Promise.race([Promise.allSettled(running.splice(0).map((s) => s.close())), bound]);
      clearTimeout(timer);
      await close?.();
    }
  }

  const logOf = async (store, key) => (await store.view(key).latest())?.log ?? [];

  describe(`operations API: ${name}`, () => {
    it("keys yields every key of the store once, in order, and no other store's", () =>
      withBackend(async (backend) => {
        const { store, add } = server(backend);
        const other = new Store({ name: "players", scope: "other", defaultData: () => ({ coins: 0, log: [] }), backend });
        const otherAdd = other.action((d) => d);
        const keys = Array.from({ length: 1203 }, (_, i) => `p${String(i).padStart(4, "0")}`);
        await runAll(keys, (k) => store.update(k, add, `c:${k}`, 1), 40);
        await other.update("zzz-other", otherAdd);
        const seen = [];
        for await (const key of store.keys()) seen.push(key);
        assert.deepEqual(seen, keys);
        const prefixed = [];
        for await (const key of store.keys({ prefix: "p11" })) prefixed.push(key);
        assert.deepEqual(prefixed, keys.filter((k) => k.startsWith("p11")));
        await Promise.all([store.close(), other.close()]);
      }));

    it("a bulk update over 1,000 keys with faults leaves every key exact", () =>
      withBackend(async (backend, another) => {
        const flaky = new FlakyBackend(backend, { seed: 11 });
        const { store, add, errors } = server(flaky);
        const keys = Array.from({ length: 1000 }, (_, i) => `bulk${i}`);
        await runAll(keys, (k) => store.update(k, add, `first:${k}`, 1), 50);
        let done = 0;
        const work = [];
        for await (const key of store.keys({ prefix: "bulk" })) {
          work.push(key);
          if (work.length === 50) await runAll(work.splice(0), (k) => store.update(k, add, `bulk:${k}`, 10).then(() => done++), 50);
        }
        await runAll(work, (k) => store.update(k, add, `bulk:${k}`, 10).then(() => done++), 50);
        assert.equal(done, 1000);
        assert.ok(flaky.injected > 20, `faults were injected (${flaky.injected})`);
        assert.ok(errors.length > 0, "and reported");
        const clean = server(await another());
        for (const k of keys) {
          const data = await clean.store.view(k).latest();
          assert.deepEqual(data, { coins: 11, log: [`first:${k}`, `bulk:${k}`] }, k);
        }
        await Promise.all([store.close(), clean.store.close()]);
      }));

    it("remove while a second server holds the key: it goes bad, the data does not return, keysByUser forgets it", () =>
      withBackend(async (backend, another) => {
        const a = server(backend);
        const b = server(await another());
        const admin = server(await another());
        const sa = a.store.load("gone");
        sa.userid(4242);
        sa.patch(a.add, "a1", 5);
        await sa.await();
        const sb = b.store.load("gone");
        await sb.await();
        assert.equal((await logOf(admin.store, "gone")).length, 1);
        const before = [];
        for await (const k of admin.store.keysByUser(4242)) before.push(k);
        assert.deepEqual(before, ["gone"]);

        await admin.store.remove("gone");
        assert.equal(await admin.store.view("gone").latest(), undefined);
        if (history) assert.deepEqual(await admin.store.view("gone").history(), []);
        sa.patch(a.add, "a2", 1);
        sb.patch(b.add, "b1", 1);
        await until(() => sa.bad() && sb.bad(), "both sessions to go bad");
        assert.match(sa.bad(), /removed/);
        assert.match(sb.bad(), /removed/);
        assert.equal(await admin.store.view("gone").latest(), undefined, "nothing was written back");
        const after = [];
        for await (const k of admin.store.keysByUser(4242)) after.push(k);
        assert.deepEqual(after, []);
        const listed = [];
        for await (const k of admin.store.keys()) listed.push(k);
        assert.deepEqual(listed, []);

        const fresh = admin.store.load("gone");
        fresh.patch(admin.add, "new1", 1);
        await fresh.stop();
        assert.deepEqual(await admin.store.view("gone").latest(), { coins: 1, log: ["new1"] }, "a later load starts from defaultData");
        await Promise.all([a.store.close(), b.store.close(), admin.store.close()]);
      }));

    // Registered only for a backend with history: some runners (Jest) take no skip option.
    if (history) {
      it("restore while two other servers patch: their changes not yet stored are replayed on it", () =>
        withBackend(async (backend, another) => {
          const a = server(backend);
          const b = server(await another());
          const admin = server(await another());
          const sa = a.store.load("hero");
          const sb = b.store.load("hero");
          sa.patch(a.add, "base", 5);
          await sa.await();
          const [good] = await admin.store.view("hero").history({ limit: 1 });
          const ids = [];
          let n = 0;
          const patching = (async () => {
            for (let i = 0; i < 40; i++) {
              sa.patch(a.add, `a${++n}`, 1);
              sb.patch(b.add, `b${++n}`, 1);
              ids.push(`a${n - 1}`, `b${n}`);
              await new Promise((r) => setTimeout(r, 5));
            }
          })();
          await new Promise((r) => setTimeout(r, 60));
          await admin.store.restore("hero", good.version);
          await patching;
          await Promise.all([sa.stop(), sb.stop()]);
          // The version written just before the restore holds the changes the
          // restore replaced; every other change must be in the end, once.
          const versions = await admin.store.view("hero").history({ limit: 1000 });
          const logs = await Promise.all(versions.map((v) => admin.store.view("hero").version(v.version).then((d) => d.log)));
          // Newest first; the oldest (last) is the original "base" version.
          const at = logs.findIndex((log, i) => i < logs.length - 1 && log.length === 1 && log[0] === "base");
          assert.ok(at >= 0, "the restore wrote the old data");
          const replaced = new Set(logs[at + 1]);
          const end = logs[0];
          assert.equal(end[0], "base");
          assert.equal(new Set(end).size, end.length, "nothing doubled");
          assert.deepEqual(new Set(end.slice(1)), new Set(ids.filter((id) => !replaced.has(id))));
          await Promise.all([a.store.close(), b.store.close(), admin.store.close()]);
        }));

      it("restore of a version that does not exist is not_found", () =>
        withBackend(async (backend) => {
          const { store, add } = server(backend);
          await store.update("k", add, "x", 1);
          await assert.rejects(store.restore("k", "no-such-version"), (e) => e.code === "not_found");
          await store.close();
        }));
    }
  });
}

/** Runs `fn(backend)` on a backend from `open()`, closing it afterwards. */
export async function withOpened(open, fn) {
  const { backend, close } = await open();
  try {
    await fn(backend);
  } finally {
    await close?.();
  }
}

/** Runs `fn` over `items`, `parallel` at a time. */
async function runAll(items, fn, parallel) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Waits for `predicate()` to hold (polling), or throws naming `what`. */
export async function until(predicate, what) {
  for (let i = 0; i < 2500; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 4));
  }
  throw new Error(`timed out waiting for ${what}`);
}
